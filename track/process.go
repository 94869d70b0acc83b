package track

import (
	"strings"

	"github.com/leakhound/leakhound/internal/fdtable"
)

// execKind is the resource of a command started by os/exec.
const execKind = "os/exec.Cmd"

// withProcessState adds to detail, the detail of command e ("git status
// (pid 4242)"), the state of its process: "git status (pid 4242, zombie)".
// It adds nothing when the state cannot be read (not Linux: not supported
// yet).
func withProcessState(e *entry, detail string) string {
	pid, ok := e.local.(int)
	if !ok {
		return detail
	}
	state := processState(pid)
	if state == "" || !strings.HasSuffix(detail, ")") {
		return detail
	}
	return strings.TrimSuffix(detail, ")") + ", " + state + ")"
}

// processState returns "zombie" for a child process that exited and was
// not waited for, "running" for one that did not exit, or "" when it cannot
// tell.
func processState(pid int) string { return fdtable.ProcessState(procRoot, pid) }
