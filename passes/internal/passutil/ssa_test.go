package passutil

import (
	"go/ast"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"slices"
	"testing"
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
	fset := token.NewFileSet()
	file, err := parser.ParseFile(fset, "p.go", src, 0)
	if err != nil {
		t.Fatal(err)
	}
	info := &types.Info{Uses: map[*ast.Ident]types.Object{}}
	conf := types.Config{Importer: importer.ForCompiler(fset, "source", nil)}
	pkg, err := conf.Check("p", fset, []*ast.File{file}, info)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range namedImports(pkg, info) {
		got = append(got, p.Path())
	}
	if want := []string{"errors", "os", "strings"}; !slices.Equal(got, want) {
		t.Errorf("namedImports = %v, want %v (io is used for a type only)", got, want)
	}
}
