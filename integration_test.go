package leakhound

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// goCommand runs the go command of this toolchain in the repository root.
func goCommand(t *testing.T, env []string, args ...string) (stdout []byte, err error) {
	t.Helper()
	cmd := exec.Command("go", args...)
	cmd.Env = append(os.Environ(), env...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if stderr.Len() > 0 {
		t.Logf("go %s stderr:\n%s", strings.Join(args, " "), stderr.String())
	}
	return out, err
}

type testEvent struct {
	Action string
	Test   string
	Output string
}

// TestParallelTestsAreChargedTheirOwnLeaks runs real tests with t.Parallel
// and parallel subtests: only the leaking tests fail, each with its own stack.
func TestParallelTestsAreChargedTheirOwnLeaks(t *testing.T) {
	out, err := goCommand(t, nil, "test", "-json", "-count=1", "./testdata/attribution")
	if err == nil {
		t.Fatal("go test passed, but two tests leak")
	}
	results := map[string]string{}
	output := map[string]*strings.Builder{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		var e testEvent
		if json.Unmarshal(sc.Bytes(), &e) != nil || e.Test == "" {
			continue
		}
		switch e.Action {
		case "pass", "fail":
			results[e.Test] = e.Action
		case "output":
			if output[e.Test] == nil {
				output[e.Test] = &strings.Builder{}
			}
			output[e.Test].WriteString(e.Output)
		}
	}
	want := map[string]string{
		"TestLeaky":          "fail",
		"TestClean":          "pass",
		"TestSubtests/leaks": "fail",
		"TestSubtests/clean": "pass",
		"TestSubtests":       "fail", // because a subtest failed
	}
	for name, w := range want {
		if results[name] != w {
			t.Errorf("%s: got %q, want %q", name, results[name], w)
		}
	}
	for _, name := range []string{"TestLeaky", "TestSubtests/leaks"} {
		text := output[name].String()
		if !strings.Contains(text, "attribution.leakForever") || !strings.Contains(text, "in "+name) || !strings.Contains(text, "attribution_test.go") {
			t.Errorf("%s output does not show its own leak with its stack:\n%s", name, text)
		}
	}
	for _, name := range []string{"TestClean", "TestSubtests/clean", "TestSubtests"} {
		if b := output[name]; b != nil && strings.Contains(b.String(), "leakhound: found") {
			t.Errorf("%s was charged a leak:\n%s", name, b.String())
		}
	}
}

// TestNoProvenFindingOnCleanSuite runs tests that leave legitimate long-lived
// goroutines behind, several times: none may be reported as proven leaked.
func TestNoProvenFindingOnCleanSuite(t *testing.T) {
	report := filepath.Join(t.TempDir(), "report.json")
	out, err := goCommand(t, []string{"LEAKHOUND_CLEAN_REPORT=" + report}, "test", "-count=3", "./testdata/clean")
	if err != nil {
		t.Fatalf("clean suite failed: %v\n%s", err, out)
	}
	b, err := os.ReadFile(report)
	if err != nil {
		t.Fatal(err)
	}
	var r Report
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	if err := r.Validate(); err != nil {
		t.Errorf("the report breaks the format: %v\n%s", err, b)
	}
	if len(r.Findings) != 0 {
		t.Errorf("proven findings in a clean suite: %s", b)
	}
	t.Logf("goroutineleak profile available: %v", ProvenAvailable())
}
