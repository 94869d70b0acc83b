// Package passutil holds what every leakhound analyzer shares: extracting the
// analyzer documentation from its doc.go, checking imports for an early exit,
// building SSA, and walking control-flow graphs. Diagnostics are reported
// with pass.Report; //leakhound:ignore comments are applied where the
// analyzers are registered (package ignore).
package passutil

import (
	"go/ast"
	"go/build"
	"go/token"
	"go/types"
	"path/filepath"
	"slices"
	"strings"

	"golang.org/x/tools/go/analysis"
)

// Doc returns the documentation of analyzer name from the doc comment of its
// package (the text of doc.go): the paragraph after the "# Analyzer name"
// heading, with the comment markers removed. It panics when the heading is
// missing, which is a broken invariant of the analyzer package.
func Doc(src, name string) string {
	var lines []string
	in := false
	for line := range strings.SplitSeq(src, "\n") {
		if !strings.HasPrefix(line, "//") {
			if in {
				break
			}
			continue
		}
		text := strings.TrimPrefix(strings.TrimPrefix(line, "//"), " ")
		if text == "# Analyzer "+name {
			in = true
			continue
		}
		if in {
			lines = append(lines, text)
		}
	}
	if !in {
		panic("passutil: doc.go has no \"# Analyzer " + name + "\" heading")
	}
	return strings.TrimSpace(strings.Join(lines, "\n"))
}

// Refers reports whether the code of the package of pass refers to one of
// the functions or methods named, by full name ("runtime.SetFinalizer",
// "(*os.File).Fd"): an analyzer that looks only at calls of them has nothing
// to do in a package that does not.
func Refers(pass *analysis.Pass, names ...string) bool {
	for _, obj := range pass.TypesInfo.Uses {
		if fn, ok := obj.(*types.Func); ok && slices.Contains(names, fn.FullName()) {
			return true
		}
	}
	return false
}

// CallStarts maps the Lparen position of every call expression in files to
// the position where the call expression starts, so diagnostics found on SSA
// (which positions a call at its parenthesis) point at the call itself.
func CallStarts(files []*ast.File) map[token.Pos]token.Pos {
	m := make(map[token.Pos]token.Pos)
	for _, f := range files {
		ast.Inspect(f, func(n ast.Node) bool {
			if c, ok := n.(*ast.CallExpr); ok {
				m[c.Lparen] = c.Pos()
			}
			return true
		})
	}
	return m
}

// InGOROOT reports whether the package of pass is part of the standard
// library (its files are under GOROOT/src), which analyzers describe with
// tables instead of analyzing it.
func InGOROOT(pass *analysis.Pass) bool {
	if len(pass.Files) == 0 || build.Default.GOROOT == "" {
		return false
	}
	name := pass.Fset.File(pass.Files[0].Pos()).Name()
	rel, err := filepath.Rel(filepath.Join(build.Default.GOROOT, "src"), name)
	return err == nil && !strings.HasPrefix(rel, "..") && !strings.Contains(filepath.ToSlash(rel), "/testdata/")
}
