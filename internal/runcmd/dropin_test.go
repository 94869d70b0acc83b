package runcmd_test

import (
	"bufio"
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// The drop-in tests hold `leakhound test` to its contract: it runs a module's
// tests exactly as `go test` does, and only leaks change a verdict. Each
// module of testdata/dropin has tests that pass under go test only when the
// binary is built from the module's own go.mod, go.sum, go line, vendor/,
// go.work or GOFLAGS, or that count the goroutines leakhound might add. Both
// commands run with go test's -json, and the verdicts are compared test by
// test.

// dropInCase is one fixture, tested with go test and with leakhound test.
type dropInCase struct {
	name    string   // subtest name
	dir     string   // the fixture, under testdata/dropin; name when empty
	pkgs    []string // packages to test; "./..." when empty
	goflags string   // added to GOFLAGS for both commands
	// args are go test flags given to both commands; "{tmp}" stands for a
	// temporary directory of the subtest.
	args  []string
	tests []string          // every test go test runs (and passes)
	leaks map[string]string // test -> resource of the finding that fails it under leakhound
	// exitLeak is the resource of a leak found when the test binary exits,
	// belonging to no test: it fails the package, not a test.
	exitLeak string
}

var dropInCases = []dropInCase{
	{name: "go113dep", tests: []string{"TestDiff"}},
	{
		// -mod=mod lets go rewrite go.mod and go.sum; -tags must reach
		// the build.
		name:    "goflags",
		dir:     "go113dep",
		goflags: "-mod=mod -tags=dropin",
		tests:   []string{"TestDiff", "TestTagged"},
	},
	{name: "oldxsync", tests: []string{"TestErrgroup"}},
	{name: "loopvar121", tests: []string{"TestSharedLoopVar"}},
	{name: "randseed", tests: []string{"TestSeed"}},
	{name: "printf115", tests: []string{"TestPrintf"}},
	{name: "vendored", tests: []string{"TestVendored"}},
	{name: "workspace", pkgs: []string{"./a", "./b"}, tests: []string{"TestGreet", "TestGreeting"}},
	{name: "goleakmain", tests: []string{"TestJoined"}},
	{name: "numgoroutine", tests: []string{"TestJoined"}},
	{
		name:  "leaky",
		tests: []string{"TestClean", "TestLeaksFile", "TestLeaksGoroutine", "TestLeaksSleeper"},
		leaks: map[string]string{"TestLeaksGoroutine": "goroutine", "TestLeaksFile": "os.File", "TestLeaksSleeper": "goroutine"},
	},
	{name: "exitleak", tests: []string{"TestNothing"}, exitLeak: "os.File"},
	{
		// package testing keeps the files of -cpuprofile and -trace
		// open until the binary exits: they are not the program's leak.
		name:  "profiles",
		dir:   "randseed",
		args:  []string{"-cpuprofile", "{tmp}/cpu.out", "-trace", "{tmp}/trace.out", "-o", "{tmp}/pkg.test"},
		tests: []string{"TestSeed"},
	},
}

func TestDropIn(t *testing.T) {
	leakhoundBin(t) // built once, before a subtest changes GOFLAGS
	for _, c := range dropInCases {
		t.Run(c.name, func(t *testing.T) {
			if c.goflags != "" {
				// t.Setenv forbids t.Parallel: this subtest runs
				// before the parallel ones.
				t.Setenv("GOFLAGS", strings.TrimSpace(os.Getenv("GOFLAGS")+" "+c.goflags))
			} else {
				t.Parallel()
			}
			testDropIn(t, c)
		})
	}
}

// testDropIn runs go test and leakhound test on the fixture of c and
// compares their verdicts.
func testDropIn(t *testing.T, c dropInCase) {
	dir, err := filepath.Abs(filepath.Join("testdata", "dropin", cmp.Or(c.dir, c.name)))
	if err != nil {
		t.Fatal(err)
	}
	pkgs := c.pkgs
	if len(pkgs) == 0 {
		pkgs = []string{"./..."}
	}
	before := readTree(t, dir)
	tmp := t.TempDir()
	flags := []string{"-count=1", "-json"}
	for _, a := range c.args {
		flags = append(flags, strings.ReplaceAll(a, "{tmp}", tmp))
	}

	// go test itself: the fixture's tests all pass.
	code, stdout, stderr := goTest(t, dir, append(slices.Clone(flags), pkgs...)...)
	plain := parseTestJSON(t, stdout)
	if code != 0 {
		t.Fatalf("go test: exit status %d, want 0\n%s%s", code, stderr, plain.failures())
	}
	if got := plain.tests(); !slices.Equal(got, c.tests) {
		t.Fatalf("go test ran %q, want %q", got, c.tests)
	}
	checkTree(t, dir, before, "go test")

	// leakhound test: the same verdicts, but for the tests that leak.
	r := runSplit(t, dir, append(append(append([]string{"test"}, pkgs...), "--"), flags...)...)
	checkTree(t, dir, before, "leakhound test")
	got := parseTestJSON(t, r.stdout)
	want := plain.failing(c.leaks, c.exitLeak != "")
	for _, key := range union(want, got) {
		if got[key].action != want[key].action {
			t.Errorf("%s: leakhound test says %q, want %q\n%s", key, got[key].action, want[key].action, got[key].output)
		}
	}
	wantCode := 0
	if len(c.leaks) > 0 || c.exitLeak != "" {
		wantCode = 1
	}
	if r.code != wantCode {
		t.Errorf("leakhound test: exit status %d, want %d\n%s", r.code, wantCode, r.stderr)
	}

	// The report: one finding or more for each test that leaks, none else.
	found := map[string]bool{}
	for _, f := range r.report.Findings {
		if f.Test == "" && f.Resource == c.exitLeak {
			found[""] = true
			continue
		}
		if res, ok := c.leaks[f.Test]; !ok || f.Resource != res {
			t.Errorf("unexpected finding: %s %s %s test=%q: %s", f.Kind, f.Resource, f.Reason, f.Test, f.Message)
			continue
		}
		found[f.Test] = true
	}
	for test, res := range c.leaks {
		if !found[test] {
			t.Errorf("no %s finding with test=%q in the report", res, test)
		}
	}
	if c.exitLeak != "" && !found[""] {
		t.Errorf("no %s finding of the binary's exit in the report", c.exitLeak)
	}
}

// TestGorootOnPath runs plain go test with the instrumented GOROOT's go
// command first on PATH, as IDEs, gotestsum or Makefiles would: the leaking
// tests fail in go test's own output as under leakhound test, a package whose
// only leak is found at exit fails, and go test never caches it as ok.
func TestGorootOnPath(t *testing.T) {
	t.Parallel()
	r := execLeakhound(t, ".", "goroot")
	root := strings.TrimSpace(r.stdout)
	if r.code != 0 || !filepath.IsAbs(root) {
		t.Fatalf("leakhound goroot: exit status %d, output %q\n%s", r.code, r.stdout, r.stderr)
	}
	env := []string{"PATH=" + filepath.Join(root, "bin") + string(os.PathListSeparator) + os.Getenv("PATH"), "GOROOT="}
	for _, c := range dropInCases {
		if len(c.leaks) == 0 && c.exitLeak == "" {
			continue
		}
		t.Run(c.name, func(t *testing.T) {
			dir := filepath.Join("testdata", "dropin", cmp.Or(c.dir, c.name))
			code, stdout, stderr := goTestEnv(t, dir, env, "-count=1", "-json", "./...")
			got := parseTestJSON(t, stdout)
			want := verdicts{}
			for _, test := range c.tests {
				want["example.com/dropin/"+c.name+" "+test] = verdict{action: "pass"}
			}
			want["example.com/dropin/"+c.name] = verdict{action: "pass"}
			want = want.failing(c.leaks, c.exitLeak != "")
			for _, key := range union(want, got) {
				if got[key].action != want[key].action {
					t.Errorf("%s: go test with the instrumented GOROOT says %q, want %q\n%s", key, got[key].action, want[key].action, got[key].output)
				}
			}
			if code != 1 {
				t.Errorf("exit status %d, want 1\n%s", code, stderr)
			}
			// Twice without -count=1: a failed package is never cached.
			for range 2 {
				_, out, _ := goTestEnv(t, dir, env, "./...")
				if strings.Contains(out, "(cached)") || !strings.Contains(out, "FAIL") {
					t.Errorf("go test without -count=1:\n%s", out)
				}
			}
		})
	}
}

// goTest runs go test with args in dir and returns its exit status, stdout
// and stderr.
func goTest(t *testing.T, dir string, args ...string) (int, string, string) {
	t.Helper()
	return goTestEnv(t, dir, nil, args...)
}

// goTestEnv runs go test with args in dir, with env added to the
// environment, and returns its exit status, stdout and stderr.
func goTestEnv(t *testing.T, dir string, env []string, args ...string) (int, string, string) {
	t.Helper()
	cmd := exec.Command("go", append([]string{"test"}, args...)...)
	if env != nil {
		cmd.Env = append(os.Environ(), env...)
		// exec.Command looked "go" up in this process's PATH.
		for _, kv := range env {
			if path, ok := strings.CutPrefix(kv, "PATH="); ok {
				cmd.Path = filepath.Join(filepath.SplitList(path)[0], "go")
			}
		}
	}
	cmd.Dir = dir
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return exit.ExitCode(), stdout.String(), stderr.String()
	} else if err != nil {
		t.Fatal(err)
	}
	return 0, stdout.String(), stderr.String()
}

