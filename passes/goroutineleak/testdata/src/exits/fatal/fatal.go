// Package fatal ends the process, for the analyzer to learn through facts.
package fatal

import (
	"fmt"
	"os"
)

// Exit prints msg and ends the process.
func Exit(msg string) {
	fmt.Fprintln(os.Stderr, msg)
	os.Exit(1)
}

// Warn prints msg and returns.
func Warn(msg string) {
	fmt.Fprintln(os.Stderr, msg)
}
