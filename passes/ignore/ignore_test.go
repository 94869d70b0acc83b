package ignore_test

import (
	"go/ast"
	"testing"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/analysis/analysistest"

	"github.com/leakhound/leakhound/passes/ignore"
)

// fake reports every call to a function named leak.
var fake = &analysis.Analyzer{
	Name: "fake",
	Doc:  "fake: report calls to leak",
	Run: func(pass *analysis.Pass) (any, error) {
		for _, f := range pass.Files {
			ast.Inspect(f, func(n ast.Node) bool {
				if c, ok := n.(*ast.CallExpr); ok {
					if id, ok := c.Fun.(*ast.Ident); ok && id.Name == "leak" {
						pass.Reportf(c.Pos(), "leak call")
					}
				}
				return true
			})
		}
		return nil, nil
	},
}

func TestWrap(t *testing.T) {
	analysistest.Run(t, analysistest.TestData(), ignore.Wrap(fake), "a")
}

func TestWrapKeepsTheAnalyzer(t *testing.T) {
	w := ignore.Wrap(fake)
	if w == fake || w.Name != fake.Name || w.Doc != fake.Doc {
		t.Errorf("Wrap(fake) = %+v, want a copy named %q", w, fake.Name)
	}
	if fake.Run == nil {
		t.Error("Wrap changed the original analyzer")
	}
}

func TestChecker(t *testing.T) {
	analysistest.Run(t, analysistest.TestData(), ignore.Checker("fake", "other"), "directives")
}

func TestAll(t *testing.T) {
	other := &analysis.Analyzer{Name: "other", Doc: "other: nothing", Run: func(*analysis.Pass) (any, error) { return nil, nil }}
	all := ignore.All(fake, other)
	var names []string
	for _, a := range all {
		names = append(names, a.Name)
	}
	if len(all) != 3 || names[0] != "fake" || names[1] != "other" || names[2] != "ignore" || all[0] == fake {
		t.Fatalf("All(fake, other) = %v, want wrapped fake, other and the checker", names)
	}
	analysistest.Run(t, analysistest.TestData(), all[2], "directives")
}
