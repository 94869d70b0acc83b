package passutil

import (
	"go/ast"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"slices"
	"testing"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/ssa"
)

func TestNamedImports(t *testing.T) {
	const src = `package p

import (
	"errors"
	"io"
	"os"
	"strings"
)

var _ io.Reader = strings.NewReader("") // a function of strings; io for a type only

func f(r io.Reader) error {
	_ = os.Stdout // a variable of os
	return errors.ErrUnsupported
}

func g(b *strings.Builder) { b.WriteString("x") } // a method: created when needed
`
	info := &types.Info{Uses: map[*ast.Ident]types.Object{}}
	_, _, pkg := typeCheck(t, src, info)
	var got []string
	for _, p := range namedImports(pkg, info) {
		got = append(got, p.Path())
	}
	if want := []string{"errors", "os", "strings"}; !slices.Equal(got, want) {
		t.Errorf("namedImports = %v, want %v (io is used for a type only)", got, want)
	}
}

func TestBuildSSAKeep(t *testing.T) {
	const src = `package p

func kept() int { return skipped() + func() int { return 1 }() }

func skipped() int { return 2 }
`
	info := &types.Info{
		Types:        map[ast.Expr]types.TypeAndValue{},
		Defs:         map[*ast.Ident]types.Object{},
		Uses:         map[*ast.Ident]types.Object{},
		Implicits:    map[ast.Node]types.Object{},
		Selections:   map[*ast.SelectorExpr]*types.Selection{},
		Scopes:       map[ast.Node]*types.Scope{},
		Instances:    map[*ast.Ident]types.Instance{},
		FileVersions: map[*ast.File]string{},
	}
	fset, file, pkg := typeCheck(t, src, info)
	pass := &analysis.Pass{Fset: fset, Files: []*ast.File{file}, Pkg: pkg, TypesInfo: info}
	funcs := BuildSSA(pass, func(fd *ast.FuncDecl) bool { return fd.Name.Name == "kept" })
	var got []string
	for _, fn := range funcs {
		got = append(got, fn.Name())
		if fn.Name() == "kept" {
			callee := fn.Blocks[0].Instrs[0].(*ssa.Call).Call.StaticCallee()
			if callee == nil || callee.Name() != "skipped" || callee.Blocks != nil {
				t.Errorf("kept calls %v, want skipped without a body", callee)
			}
		}
	}
	if want := []string{"kept", "kept$1", "init"}; !slices.Equal(got, want) {
		t.Errorf("BuildSSA with keep = %v, want %v", got, want)
	}
	if file.Decls[1].(*ast.FuncDecl).Body == nil {
		t.Error("BuildSSA removed a body from the syntax tree it was given")
	}
}

// typeCheck parses src as the file p.go of package p and type-checks it,
// recording into info.
func typeCheck(t *testing.T, src string, info *types.Info) (*token.FileSet, *ast.File, *types.Package) {
	t.Helper()
	fset := token.NewFileSet()
	file, err := parser.ParseFile(fset, "p.go", src, 0)
	if err != nil {
		t.Fatal(err)
	}
	conf := types.Config{Importer: importer.ForCompiler(fset, "source", nil)}
	pkg, err := conf.Check("p", fset, []*ast.File{file}, info)
	if err != nil {
		t.Fatal(err)
	}
	return fset, file, pkg
}
