package rawfd_test

import (
	"testing"

	"golang.org/x/tools/go/analysis/analysistest"

	"github.com/leakhound/leakhound/passes/rawfd"
)

func TestAnalyzer(t *testing.T) {
	analysistest.RunWithSuggestedFixes(t, analysistest.TestData(), rawfd.Analyzer, "a", "imports", "oneimport", "renamed")
}
