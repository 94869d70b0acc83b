// Package goroutineleak defines an Analyzer that reports goroutines that
// can block forever or never return.
//
// # Analyzer goroutineleak
//
// goroutineleak: report goroutines that can block forever or never return
//
// TODO
package goroutineleak
