package finalizer_test

import (
	"testing"

	"golang.org/x/tools/go/analysis/analysistest"

	"github.com/leakhound/leakhound/passes/finalizer"
)

func TestAnalyzer(t *testing.T) {
	analysistest.Run(t, analysistest.TestData(), finalizer.Analyzer, "a", "b")
}

func TestLocksFlag(t *testing.T) {
	if err := finalizer.Analyzer.Flags.Set("locks", "true"); err != nil {
		t.Fatal(err)
	}
	defer finalizer.Analyzer.Flags.Set("locks", "false")
	analysistest.Run(t, analysistest.TestData(), finalizer.Analyzer, "locks")
}
