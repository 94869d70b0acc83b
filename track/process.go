package track

import (
	"os"
	"strconv"
	"strings"
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
// tell. It reads the state field of /proc/PID/stat:
//
//	4242 (true) Z 4200 ...
func processState(pid int) string {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return ""
	}
	s := string(data)
	i := strings.LastIndexByte(s, ')')
	if i < 0 || i+2 >= len(s) {
		return ""
	}
	switch s[i+2] {
	case 'Z':
		return "zombie"
	case 'X':
		return ""
	}
	return "running"
}
