package rawfd

import (
	"bytes"
	"go/ast"
	"go/token"
	"go/types"
	"strconv"
	"strings"

	"github.com/leakhound/leakhound/passes/internal/passutil"
	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/ast/astutil"
	"golang.org/x/tools/go/ssa"
)

// A fixer writes the suggested fix of a descriptor used after the last use
// of its file: runtime.KeepAlive(f) after the statement holding the last use.
type fixer struct {
	pass  *analysis.Pass
	calls map[token.Pos]*ast.CallExpr // by Lparen; built at the first fix
}

func newFixer(pass *analysis.Pass) *fixer { return &fixer{pass: pass} }

// keepAlive returns the fix for the descriptor fd with the uses uses, when
// inserting one line is enough: every use is a plain call, the file is a
// local variable, and no return or jump lies between the descriptor and
// the insertion point.
func (x *fixer) keepAlive(fd *ssa.Call, uses []descriptorUse) (analysis.SuggestedFix, bool) {
	first, last := fd.Pos(), fd.Pos()
	for _, u := range uses {
		if u.how != called || !u.instr.Pos().IsValid() {
			return analysis.SuggestedFix{}, false
		}
		first, last = min(first, u.instr.Pos()), max(last, u.instr.Pos())
	}
	file := passutil.FileOf(x.pass, fd.Pos())
	id, obj := x.fileVar(fd.Pos())
	if file == nil || obj == nil {
		return analysis.SuggestedFix{}, false
	}
	stmt, ok := insertAfter(file, obj, first, last)
	if !ok || !safeRegion(file, first, stmt.End()) {
		return analysis.SuggestedFix{}, false
	}
	edit, ok := x.lineAfter(stmt, id.Name)
	if !ok {
		return analysis.SuggestedFix{}, false
	}
	pkgName, imp, ok := runtimeImport(file, obj.Parent(), edit.Pos)
	if !ok {
		return analysis.SuggestedFix{}, false
	}
	edit.NewText = bytes.Replace(edit.NewText, []byte("runtime."), []byte(pkgName+"."), 1)
	edits := []analysis.TextEdit{edit}
	if imp != nil {
		edits = append(edits, *imp)
	}
	return analysis.SuggestedFix{
		Message:   "Insert runtime.KeepAlive(" + id.Name + ") after the last use of the descriptor",
		TextEdits: edits,
	}, true
}

// fileVar returns the local variable the Fd call at lparen is made on
// (f in f.Fd()), or nil.
func (x *fixer) fileVar(lparen token.Pos) (*ast.Ident, *types.Var) {
	if x.calls == nil {
		x.calls = map[token.Pos]*ast.CallExpr{}
		for _, f := range x.pass.Files {
			ast.Inspect(f, func(n ast.Node) bool {
				if c, ok := n.(*ast.CallExpr); ok {
					x.calls[c.Lparen] = c
				}
				return true
			})
		}
	}
	call := x.calls[lparen]
	if call == nil {
		return nil, nil
	}
	sel, ok := call.Fun.(*ast.SelectorExpr)
	if !ok {
		return nil, nil
	}
	id, ok := ast.Unparen(sel.X).(*ast.Ident)
	if !ok {
		return nil, nil
	}
	v, ok := x.pass.TypesInfo.Uses[id].(*types.Var)
	if !ok || v.Parent() == nil || v.Parent() == x.pass.Pkg.Scope() {
		return nil, nil
	}
	return id, v
}

// insertAfter returns the statement after which the fix goes: the one
// holding last in the outermost block in the scope of v, when that block
// also holds first.
func insertAfter(file *ast.File, v *types.Var, first, last token.Pos) (ast.Stmt, bool) {
	path, _ := astutil.PathEnclosingInterval(file, last, last)
	var stmt ast.Stmt
	for i := 1; i < len(path); i++ {
		switch path[i].(type) {
		case *ast.FuncLit, *ast.FuncDecl:
			i = len(path) // the file variable is not declared outside the function
			continue
		}
		list, ok := passutil.StmtList(path[i])
		if !ok {
			continue
		}
		if !v.Parent().Contains(path[i].Pos()) && v.Parent() != types.Universe {
			break
		}
		s, ok := path[i-1].(ast.Stmt)
		if !ok || len(list) == 0 || first < list[0].Pos() || s.Pos() < v.Pos() {
			continue
		}
		stmt = s
	}
	return stmt, stmt != nil
}

