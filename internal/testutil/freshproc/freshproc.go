// Package freshproc runs a test again, alone, in a new process of the test
// binary. Tests of retained memory need it: the Go runtime cannot dump the
// heap of a process once its leak detection has marked goroutines, which
// earlier tests of the same process may have done.
package freshproc

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// env marks the process that runs the test for real.
const env = "LEAKHOUND_TEST_FRESH_PROCESS"

// Run reports whether the calling test runs in its fresh process. If not, it
// runs the test in one, fails t when the test fails there, and returns
// false: the caller then returns.
//
//	if !freshproc.Run(t) {
//		return
//	}
func Run(t *testing.T) bool {
	t.Helper()
	if os.Getenv(env) != "" {
		return true
	}
	pattern := "^" + strings.ReplaceAll(t.Name(), "/", "$/^") + "$"
	cmd := exec.Command(os.Args[0], "-test.run="+pattern, "-test.v", "-test.count=1")
	cmd.Env = append(os.Environ(), env+"=1")
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "--- PASS: "+t.Name()) {
		t.Fatalf("in a fresh process: %v\n%s", err, out)
	}
	t.Logf("in a fresh process:\n%s", out)
	return false
}
