package runcmd_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/leakhound/leakhound/report"
)

// The integration tests build the real leakhound binary once and run it on
// the programs of examples/ and on a module of its own in testdata. They
// build the standard library with the instrumentation overlay, which the go
// build cache keeps for the next run (and the next Go version keeps its own).

var (
	binOnce sync.Once
	binDir  string
	binPath string
	binErr  error
)

// TestMain removes the directory of the shared leakhound binary after the
// tests.
func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// leakhoundBin builds cmd/leakhound into a directory shared by the tests.
func leakhoundBin(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds the instrumented standard library: skipped with -short")
	}
	binOnce.Do(func() {
		dir, err := os.MkdirTemp("", "leakhound-it-")
		if err != nil {
			binErr = err
			return
		}
		binDir = dir
		binPath = filepath.Join(dir, "leakhound")
		out, err := exec.Command("go", "build", "-o", binPath, "../../cmd/leakhound").CombinedOutput()
		if err != nil {
			binErr = errors.New(string(out))
		}
	})
	if binErr != nil {
		t.Fatalf("build leakhound: %v", binErr)
	}
	return binPath
}

// moduleRoot is the root of this repository.
func moduleRoot(t *testing.T) string {
	dir, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

// runLeakhound runs the binary in dir and returns its exit status, its
// stdout and stderr together, and the JSON report it wrote.
func runLeakhound(t *testing.T, dir string, args ...string) (int, string, *report.Report) {
	t.Helper()
	r := runSplit(t, dir, args...)
	return r.code, r.stdout + r.stderr, r.report
}

// run is what one run of the binary gave.
type run struct {
	code           int
	stdout, stderr string
	report         *report.Report
}

// runSplit runs the binary in dir with "-json FILE" after the command
// word and returns what it wrote to stdout, to stderr and to FILE.
func runSplit(t *testing.T, dir string, args ...string) run {
	t.Helper()
	path := filepath.Join(t.TempDir(), "report.json")
	r := execLeakhound(t, dir, append([]string{args[0], "-json", path}, args[1:]...)...)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("no report (exit %d): %v\n%s%s", r.code, err, r.stdout, r.stderr)
	}
	r.report = new(report.Report)
	if err := json.Unmarshal(data, r.report); err != nil {
		t.Fatalf("bad report: %v\n%s", err, data)
	}
	if err := r.report.Validate(); err != nil {
		t.Errorf("the report breaks the format: %v\n%s", err, data)
	}
	return r
}

// execLeakhound runs the binary in dir with args, without a report.
func execLeakhound(t *testing.T, dir string, args ...string) run {
	t.Helper()
	cmd := exec.Command(leakhoundBin(t), args...)
	cmd.Dir = dir
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	r := run{stdout: stdout.String(), stderr: stderr.String()}
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		r.code = exit.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return r
}

// describe reduces a finding to what the tests pin: resource, reason,
// count, test, the first origin frame (the call the program made) and the
// first frame of the program's own code in origin (or, without an origin,
// in the stack), without the path of this package's testdata.
func describe(f report.Finding) string {
	frames := f.Origin
	if len(frames) == 0 {
		frames = f.Stack
	}
	first, own := "-", "-"
	if len(frames) > 0 {
		first = frames[0].Func
	}
	for _, fr := range frames {
		if isOwn(fr.Func) {
			own = strings.TrimPrefix(fr.Func, testdataPath)
			break
		}
	}
	s := strings.Join([]string{string(f.Kind), f.Resource, string(f.Reason), string(f.Certainty), itoa(f.Count), first, own}, " ")
	if f.Test != "" {
		s += " test=" + f.Test
	}
	return s
}

// testdataPath is the import path of this package's testdata, in the main
// module.
const testdataPath = "github.com/leakhound/leakhound/internal/runcmd/testdata/"

// isOwn reports whether fn belongs to a program or test rather than to the
// standard library: package main, or a module path (a dot in its first
// element).
func isOwn(fn string) bool {
	first, _, _ := strings.Cut(fn, "/")
	return strings.HasPrefix(fn, "main.") || (strings.Contains(fn, "/") && strings.Contains(first, "."))
}

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}

func describeAll(rep *report.Report) []string {
	out := []string{}
	for _, f := range rep.Findings {
		out = append(out, describe(f))
	}
	slices.Sort(out)
	return out
}

