package runcmd_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/leakhound/leakhound/internal/baseline"
	"github.com/leakhound/leakhound/internal/testutil/srcedit"
	"github.com/leakhound/leakhound/report"
)

// TestBaseline writes a baseline of testdata/baselinemod, moves every line
// of its files and reformats them, and checks that the baseline still
// knows every leak, and that one new leak is the only failure.
func TestBaseline(t *testing.T) {
	t.Run("test", func(t *testing.T) {
		t.Parallel()
		dir := checkBaseline(t, []string{"test", "./...", "--", "-count=1"}, func(dir string) {
			srcedit.WriteFile(t, dir, "leaky/new_test.go", newLeakTest)
		})
		r := runSplit(t, dir, "test", "-baseline", filepath.Join(dir, "baseline.json"), "./...", "--", "-count=1")
		if fails := strings.Count(r.stdout+r.stderr, "--- FAIL"); fails != 1 || !strings.Contains(r.stdout, "--- FAIL: TestNewLeak") {
			t.Errorf("%d failing tests, want only TestNewLeak:\n%s%s", fails, r.stdout, r.stderr)
		}
		// Only TestTwoFiles: the entry of TestBlock is reported fixed.
		r = runSplit(t, dir, "test", "-baseline", filepath.Join(dir, "baseline.json"), "./...", "--", "-count=1", "-run", "TestTwoFiles")
		if r.code != 0 || !strings.Contains(r.stderr, "1 baseline entry no longer found") || !strings.Contains(r.stderr, "leaky.Block") {
			t.Errorf("with -run TestTwoFiles: exit %d, want 0 and TestBlock's entry reported fixed:\n%s", r.code, r.stderr)
		}
	})
	t.Run("run", func(t *testing.T) {
		t.Parallel()
		checkBaseline(t, []string{"run", "./cmd/leakprog"}, func(dir string) {
			srcedit.WriteFile(t, dir, "cmd/leakprog/more.go", newLeakInit)
		})
	})
}

// newLeakTest is a test file that adds one leak to testdata/baselinemod.
const newLeakTest = `package leaky

import (
	"os"
	"testing"
)

func TestNewLeak(t *testing.T) {
	f, err := os.Open("leaky.go")
	if err != nil {
		t.Fatal(err)
	}
	kept = append(kept, f)
}
`

// newLeakInit adds one leak to testdata/baselinemod's program.
const newLeakInit = `package main

import "os"

func init() {
	f, err := os.Open("go.mod")
	if err == nil {
		kept = append(kept, f)
	}
}
`

// checkBaseline runs leakhound with args (the command word first) on a copy
// of testdata/baselinemod: it writes a baseline, edits every file
// (srcedit.ShiftLines) and checks that the baseline knows every finding,
// then adds a leak with addLeak and checks that it is the one failing
// finding. It returns the copy, holding baseline.json.
func checkBaseline(t *testing.T, args []string, addLeak func(dir string)) string {
	t.Helper()
	dir := srcedit.CopyDir(t, "testdata/baselinemod")
	path := filepath.Join(dir, "baseline.json")
	with := func(flag string) []string {
		return append([]string{args[0], flag, path}, args[1:]...)
	}
	before := runSplit(t, dir, with("-write-baseline")...)
	if before.code != 1 {
		t.Fatalf("before the edit: exit %d, want 1\n%s%s", before.code, before.stdout, before.stderr)
	}
	base := readBaseline(t, path)
	// Two files opened by one function, and a goroutine: three leaks, each
	// its own entry.
	if len(base.Entries) != 3 || len(before.report.Findings) != 3 {
		t.Fatalf("baseline of %d entries for %d findings, want 3 and 3\n%s", len(base.Entries), len(before.report.Findings), describeAll(before.report))
	}

	srcedit.ShiftLines(t, dir)
	after := runSplit(t, dir, with("-baseline")...)
	if after.code != 0 {
		t.Errorf("after the edit: exit %d, want 0\n%s%s", after.code, after.stdout, after.stderr)
	}
	if !strings.Contains(after.stderr, "3 known leak(s) in 3 group(s)") || strings.Contains(after.stderr, "no longer found") {
		t.Errorf("after the edit, stderr lacks the known line or reports fixed entries:\n%s", after.stderr)
	}
	if failing := unknownOf(after.report); len(failing) != 0 || len(after.report.Findings) != 3 {
		t.Errorf("after the edit: %d findings, %d not known; want 3 and 0:\n%s", len(after.report.Findings), len(failing), describeAll(after.report))
	}
	ids := map[string]bool{}
	for _, f := range before.report.Findings {
		ids[f.ID] = true
	}
	for _, f := range after.report.Findings {
		if ids[f.ID] {
			t.Errorf("the edit did not move the leak %s: its line-precise id %s stayed", describe(f), f.ID)
		}
	}

	addLeak(dir)
	added := runSplit(t, dir, with("-baseline")...)
	failing := unknownOf(added.report)
	if added.code != 1 || len(failing) != 1 {
		t.Errorf("after adding a leak: exit %d, %d findings not known; want 1 and 1:\n%s\n%s", added.code, len(failing), describeAll(added.report), added.stderr)
	}
	return dir
}

func unknownOf(r *report.Report) []report.Finding {
	var out []report.Finding
	for _, f := range r.Findings {
		if !f.Known {
			out = append(out, f)
		}
	}
	return out
}

func readBaseline(t *testing.T, path string) *baseline.File {
	t.Helper()
	b, err := baseline.Read(path)
	if err != nil {
		data, _ := os.ReadFile(path)
		t.Fatalf("%v\n%s", err, data)
	}
	var raw map[string]any
	data, _ := os.ReadFile(path)
	if err := json.Unmarshal(data, &raw); err != nil || raw["schema"] != baseline.Schema {
		t.Errorf("baseline %s: schema %v, err %v", path, raw["schema"], err)
	}
	return b
}
