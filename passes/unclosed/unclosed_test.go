package unclosed_test

import (
	"testing"

	"golang.org/x/tools/go/analysis/analysistest"

	"github.com/leakhound/leakhound/passes/unclosed"
)

func TestAnalyzer(t *testing.T) {
	analysistest.Run(t, analysistest.TestData(), unclosed.Analyzer, "a")
}

func TestTypesFlag(t *testing.T) {
	if err := unclosed.Analyzer.Flags.Set("types", "flagtypes.Lease"); err != nil {
		t.Fatal(err)
	}
	defer unclosed.Analyzer.Flags.Set("types", "")
	analysistest.Run(t, analysistest.TestData(), unclosed.Analyzer, "flagtypes")
}

func TestTypesFlagRejectsBadNames(t *testing.T) {
	for _, give := range []string{"Lease", "pkg.", ".Lease"} {
		if err := unclosed.Analyzer.Flags.Set("types", give); err == nil {
			t.Errorf("Set(%q) = nil, want an error", give)
		}
	}
}

func TestSuggestedFixes(t *testing.T) {
	analysistest.RunWithSuggestedFixes(t, analysistest.TestData(), unclosed.Analyzer, "fixes")
}

func TestTestifyCheckers(t *testing.T) {
	analysistest.Run(t, analysistest.TestData(), unclosed.Analyzer, "testify")
}

func TestNeverReturningCalls(t *testing.T) {
	analysistest.Run(t, analysistest.TestData(), unclosed.Analyzer, "noreturn")
}

func TestInMemoryDoubles(t *testing.T) {
	analysistest.Run(t, analysistest.TestData(), unclosed.Analyzer, "doubles")
}

func TestLoopsThatNeverExit(t *testing.T) {
	analysistest.Run(t, analysistest.TestData(), unclosed.Analyzer, "forever")
}

func TestStructFields(t *testing.T) {
	analysistest.Run(t, analysistest.TestData(), unclosed.Analyzer, "fields", "shared")
}

func TestIndirectResponses(t *testing.T) {
	analysistest.Run(t, analysistest.TestData(), unclosed.Analyzer, "indirect")
}

func TestDeadlinesOfFreshSockets(t *testing.T) {
	analysistest.Run(t, analysistest.TestData(), unclosed.Analyzer, "deadlines")
}

func TestErrorPaths(t *testing.T) {
	analysistest.Run(t, analysistest.TestData(), unclosed.Analyzer, "errpaths")
}

func TestResponsesWithoutBody(t *testing.T) {
	analysistest.Run(t, analysistest.TestData(), unclosed.Analyzer, "bodiless")
}

func TestHijackDoubles(t *testing.T) {
	analysistest.Run(t, analysistest.TestData(), unclosed.Analyzer, "hijack")
}

func TestFlagGuardedReleases(t *testing.T) {
	analysistest.Run(t, analysistest.TestData(), unclosed.Analyzer, "flagged/...")
}