func TestRunExamples(t *testing.T) {
	tests := []struct {
		name     string
		give     string
		wantCode int
		want     []string
		wantOut  string
	}{
		{
			name:     "pool connection never returned",
			give:     "./examples/poolconn",
			wantCode: 1,
			want:     []string{"resource net.TCPConn closed-by-gc proven 1 net.Dial main.(*pool).get"},
		},
		{
			name:     "listener kept only as a raw fd",
			give:     "./examples/rawfd",
			wantCode: 1,
			want: []string{
				"resource net.TCPListener closed-by-gc proven 1 net.Listen main.listenRaw",
				"resource os.File fd-used-after-gc proven 1 net.(*TCPListener).File main.listenRaw",
			},
			wantOut: "connection refused",
		},
		{
			name:     "bodies never closed",
			give:     "./examples/bodies",
			wantCode: 1,
			want:     []string{"resource http.Response.Body " + unreadBodyReason() + " proven 3 net/http.Get main.check"},
		},
		{
			name:     "goroutines blocked on a forgotten channel",
			give:     "./examples/chanblock",
			wantCode: 1,
			want:     []string{"goroutine goroutine unreachable-wait proven 3 main.first main.first"},
		},
		{
			name:     "stalled finalizer",
			give:     "./examples/finalizer",
			wantCode: 1,
			want: []string{
				"finalizer finalizer blocked suspected 1 main.newCache.func1 main.newCache.func1",
				"resource os.File open-at-end proven 3 os.Open main.main",
			},
		},
		{
			name:     "sql.Rows never closed",
			give:     "./examples/sqlrows",
			wantCode: 1,
			want:     []string{"resource sql.Rows closed-by-gc proven 1 database/sql.(*DB).Query main.firstAdmin"},
			wantOut:  "next query: context deadline exceeded",
		},
		{
			name:     "HTTP/2 bodies never closed",
			give:     "./examples/h2body",
			wantCode: 1,
			want:     []string{"resource http.Response.Body open-at-end proven 3 net/http.(*Client).Get main.fetch"},
			wantOut:  "3 responses over HTTP/2.0",
		},
		{
			name:     "command never waited for",
			give:     "./examples/zombie",
			wantCode: 1,
			want:     []string{"resource os/exec.Cmd open-at-end proven 1 os/exec.(*Cmd).Start main.startHelper"},
			wantOut:  "never waited for",
		},
		{
			name:     "descriptor opened below os never closed",
			give:     "./examples/rawsyscall",
			wantCode: 1,
			want:     []string{"resource fd open-at-end proven 3 syscall.Open main.firstByte"},
			wantOut:  "read 3 empty files",
		},
		{
			name:     "clean program",
			give:     "./examples/clean",
			wantCode: 0,
			want:     []string{},
			wantOut:  "clean exit",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			code, out, rep := runLeakhound(t, moduleRoot(t), "run", tt.give)
			if code != tt.wantCode {
				t.Errorf("exit status %d, want %d\n%s", code, tt.wantCode, out)
			}
			if got := describeAll(rep); !slices.Equal(got, tt.want) {
				t.Errorf("findings:\n%s\nwant:\n%s\noutput:\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"), out)
			}
			if rep.Schema != report.Schema || rep.Mode != "run" || !strings.HasPrefix(rep.Go, "go1.") {
				t.Errorf("report header %q %q %q", rep.Schema, rep.Mode, rep.Go)
			}
			if !strings.Contains(out, tt.wantOut) {
				t.Errorf("output does not contain %q:\n%s", tt.wantOut, out)
			}
		})
	}
}

// TestOtherModule runs leakhound on a module that does not depend on
// leakhound: run passes the program's exit status and output through, and
// test gives each test its own verdict, t.Parallel subtests included.
func TestOtherModule(t *testing.T) {
	dir, err := filepath.Abs("testdata/othermod")
	if err != nil {
		t.Fatal(err)
	}
	t.Run("run", func(t *testing.T) {
		t.Parallel()
		code, out, rep := runLeakhound(t, dir, "run", "./cmd/dropfile", "--", "extra-arg")
		if code != 1 {
			t.Errorf("exit status %d, want 1\n%s", code, out)
		}
		want := []string{"resource os.File open-at-end proven 1 os.Open main.main"}
		if got := describeAll(rep); !slices.Equal(got, want) {
			t.Errorf("findings:\n%s\nwant:\n%s\noutput:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"), out)
		}
		if !strings.Contains(out, "opened go.mod") {
			t.Errorf("program output missing:\n%s", out)
		}
	})
	t.Run("test", func(t *testing.T) {
		t.Parallel()
		code, out, rep := runLeakhound(t, dir, "test", "./...", "--", "-count=1")
		if code != 1 {
			t.Errorf("exit status %d, want 1\n%s", code, out)
		}
		want := []string{
			"resource net.TCPListener open-at-end proven 1 net.Listen example.com/othermod/leaky.TestParallel.func1.1 test=TestParallel/leaks",
			"resource os.File open-at-end proven 1 os.Open example.com/othermod/leaky.Open test=TestLeaksFile",
		}
		if got := describeAll(rep); !slices.Equal(got, want) {
			t.Errorf("findings:\n%s\nwant:\n%s\noutput:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"), out)
		}
		for _, line := range []string{"--- FAIL: TestLeaksFile", "--- FAIL: TestParallel/leaks"} {
			if !strings.Contains(out, line) {
				t.Errorf("output lacks %q:\n%s", line, out)
			}
		}
		for _, line := range []string{"FAIL: TestClosed", "FAIL: TestParallel/clean"} {
			if strings.Contains(out, line) {
				t.Errorf("output has %q:\n%s", line, out)
			}
		}
	})
	t.Run("test without -count=1", func(t *testing.T) {
		// go test then logs the files the tests open into a file of its
		// own, still open when the top-level test runner ends: no test's.
		t.Parallel()
		code, out, rep := runLeakhound(t, dir, "test", "./leaky", "--", "-run", "TestClosed")
		if got := describeAll(rep); code != 0 || len(got) != 0 {
			t.Errorf("exit status %d, findings %q; want 0 and none\n%s", code, got, out)
		}
	})
}
