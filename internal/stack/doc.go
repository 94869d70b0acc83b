// Package stack parses the goroutine dumps and text profiles the Go runtime
// emits. The formats are documented in full once the parser is complete.
package stack
