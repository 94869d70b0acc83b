package cmdutil

import (
	"errors"
	"fmt"
)

// ErrFindings says the command completed and found leaks (or its tests
// failed). Its report has already been written; the process exits with 1.
var ErrFindings = errors.New("leaks found or tests failed")

// UsageError is a mistake in the command line. The process prints it as one
// line on stderr and exits with 2.
type UsageError struct {
	Msg string
}

func (e *UsageError) Error() string { return e.Msg }

// Usagef returns a [*UsageError] with a formatted message. Messages are
// lowercase, without a trailing period, and say what to do.
func Usagef(format string, args ...any) error {
	return &UsageError{Msg: fmt.Sprintf(format, args...)}
}

// ProgramExit says the program run under `leakhound run` exited with Code and
// no leak was found: leakhound exits with the same code.
type ProgramExit struct {
	Code int
}

func (e *ProgramExit) Error() string { return fmt.Sprintf("program exited with status %d", e.Code) }

// Code returns the process exit status for err: 0 for nil, 1 for
// [ErrFindings], the program's code for [*ProgramExit], 2 otherwise.
func Code(err error) int {
	var pe *ProgramExit
	switch {
	case err == nil:
		return 0
	case errors.Is(err, ErrFindings):
		return 1
	case errors.As(err, &pe):
		return pe.Code
	default:
		return 2
	}
}
