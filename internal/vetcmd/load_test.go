package vetcmd

import (
	"go/ast"
	"go/token"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/tools/go/packages"
)

func TestParseDeclarations(t *testing.T) {
	const src = `package p

import "fmt"

func init() { fmt.Println("init") }

func Plain() int { return 1 }

func Generic[T any](v T) T { return v }

type List[T any] struct{ items []T }

func (l *List[T]) Len() int { return len(l.items) }

type Plain2 struct{}

func (Plain2) M() { fmt.Println() }

func asm() int
`
	f, err := parseDeclarations(token.NewFileSet(), "p.go", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, d := range f.Decls {
		if fd, ok := d.(*ast.FuncDecl); ok {
			switch {
			case fd.Body == nil:
				got[fd.Name.Name] = "none"
			case len(fd.Body.List) == 0:
				got[fd.Name.Name] = "empty"
			default:
				got[fd.Name.Name] = "kept"
			}
		}
	}
	want := map[string]string{"init": "empty", "Plain": "none", "Generic": "kept", "Len": "kept", "M": "none", "asm": "none"}
	for name, w := range want {
		if got[name] != w {
			t.Errorf("body of %s: %s, want %s", name, got[name], w)
		}
	}
}

func TestIsUnusedImport(t *testing.T) {
	for msg, want := range map[string]bool{
		`"fmt" imported and not used`:               true,
		`"math/rand/v2" imported as r and not used`: true,
		`declared and not used: x`:                  false,
		`undefined: fmt.Foo`:                        false,
		`x declared and not used`:                   false,
	} {
		if got := isUnusedImport(msg); got != want {
			t.Errorf("isUnusedImport(%q) = %v, want %v", msg, got, want)
		}
	}
}

func TestMayNameStd(t *testing.T) {
	for _, tt := range []struct {
		patterns []string
		want     bool
	}{
		{[]string{"./..."}, false},
		{[]string{".", "../x", "/abs/dir"}, false},
		{[]string{"example.com/m/..."}, false},
		{[]string{"main.go"}, false},
		{[]string{"./...", "net/http"}, true},
		{[]string{"std"}, true},
		{[]string{"myapp/..."}, true}, // a module named without a dot: loaded whole
	} {
		if got := mayNameStd(tt.patterns); got != tt.want {
			t.Errorf("mayNameStd(%q) = %v, want %v", tt.patterns, got, tt.want)
		}
	}
}

// TestLoadLeavesOutStdBodies loads a module that imports net/http and checks
// that the standard library's packages come without function bodies and
// without errors, while the module's packages, and the packages they import
// outside the standard library, keep theirs.
func TestLoadLeavesOutStdBodies(t *testing.T) {
	if testing.Short() {
		t.Skip("loads net/http from source")
	}
	inModule(t, "leaky")
	goroot := goRoot()
	if goroot == "" {
		t.Fatal("go env GOROOT gave nothing")
	}
	pkgs, err := loadPackages([]string{"./..."}, true)
	if err != nil {
		t.Fatal(err)
	}
	var std, own int
	packages.Visit(pkgs, nil, func(p *packages.Package) {
		if len(p.Errors) > 0 || p.IllTyped {
			t.Errorf("%s: errors %v, ill-typed %v", p.ID, p.Errors, p.IllTyped)
		}
		inStd := inGOROOT(p, goroot)
		if inStd {
			std++
		} else if strings.HasPrefix(p.PkgPath, "example.com/") {
			own++
		}
		for _, f := range p.Syntax {
			// cgo's generated files lie in the build cache: parsed whole.
			stdFile := inDir(p.Fset.File(f.Pos()).Name(), goroot)
			for _, d := range f.Decls {
				fd, ok := d.(*ast.FuncDecl)
				if !ok {
					continue
				}
				switch {
				case !inStd && fd.Body == nil:
					t.Errorf("%s: %s lost its body", p.ID, fd.Name.Name)
				case stdFile && fd.Body != nil && len(fd.Body.List) > 0 && !isGeneric(fd):
					t.Errorf("%s: %s kept its body", p.ID, fd.Name.Name)
				}
			}
		}
	})
	if std < 20 || own == 0 {
		t.Errorf("%d standard packages, %d of the module: want net/http's dependencies", std, own)
	}
}

// TestLoadStdPatternWhole checks that a pattern naming a standard package
// loads it with its bodies: the analyzers check what the patterns name.
func TestLoadStdPatternWhole(t *testing.T) {
	if testing.Short() {
		t.Skip("loads the standard library")
	}
	pkgs, err := loadPackages([]string{"errors"}, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(pkgs) != 1 || len(pkgs[0].Syntax) == 0 {
		t.Fatalf("loaded %d packages", len(pkgs))
	}
	for _, f := range pkgs[0].Syntax {
		for _, d := range f.Decls {
			if fd, ok := d.(*ast.FuncDecl); ok && fd.Body == nil {
				t.Errorf("errors.%s has no body", fd.Name.Name)
			}
		}
	}
}

// TestRunFactsFromModuleDependency checks that a fact about a function of
// another package of the module (a dependency, not a pattern) still reaches
// the package checked.
func TestRunFactsFromModuleDependency(t *testing.T) {
	if testing.Short() {
		t.Skip("loads os from source")
	}
	inModule(t, "cross")
	diags, err := Run([]string{"./user"}, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(diags) != 1 || diags[0].Analyzer != "unclosed" || filepath.Base(diags[0].File) != "user.go" || diags[0].Line != 8 {
		t.Fatalf("diagnostics = %+v, want one unclosed at user.go:8", diags)
	}
}

// inModule makes the test run in the module testdata/name, on its own.
func inModule(t *testing.T, name string) {
	t.Chdir(filepath.Join("testdata", name))
	t.Setenv("GOWORK", "off")
	t.Setenv("GOFLAGS", "-mod=mod")
}
