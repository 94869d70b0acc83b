package leakhound

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestGoleakUsage runs code written for goleak, with only its import
// changed to leakhound (testdata/goleakusage), one test per process, and
// checks how each run ends: the test's verdict, the binary's exit status
// (VerifyTestMain) and what was printed.
func TestGoleakUsage(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "goleakusage.test")
	if out, err := goCommand(t, nil, "test", "-c", "-o", bin, "./testdata/goleakusage"); err != nil {
		t.Fatalf("build the goleak usage tests: %v\n%s", err, out)
	}
	certainty, reason := wantCertainty()
	leak := fmt.Sprintf("%s leak: 1 goroutine %s", certainty, reason)
	const pkg = "github.com/leakhound/leakhound/testdata/goleakusage."
	clean := []string{"cleanup: exit code 0"}
	tests := []usageCase{
		{"TestQuickStart", "PASS", 0, clean},
		{"TestQuickStartLeak", "FAIL", 1, []string{leak, pkg + "leakForever", "created at:", pkg + "TestQuickStartLeak", "--- FAIL", "cleanup: exit code 1"}},
		{"TestIgnoreTopFunction", "PASS", 0, clean},
		{"TestDaemonNotIgnored", "FAIL", 1, []string{"suspected leak: 1 goroutine still-running", pkg + "startFlushDaemon", "--- FAIL", "cleanup: exit code 1"}},
		{"TestIgnoreAnyFunction", "PASS", 0, clean},
		{"TestIgnoreCreatedBy", "PASS", 0, clean},
		{"TestIgnoreCurrent", "PASS", 0, clean},
		{"TestRetry", "PASS", 0, clean},
		{"TestRetryTooShort", "FAIL", 1, []string{"suspected leak: 1 goroutine still-running", pkg + "TestRetryTooShort", "--- FAIL", "cleanup: exit code 1"}},
		{"TestVerifyNoneCleanup", "PASS", 0, []string{"VerifyNone cleanup: exit code 0", "--- PASS", "cleanup: exit code 0"}},
		{"TestLeakFoundByTestMain", "PASS", 1, []string{"--- PASS", leak, pkg + "leakForever", pkg + "TestLeakFoundByTestMain", "cleanup: exit code 1"}},
	}

	listed, err := runUsage(bin, "-test.list", ".")
	if err != nil {
		t.Fatalf("list the goleak usage tests: %v\n%s", err, listed)
	}
	for name := range strings.Lines(listed) {
		name = strings.TrimSpace(name)
		if !strings.HasPrefix(name, "Test") {
			continue // TestMain's Cleanup prints too
		}
		if !slices.ContainsFunc(tests, func(tt usageCase) bool { return tt.name == name }) {
			t.Errorf("testdata/goleakusage has %s, which this test does not run: add it", name)
		}
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := runUsage(bin, "-test.run", "^"+tt.name+"$", "-test.v")
			exit := 0
			if ee := (*exec.ExitError)(nil); errors.As(err, &ee) {
				exit = ee.ExitCode()
			} else if err != nil {
				t.Fatalf("run: %v", err)
			}
			if exit != tt.exit || !strings.Contains(out, "--- "+tt.verdict+": "+tt.name) {
				t.Errorf("exit status %d, want %d; want the test to %s:\n%s", exit, tt.exit, tt.verdict, out)
			}
			rest := out
			for _, w := range tt.want {
				i := strings.Index(rest, w)
				if i < 0 {
					t.Errorf("output lacks %q (after what came before it in the list):\n%s", w, out)
					break
				}
				rest = rest[i+len(w):]
			}
			if exit == 0 && strings.Contains(out, "leakhound: found") {
				t.Errorf("a clean run printed a leak:\n%s", out)
			}
		})
	}
}

// usageCase is how one test of testdata/goleakusage ends.
type usageCase struct {
	name    string
	verdict string   // the test's own: PASS or FAIL
	exit    int      // the binary's
	want    []string // printed, in this order
}

// runUsage runs the goleak usage test binary for at most a minute.
func runUsage(bin string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, bin, args...).CombinedOutput()
	return string(out), err
}
