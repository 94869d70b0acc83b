package runcmd_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/leakhound/leakhound/internal/testutil/srcedit"
)

// configIgnoringBlock ignores the goroutine testdata/baselinemod's Block
// starts, and has a rule that matches nothing there (line 5) and a rule
// for a test that does not exist (line 7: stale in test, and never stale
// in run, which attributes nothing to tests).
const configIgnoringBlock = `version: 1
ignore:
  - created_by: example.com/baselinemod/leaky.Block
    reason: the fixture's goroutine blocks on purpose
  - resource: net.TCPConn
    reason: matches nothing in the fixture
  - test: ^TestNoSuchTest$
    reason: a rule for a test
`

// TestConfig runs test and run on a copy of testdata/baselinemod with a
// .leakhound.yaml at its root: the ignored goroutine neither fails its test
// nor shows in the report, the two files still do, and the rule that
// matched nothing is reported stale with its line; the test rule is stale
// in test only.
func TestConfig(t *testing.T) {
	for _, args := range [][]string{
		{"test", "./...", "--", "-count=1"},
		{"run", "./cmd/leakprog"},
	} {
		t.Run(args[0], func(t *testing.T) {
			t.Parallel()
			dir := srcedit.CopyDir(t, "testdata/baselinemod")
			srcedit.WriteFile(t, dir, ".leakhound.yaml", configIgnoringBlock)
			r := runSplit(t, dir, args...)
			out := r.stdout + r.stderr
			if r.code != 1 || len(r.report.Findings) != 2 {
				t.Errorf("exit %d, findings:\n%s\nwant 1 and the two files\n%s", r.code, strings.Join(describeAll(r.report), "\n"), out)
			}
			for _, f := range r.report.Findings {
				if f.Kind == "goroutine" {
					t.Errorf("the ignored goroutine is reported: %s", describe(f))
				}
			}
			if args[0] == "test" && (strings.Contains(out, "FAIL: TestBlock") || !strings.Contains(out, "FAIL: TestTwoFiles")) {
				t.Errorf("want TestTwoFiles failing and TestBlock passing:\n%s", out)
			}
			for _, want := range []string{"1 finding(s) ignored by the rules of", filepath.Join(dir, ".leakhound.yaml") + ":5: stale ignore rule"} {
				if !strings.Contains(r.stderr, want) {
					t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
				}
			}
			testRuleStale := strings.Contains(r.stderr, filepath.Join(dir, ".leakhound.yaml")+":7: stale ignore rule")
			if testRuleStale != (args[0] == "test") {
				t.Errorf("the test rule reported stale: %v, want %v\n%s", testRuleStale, !testRuleStale, r.stderr)
			}
		})
	}
	t.Run("a rule without reason is a usage error", func(t *testing.T) {
		t.Parallel()
		dir := srcedit.CopyDir(t, "testdata/baselinemod")
		srcedit.WriteFile(t, dir, "lh.yaml", "ignore:\n  - kind: goroutine\n")
		r := execLeakhound(t, dir, "test", "-config", "lh.yaml", "./...")
		if r.code != 2 || !strings.Contains(r.stderr, "lh.yaml:2: the rule has no reason") {
			t.Errorf("exit %d, want 2 and the file:line of the rule\n%s", r.code, r.stderr)
		}
	})
}

// TestBaselineNotWrittenOnBuildFailure checks that a go test that failed
// without any leak (here, a test file that does not compile) does not
// replace a baseline with an empty one.
func TestBaselineNotWrittenOnBuildFailure(t *testing.T) {
	dir := srcedit.CopyDir(t, "testdata/baselinemod")
	srcedit.WriteFile(t, dir, "leaky/broken_test.go", "package leaky\n\nfunc broken() { undefined() }\n")
	path := filepath.Join(dir, "baseline.json")
	r := execLeakhound(t, dir, "test", "-write-baseline", path, "./...", "--", "-count=1")
	if _, err := os.Stat(path); r.code != 1 || err == nil || !strings.Contains(r.stderr, "is not written") {
		t.Errorf("exit %d, baseline stat error %v; want 1, no file and a note\n%s", r.code, err, r.stderr)
	}
}

// TestConfigPackages checks the packages section under leakhound test: an
// entry's held threshold applies in the test binary of a package its path
// matches, and only there, over the file's; an entry's ignore rules ignore
// the findings of its packages only.
func TestConfigPackages(t *testing.T) {
	const leaks = "github.com/leakhound/leakhound/internal/runcmd/testdata/leaks"
	for _, tt := range []struct {
		name, path string
		want       int // held-too-long findings of TestHold
	}{
		{"matching entry", "github.com/leakhound/leakhound/internal/runcmd/testdata/...", 2},
		{"entry of another package", leaks + "x", 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg := filepath.Join(t.TempDir(), "lh.yaml")
			content := "thresholds:\n  held: 0s\npackages:\n  - path: " + tt.path + "\n    thresholds:\n      held: 250ms\n"
			if err := os.WriteFile(cfg, []byte(content), 0o644); err != nil {
				t.Fatal(err)
			}
			r := runSplit(t, moduleRoot(t), "test", "-config", cfg, "./internal/runcmd/testdata/leaks", "--", "-run", "^TestHold$", "-count=1")
			n := 0
			for _, f := range r.report.Findings {
				if f.Reason == "held-too-long" && strings.Contains(f.Message, "more than 250ms") {
					n++
				}
			}
			if n != tt.want || len(r.report.Findings) != tt.want || r.code != min(tt.want, 1) {
				t.Errorf("exit %d, findings:\n%s\nwant %d held-too-long after 250ms\n%s", r.code, strings.Join(describeAll(r.report), "\n"), tt.want, r.stderr)
			}
		})
	}
	t.Run("entry's ignore rules", func(t *testing.T) {
		t.Parallel()
		dir := srcedit.CopyDir(t, "testdata/baselinemod")
		srcedit.WriteFile(t, dir, ".leakhound.yaml", `packages:
  - path: example.com/baselinemod/leaky
    ignore:
      - resource: os.File
        reason: the fixture keeps its files open on purpose
  - path: example.com/baselinemod/other
    ignore:
      - kind: goroutine
        reason: for another package, stale here
`)
		r := runSplit(t, dir, "test", "./...", "--", "-count=1")
		if r.code != 1 || len(r.report.Findings) != 1 || r.report.Findings[0].Kind != "goroutine" {
			t.Errorf("exit %d, findings:\n%s\nwant 1 and only the goroutine\n%s", r.code, strings.Join(describeAll(r.report), "\n"), r.stderr)
		}
		for _, want := range []string{"2 finding(s) ignored by the rules of", filepath.Join(dir, ".leakhound.yaml") + ":8: stale ignore rule"} {
			if !strings.Contains(r.stderr, want) {
				t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
			}
		}
	})
}
