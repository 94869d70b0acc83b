// Package printf115 is at go 1.15: go vet's printf check accepts a
// non-constant format string below go 1.24, so go test runs the test.
package printf115

import (
	"fmt"
	"testing"
)

func TestPrintf(t *testing.T) {
	msg := "hello from printf115\n"
	fmt.Printf(msg)
}
