// Package runcmd implements `leakhound run` and `leakhound test`: it builds a
// program or test binary with an instrumented standard library and reports
// the leaks it finds while it runs.
package runcmd

import (
	"errors"
	"io"
)

// Run implements `leakhound run` with args (the words after "run").
func Run(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	return errors.New("leakhound run is not supported yet")
}

// Test implements `leakhound test` with args (the words after "test").
func Test(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	return errors.New("leakhound test is not supported yet")
}
