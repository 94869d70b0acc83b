package runcmd_test

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestHTMLReport checks that run and test write the HTML report next to the
// JSON one, with the same findings, and refuse two reports on stdout.
func TestHTMLReport(t *testing.T) {
	bin := leakhoundBin(t)
	t.Run("run", func(t *testing.T) {
		t.Parallel()
		page := filepath.Join(t.TempDir(), "report.html")
		code, out, rep := runLeakhound(t, moduleRoot(t), "run", "-html", page, "./examples/chanblock")
		if code != 1 || len(rep.Findings) != 1 {
			t.Fatalf("exit %d with %d findings, want 1 and 1\n%s", code, len(rep.Findings), out)
		}
		checkPage(t, page, "<title>leakhound run report: 3 leak(s)</title>", `id="f-`+rep.Findings[0].ID+`"`, "main.first", "created at")
	})
	t.Run("test", func(t *testing.T) {
		t.Parallel()
		dir, err := filepath.Abs("testdata/othermod")
		if err != nil {
			t.Fatal(err)
		}
		page := filepath.Join(t.TempDir(), "report.html")
		code, out, rep := runLeakhound(t, dir, "test", "-html", page, "./...", "--", "-count=1")
		if code != 1 || len(rep.Findings) != 2 {
			t.Fatalf("exit %d with %d findings, want 1 and 2\n%s", code, len(rep.Findings), out)
		}
		checkPage(t, page, "<title>leakhound test report: 2 leak(s)</title>", `id="f-`+rep.Findings[0].ID+`"`,
			`id="f-`+rep.Findings[1].ID+`"`, `<span class="test">in TestLeaksFile</span>`, "opened at")
	})
	t.Run("two reports on stdout", func(t *testing.T) {
		for _, cmd := range []string{"run", "test"} {
			out, err := exec.Command(bin, cmd, "-json", "-", "-html", "-", ".").CombinedOutput()
			if code := exitCode(err); code != 2 || !strings.Contains(string(out), "both write to stdout") {
				t.Errorf("leakhound %s -json - -html - = exit %d, %s; want 2 and a usage error", cmd, code, out)
			}
		}
	})
}

func checkPage(t *testing.T, path string, want ...string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("no HTML report: %v", err)
	}
	for _, w := range want {
		if !strings.Contains(string(data), w) {
			t.Errorf("HTML report lacks %s", w)
		}
	}
}

func exitCode(err error) int {
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode()
	}
	if err != nil {
		return -1
	}
	return 0
}