// safeRegion reports whether the code from from to to, outside function
// literals, has no return, goto, labeled jump, break or continue leaving it,
// or endless loop starting in it: control that reaches from reaches to.
func safeRegion(file *ast.File, from, to token.Pos) bool {
	safe := true
	var stack []ast.Node
	ast.Inspect(file, func(n ast.Node) bool {
		if n == nil {
			stack = stack[:len(stack)-1]
			return true
		}
		if n.End() < from || n.Pos() > to {
			return false
		}
		if _, ok := n.(*ast.FuncLit); ok {
			return false
		}
		switch n := n.(type) {
		case *ast.ReturnStmt:
			safe = false
		case *ast.ForStmt:
			safe = safe && (n.Cond != nil || n.Pos() < from)
		case *ast.BranchStmt:
			jumps := n.Tok == token.GOTO || n.Tok == token.BREAK || n.Tok == token.CONTINUE
			if jumps && n.Pos() >= from && (n.Label != nil || n.Tok == token.GOTO || !enclosed(stack, n.Tok, from)) {
				safe = false
			}
		}
		stack = append(stack, n)
		return true
	})
	return safe
}

// enclosed reports whether a break or continue (tok) with the enclosing
// nodes stack targets a statement that starts inside the region from from.
func enclosed(stack []ast.Node, tok token.Token, from token.Pos) bool {
	for i := len(stack) - 1; i >= 0; i-- {
		switch stack[i].(type) {
		case *ast.ForStmt, *ast.RangeStmt:
			return stack[i].Pos() >= from
		case *ast.SwitchStmt, *ast.TypeSwitchStmt, *ast.SelectStmt:
			if tok == token.BREAK {
				return stack[i].Pos() >= from
			}
		}
	}
	return false
}

// lineAfter returns the edit inserting "runtime.KeepAlive(name)" on a new
// line after stmt, indented like it.
func (x *fixer) lineAfter(stmt ast.Stmt, name string) (analysis.TextEdit, bool) {
	return passutil.LineAfter(x.pass, stmt, "runtime.KeepAlive("+name+")")
}

// runtimeImport returns the name under which file can call package runtime
// at pos, and the edit importing it when the file does not yet.
func runtimeImport(file *ast.File, scope *types.Scope, pos token.Pos) (string, *analysis.TextEdit, bool) {
	for _, spec := range file.Imports {
		if path, _ := strconv.Unquote(spec.Path.Value); path != "runtime" {
			continue
		}
		if spec.Name == nil {
			return "runtime", nil, true
		}
		name := spec.Name.Name
		return name, nil, name != "_" && name != "."
	}
	if _, obj := scope.LookupParent("runtime", pos); obj != nil {
		return "", nil, false // the name is taken
	}
	return "runtime", importEdit(file), true
}

// importEdit returns the edit adding import "runtime" to file, among the
// standard library imports of its first import declaration.
func importEdit(file *ast.File) *analysis.TextEdit {
	var decl *ast.GenDecl
	for _, d := range file.Decls {
		if g, ok := d.(*ast.GenDecl); ok && g.Tok == token.IMPORT {
			decl = g
			break
		}
	}
	if decl == nil {
		return &analysis.TextEdit{Pos: file.Name.End(), End: file.Name.End(), NewText: []byte("\n\nimport \"runtime\"")}
	}
	if !decl.Lparen.IsValid() {
		return &analysis.TextEdit{Pos: decl.End(), End: decl.End(), NewText: []byte("\nimport \"runtime\"")}
	}
	var after ast.Spec
	for _, s := range decl.Specs {
		path, _ := strconv.Unquote(s.(*ast.ImportSpec).Path.Value)
		if elem, _, _ := strings.Cut(path, "/"); strings.Contains(elem, ".") {
			continue // not the standard library
		}
		if path > "runtime" {
			break
		}
		after = s
	}
	if after == nil {
		return &analysis.TextEdit{Pos: decl.Lparen + 1, End: decl.Lparen + 1, NewText: []byte("\n\t\"runtime\"")}
	}
	return &analysis.TextEdit{Pos: after.End(), End: after.End(), NewText: []byte("\n\t\"runtime\"")}
}
