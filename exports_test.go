package leakhound_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// maxExports bounds the exported names of the root package, the names of
// the report model it re-exports (report.go) left out. The test author's API
// stays small: issue 13 set 15 (goleak has 10); issue 17 adds the four names
// goleak's users call, so that they switch by changing one import path
// (VerifyNone, Cleanup, MaxRetryAttempts, MaxSleepInterval). A new name is a
// decision about the API: make it here.
const maxExports = 15 + 4

// TestExportedNames checks the number of the root package's exported names
// and that each has a doc comment that starts with the name.
func TestExportedNames(t *testing.T) {
	paths, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, path := range paths {
		if strings.HasSuffix(path, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ParseComments)
		if err != nil {
			t.Fatal(err)
		}
		for name, doc := range exportedDecls(f) {
			if !strings.HasPrefix(doc, name+" ") {
				t.Errorf("%s: the doc comment of %s does not start with its name: %q", path, name, doc)
			}
			if path != "report.go" {
				names = append(names, name)
			}
		}
	}
	if len(names) == 0 {
		t.Fatal("found no exported name: run the test in the module root")
	}
	slices.Sort(names)
	if len(names) > maxExports {
		t.Errorf("the root package exports %d names, more than %d: %v", len(names), maxExports, names)
	}
	t.Logf("%d exported names: %v", len(names), names)
}

// exportedDecls returns the exported top-level names of f (not methods)
// with their doc comments.
func exportedDecls(f *ast.File) map[string]string {
	docs := map[string]string{}
	for _, d := range f.Decls {
		switch d := d.(type) {
		case *ast.FuncDecl:
			if d.Recv == nil && d.Name.IsExported() {
				docs[d.Name.Name] = d.Doc.Text()
			}
		case *ast.GenDecl:
			for _, s := range d.Specs {
				doc := d.Doc
				var idents []*ast.Ident
				switch s := s.(type) {
				case *ast.TypeSpec:
					idents = []*ast.Ident{s.Name}
					if s.Doc != nil {
						doc = s.Doc
					}
				case *ast.ValueSpec:
					idents = s.Names
					if s.Doc != nil {
						doc = s.Doc
					}
				}
				for _, id := range idents {
					if id.IsExported() {
						docs[id.Name] = doc.Text()
					}
				}
			}
		}
	}
	return docs
}
