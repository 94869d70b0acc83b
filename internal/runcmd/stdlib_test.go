package runcmd

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/leakhound/leakhound/internal/instrument"
)

// TestStdlibKeepsBehaviour runs Go's own tests (with -short) of every
// standard-library package the instrumentation patches, built with the
// instrumented GOROOT: with the tracker linked into each test binary (as
// every test binary built with that GOROOT has it), its hooks set, and on
// request with the tracker turned off (LEAKHOUND_TRACKER=off), the hooks nil.
// The package list comes from the instrumentation's patch table, so a newly
// instrumented package is tested without a change here.
//
// With the tracker, per-test verdicts are turned off (LEAKHOUND_TESTS=0):
// Go's own tests leave files, connections and goroutines behind on purpose,
// and failing them for it is leakhound's job, not a change of the standard
// library's behaviour.
//
// The tracker variant runs by default; -stdlib.hooksnil adds the other (it
// takes as long again).
func TestStdlibKeepsBehaviour(t *testing.T) {
	if testing.Short() {
		t.Skip("runs Go's own tests of the instrumented packages: skipped with -short")
	}
	t.Run("tracker linked", func(t *testing.T) { testStdlib(t, true) })
	if *stdlibHooksNil {
		t.Run("hooks nil", func(t *testing.T) { testStdlib(t, false) })
	}
}

var stdlibHooksNil = flag.Bool("stdlib.hooksnil", false, "also run the standard library's tests with the instrumentation but without the tracker")

// stdSkip is a standard-library test that cannot pass in the environment of
// these tests, with or without the instrumentation.
type stdSkip struct {
	pkg, test string // test: a -skip pattern level by level ("TestChdir/relative")
	reason    string
}

// stdFocused are instrumented packages whose own tests run only in part,
// with the -run pattern and the reason given. The runtime gains the
// tracker's stack capture at go statements, two fields per goroutine and the
// hidden goroutines' stacks left out of the starting stack size; its whole
// -short suite takes minutes per run, so its tests of stacks, callers and
// frame-pointer unwinding stand for it.
var stdFocused = map[string]struct{ run, reason string }{
	"runtime": {
		run:    "^(TestCallers|TestFPUnwind|TestStack|TestTraceback)",
		reason: "the additions are about stacks (capture at go statements, starting size); the whole suite takes minutes",
	},
}

// stdSkips lists every skipped test with its reason. Each was checked to
// fail the same way without the overlay (bench/README.md has the commands).
var stdSkips = []stdSkip{
	{
		pkg:    "testing",
		test:   "TestChdir/relative",
		reason: "the instrumented GOROOT's testing/testdata is a symbolic link, so the relative path the test computes from its logical working directory leads elsewhere from the physical one",
	},
}

func testStdlib(t *testing.T, tracked bool) {
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	b, err := newBuild(root)
	if err != nil {
		t.Fatal(err)
	}
	defer b.cleanup()
	pkgs := instrument.Packages(b.root.GoVersion)
	if !slices.Contains(pkgs, "os") || !slices.Contains(pkgs, "net/http") {
		t.Fatalf("instrumented packages %v: want os and net/http among them", pkgs)
	}
	overlay, err := addTrackerTests(b, root, pkgs, tracked)
	if err != nil {
		t.Fatal(err)
	}
	// -vet=off: the standard library is tested for its behaviour, not vetted.
	args := []string{"test", "-short", "-vet=off", "-json", "-overlay", overlay}
	skip, err := skipPattern()
	if err != nil {
		t.Fatal(err)
	}
	if skip != "" {
		args = append(args, "-skip", skip)
		t.Logf("skipped: %s", skip)
	}
	var whole []string
	for _, p := range pkgs {
		if f, ok := stdFocused[p]; ok {
			t.Logf("%s: only -run %s (%s)", p, f.run, f.reason)
			run := f.run + "|^TestLeakhoundTracking$"
			runStdTests(t, b, root, append(slices.Clone(args), "-run", run), []string{p}, tracked)
			continue
		}
		whole = append(whole, p)
	}
	runStdTests(t, b, root, args, whole, tracked)
}

