package passutil

import (
	"bytes"
	"go/ast"
	"go/token"

	"golang.org/x/tools/go/analysis"
)

// LineAfter returns the edit inserting code on a new line after stmt,
// indented like stmt. It fails when the source is not available, when stmt
// does not start its line, or when more code follows it on its line.
func LineAfter(pass *analysis.Pass, stmt ast.Stmt, code string) (analysis.TextEdit, bool) {
	tf := pass.Fset.File(stmt.Pos())
	if pass.ReadFile == nil || tf == nil {
		return analysis.TextEdit{}, false
	}
	content, err := pass.ReadFile(tf.Name())
	if err != nil || tf.Size() != len(content) {
		return analysis.TextEdit{}, false
	}
	lineStart := tf.Offset(tf.LineStart(tf.Line(stmt.Pos())))
	indent := content[lineStart:tf.Offset(stmt.Pos())]
	if len(bytes.TrimLeft(indent, " \t")) != 0 {
		return analysis.TextEdit{}, false // stmt does not start its line
	}
	end := tf.Offset(stmt.End())
	rest, _, _ := bytes.Cut(content[end:], []byte("\n"))
	if r := bytes.TrimSpace(rest); len(r) > 0 && !bytes.HasPrefix(r, []byte("//")) {
		return analysis.TextEdit{}, false // more code on the line
	}
	at := end + len(rest) + 1
	if at > len(content) {
		return analysis.TextEdit{}, false
	}
	pos := tf.Pos(at)
	return analysis.TextEdit{Pos: pos, End: pos, NewText: []byte(string(indent) + code + "\n")}, true
}

// FileOf returns the file of pass that contains pos, or nil.
func FileOf(pass *analysis.Pass, pos token.Pos) *ast.File {
	for _, f := range pass.Files {
		if f.FileStart <= pos && pos <= f.FileEnd {
			return f
		}
	}
	return nil
}

// StmtList returns the statements of n when n holds a statement list: a
// block, or a case or comm clause of a switch or select; ok is false for
// any other node.
func StmtList(n ast.Node) (list []ast.Stmt, ok bool) {
	switch n := n.(type) {
	case *ast.BlockStmt:
		return n.List, true
	case *ast.CaseClause:
		return n.Body, true
	case *ast.CommClause:
		return n.Body, true
	}
	return nil, false
}
