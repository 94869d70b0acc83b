// Package bench holds benchmarks that compare leakhound with its peers
// (goleak, panicparse, ...) in the same run and print ratios. It is a module
// of its own so that the main module never depends on the peers.
package bench