// runStdTests runs "go <args> <pkgs>" (a go test of standard-library
// packages) and fails t for every package that does not pass.
func runStdTests(t *testing.T, b *build, root string, args, pkgs []string, tracked bool) {
	t.Helper()
	cmd := b.goCommand(append(slices.Clone(args), pkgs...)...)
	cmd.Dir = root
	// Findings on stderr would change the output that some tests compare.
	cmd.Env = append(cmd.Env, "LEAKHOUND_QUIET=1", "LEAKHOUND_TESTS=0")
	if !tracked {
		cmd.Env = append(cmd.Env, "LEAKHOUND_TRACKER=off")
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, runErr := cmd.Output()
	res, err := readTestEvents(out)
	if err != nil {
		t.Fatalf("%v\n%s", err, stderr.String())
	}
	for _, p := range pkgs {
		r, ok := res.packages[p]
		if !ok {
			t.Errorf("%s: no result from go test", p)
			continue
		}
		t.Logf("%-14s %-4s %6.1fs (slowest: %s %.1fs)", p, r.action, r.elapsed.Seconds(), r.slowest, r.slowestTime.Seconds())
		if !r.tracked {
			t.Errorf("%s: TestLeakhoundTracking did not pass: the tracker was not linked in, or its hooks were not as expected", p)
		}
	}
	for _, f := range res.failed {
		t.Errorf("%s %s failed:\n%s", f.pkg, f.test, res.output[f])
	}
	if runErr != nil && len(res.failed) == 0 {
		t.Errorf("go test: %v\n%s", runErr, stderr.String())
	}
}

// addTrackerTests writes an overlay that adds to the external test package
// of each of pkgs (in the instrumented GOROOT) a test that checks whether
// the tracker's hooks are set (tracked) or nil, and returns its path.
func addTrackerTests(b *build, dir string, pkgs []string, tracked bool) (string, error) {
	cmd := b.goCommand(append([]string{"list", "-f", "{{.ImportPath}} {{.Name}}"}, pkgs...)...)
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("go list: %w", err)
	}
	replace := map[string]string{}
	for i, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		path, name, _ := strings.Cut(line, " ")
		file := filepath.Join(b.work, fmt.Sprintf("track%d_test.go", i))
		if err := os.WriteFile(file, []byte(fmt.Sprintf(trackerTest, name, tracked)), 0o644); err != nil {
			return "", err
		}
		replace[filepath.Join(b.root.Dir, "src", filepath.FromSlash(path), "zz_leakhound_track_test.go")] = file
	}
	data, err := json.Marshal(struct{ Replace map[string]string }{replace})
	if err != nil {
		return "", err
	}
	overlay := filepath.Join(b.work, "overlay.json")
	return overlay, os.WriteFile(overlay, data, 0o644)
}

// trackerTest is the file added to a standard-library package's external
// test package (%s: the package name; %t: whether the hooks must be set).
const trackerTest = `package %s_test

import (
	"testing"
	_ "unsafe" // for go:linkname
)

//go:linkname osOpen os.leakhoundOpen
var osOpen func(kind string, key uintptr, fd int, name string, local, remote any)

func TestLeakhoundTracking(t *testing.T) {
	if got, want := osOpen != nil, %t; got != want {
		t.Fatalf("os's open hook set: %%v, want %%v", got, want)
	}
}
`

// skipPattern returns the -skip pattern of the skips, or "" for none. All
// must have the same number of levels: a pattern skips the tests matching it
// at every level.
func skipPattern() (string, error) {
	var levels [][]string
	for _, s := range stdSkips {
		names := strings.Split(s.test, "/")
		if levels == nil {
			levels = make([][]string, len(names))
		}
		if len(names) != len(levels) {
			return "", fmt.Errorf("skips %v have different numbers of levels: use one go test run per level", stdSkips)
		}
		for i, n := range names {
			if q := regexp.QuoteMeta(n); !slices.Contains(levels[i], q) {
				levels[i] = append(levels[i], q)
			}
		}
	}
	var pattern []string
	for _, names := range levels {
		pattern = append(pattern, "^("+strings.Join(names, "|")+")$")
	}
	return strings.Join(pattern, "/"), nil
}

// testEvents is what a "go test -json" run reported.
type testEvents struct {
	packages map[string]packageResult
	failed   []testID
	output   map[testID]string
}

type packageResult struct {
	action  string // pass, fail or skip
	elapsed time.Duration
	tracked bool // TestLeakhoundTracking passed
	// slowest is the top-level test that took longest, with its time.
	slowest     string
	slowestTime time.Duration
}

type testID struct{ pkg, test string }

// readTestEvents reads the output of "go test -json".
func readTestEvents(data []byte) (*testEvents, error) {
	res := &testEvents{packages: map[string]packageResult{}, output: map[testID]string{}}
	tracked := map[string]bool{}
	slowest := map[string]testID{}
	slowestTime := map[string]time.Duration{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var ev struct {
			Action, Package, Test, Output string
			Elapsed                       float64
		}
		if err := json.Unmarshal(sc.Bytes(), &ev); err != nil {
			return nil, fmt.Errorf("read go test -json: %w: %s", err, sc.Bytes())
		}
		id := testID{ev.Package, ev.Test}
		elapsed := time.Duration(ev.Elapsed * float64(time.Second))
		if ev.Test != "" && !strings.Contains(ev.Test, "/") && (ev.Action == "pass" || ev.Action == "fail") && elapsed > slowestTime[ev.Package] {
			slowest[ev.Package], slowestTime[ev.Package] = id, elapsed
		}
		switch {
		case ev.Action == "output":
			if s := res.output[id]; len(s) < 4<<10 {
				res.output[id] = s + ev.Output
			}
		case ev.Action == "pass" && ev.Test == "TestLeakhoundTracking":
			tracked[ev.Package] = true
		case ev.Action == "fail":
			res.failed = append(res.failed, id)
		}
		if ev.Test == "" && (ev.Action == "pass" || ev.Action == "fail" || ev.Action == "skip") {
			res.packages[ev.Package] = packageResult{
				action:      ev.Action,
				elapsed:     elapsed,
				tracked:     tracked[ev.Package],
				slowest:     slowest[ev.Package].test,
				slowestTime: slowestTime[ev.Package],
			}
		}
	}
	return res, sc.Err()
}
