// Package parser benchmarks leakhound's goroutine dump parser
// (internal/stack) against panicparse on the same real dump of 100,000
// goroutines. Run
//
//	go test -run TestParserRatio -v ./parser
//
// from the bench module for a table of MB/s and the ratio, or
//
//	go test -run XXX -bench . ./parser
//
// for the standard benchmark output.
package parser