// verdict is what go test's JSON events say of one package or test.
type verdict struct {
	action string // pass, fail or skip; "" when never reported
	output string // the test's or package's own output
}

// verdicts maps "package" and "package test" to their verdicts.
type verdicts map[string]verdict

// parseTestJSON reads the event stream of go test -json, skipping the lines
// that are not JSON objects.
func parseTestJSON(t *testing.T, stream string) verdicts {
	t.Helper()
	vs := verdicts{}
	sc := bufio.NewScanner(strings.NewReader(stream))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		if !bytes.HasPrefix(sc.Bytes(), []byte("{")) {
			continue
		}
		var e struct{ Action, Package, ImportPath, Test, Output string }
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatalf("go test -json: %v: %s", err, sc.Bytes())
		}
		if e.Package == "" { // build-output: "path [path.test]"
			e.Package, _, _ = strings.Cut(e.ImportPath, " ")
		}
		key := strings.TrimSpace(e.Package + " " + e.Test)
		v := vs[key]
		switch e.Action {
		case "pass", "fail", "skip":
			v.action = e.Action
		case "output", "build-output":
			v.output += e.Output
		default:
			continue
		}
		vs[key] = v
	}
	return vs
}

// tests returns the sorted names of the tests in vs.
func (vs verdicts) tests() []string {
	var names []string
	for key := range vs {
		if _, test, ok := strings.Cut(key, " "); ok {
			names = append(names, test)
		}
	}
	slices.Sort(names)
	return names
}

