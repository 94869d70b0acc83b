// Package inspectcmd implements `leakhound inspect`: analysis of goroutine
// dumps and profiles from files or URLs, from one process or a fleet.
package inspectcmd

import (
	"errors"
	"io"
)

// Main runs `leakhound inspect` with args (the words after "inspect").
func Main(args []string, stdout, stderr io.Writer) error {
	return errors.New("leakhound inspect is not supported yet")
}
