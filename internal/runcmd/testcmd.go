package runcmd

import (
	"errors"
	"io"
)

// Test implements `leakhound test` with args (the words after "test").
func Test(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	return errors.New("leakhound test is not supported yet")
}
