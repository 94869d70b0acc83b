// Package vetcmd implements `leakhound vet`, and the same analyzers when the
// leakhound binary is used as `go vet -vettool`.
package vetcmd

import (
	"errors"
	"io"
)

// IsVetTool reports whether args look like an invocation by `go vet -vettool`
// (a single *.cfg file, or the -V=full and -flags handshakes).
func IsVetTool(args []string) bool { return false }

// Main runs `leakhound vet` with args (the words after "vet").
func Main(args []string, stdout, stderr io.Writer) error {
	return errors.New("leakhound vet is not supported yet")
}
