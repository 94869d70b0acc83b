package passes_test

import (
	"slices"
	"testing"

	"golang.org/x/tools/go/analysis"

	"github.com/leakhound/leakhound/passes"
)

func TestAnalyzersOrder(t *testing.T) {
	want := []string{"unclosed", "rawfd", "finalizer", "goroutineleak", "ignore"}
	var got []string
	for _, a := range passes.Analyzers {
		got = append(got, a.Name)
	}
	if !slices.Equal(got, want) {
		t.Errorf("analyzer names = %v, want %v", got, want)
	}
	if err := analysis.Validate(passes.Analyzers); err != nil {
		t.Errorf("analysis.Validate: %v", err)
	}
}
