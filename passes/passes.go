// Package passes lists leakhound's analyzers: the set that leakhound vet,
// go vet -vettool and the golangci-lint plugin run. Each analyzer lives in a
// package of its own below this one (passes/unclosed, passes/rawfd, ...),
// named after it, so that a driver may also take just one.
package passes

import (
	"golang.org/x/tools/go/analysis"

	"github.com/leakhound/leakhound/passes/finalizer"
	"github.com/leakhound/leakhound/passes/goroutineleak"
	"github.com/leakhound/leakhound/passes/ignore"
	"github.com/leakhound/leakhound/passes/rawfd"
	"github.com/leakhound/leakhound/passes/unclosed"
)

// Analyzers are leakhound's analyzers in report order, each honouring
// //leakhound:ignore directives, followed by the analyzer that checks the
// directives (see package [ignore]).
var Analyzers []*analysis.Analyzer = ignore.All(
	unclosed.Analyzer,
	rawfd.Analyzer,
	finalizer.Analyzer,
	goroutineleak.Analyzer,
)