// failing returns vs with the tests of leaks, and their packages, failed;
// with atExit, every package fails.
func (vs verdicts) failing(leaks map[string]string, atExit bool) verdicts {
	out := verdicts{}
	for key, v := range vs {
		out[key] = verdict{action: v.action}
	}
	for key := range vs {
		pkg, test, isTest := strings.Cut(key, " ")
		if leaks[test] != "" || atExit && !isTest {
			out[key] = verdict{action: "fail"}
			out[pkg] = verdict{action: "fail"}
		}
	}
	return out
}

// failures returns the output of what did not pass.
func (vs verdicts) failures() string {
	var b strings.Builder
	for _, key := range union(vs, nil) {
		if v := vs[key]; v.action != "pass" {
			b.WriteString(v.output)
		}
	}
	return b.String()
}

// union returns the sorted keys of a and b.
func union(a, b verdicts) []string {
	var keys []string
	for _, vs := range []verdicts{a, b} {
		for key := range vs {
			keys = append(keys, key)
		}
	}
	slices.Sort(keys)
	return slices.Compact(keys)
}

// readTree returns the content of every file under dir, by path.
func readTree(t *testing.T, dir string) map[string]string {
	t.Helper()
	files := map[string]string{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		files[path] = string(data)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// checkTree fails t unless the files under dir are still those of before:
// neither command may change the code under test (go.mod, go.sum, go.work,
// vendor/, sources), nor leave a file in it.
func checkTree(t *testing.T, dir string, before map[string]string, who string) {
	t.Helper()
	after := readTree(t, dir)
	for path, data := range after {
		if old, ok := before[path]; !ok {
			t.Errorf("%s created %s", who, path)
		} else if old != data {
			t.Errorf("%s changed %s:\n%s", who, path, data)
		}
	}
	for path := range before {
		if _, ok := after[path]; !ok {
			t.Errorf("%s removed %s", who, path)
		}
	}
}
