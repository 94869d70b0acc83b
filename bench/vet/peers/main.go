// Command peers runs bodyclose and sqlclosecheck, configured as golangci-lint
// and their own commands configure them, for comparison with leakhound vet.
// It is a multichecker, so it also works as go vet -vettool.
package main

import (
	"github.com/ryanrolds/sqlclosecheck/pkg/analyzer"
	"github.com/timakin/bodyclose/passes/bodyclose"
	"golang.org/x/tools/go/analysis/multichecker"
)

func main() {
	multichecker.Main(bodyclose.Analyzer, analyzer.NewAnalyzer())
}
