package leakhound

import (
	"context"
	"fmt"
	"io"
	"os"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/leakhound/leakhound/internal/verdict"
)

// TestingT is the part of [testing.TB] that [Check] uses.
type TestingT interface {
	Cleanup(func())
	Error(args ...any)
	Name() string
}

// TestingM is the part of [testing.M] that [VerifyTestMain] uses.
type TestingM interface {
	Run() int
}

var checks atomic.Int64

// Check makes the test fail if goroutines it started are still alive when it
// ends. Call it on the first line of the test, before the test starts any
// goroutine: the verdict runs in a t.Cleanup registered first, so it runs
// after every other cleanup (servers closed, contexts cancelled).
//
// Check is safe under t.Parallel and in subtests: it labels the test's
// goroutine, every goroutine started from it inherits the label, and the
// verdict looks only at goroutines carrying this test's label. A subtest that
// calls Check owns its goroutines; one that does not is checked with its
// parent. Check replaces pprof labels already set on the test goroutine.
//
// Goroutines proven leaked fail the test at once; others fail it after
// [MaxWait] if they have not exited.
func Check(t TestingT, opts ...Option) {
	if h, ok := t.(interface{ Helper() }); ok {
		h.Helper()
	}
	o, err := buildOptions(opts)
	if err != nil {
		t.Error(err)
		return
	}
	if err := enableTracebackLabels(); err != nil {
		t.Error(err)
		return
	}
	token := strconv.FormatInt(checks.Add(1), 10)
	pprof.SetGoroutineLabels(pprof.WithLabels(context.Background(), pprof.Labels(verdict.LabelKey, token)))
	sc := verdict.Scope{Label: token, Test: t.Name(), Self: verdict.CurrentGoroutineID(), Mode: "test"}
	t.Cleanup(func() {
		if h, ok := t.(interface{ Helper() }); ok {
			h.Helper() // report at the line that called Check
		}
		r, _, err := verdict.Run(o, sc)
		if err != nil {
			t.Error(fmt.Errorf("leakhound: %w", err))
			return
		}
		if err := r.Err(); err != nil {
			t.Error(err)
		}
	})
}

var tracebackLabels struct {
	once sync.Once
	err  error
}

// enableTracebackLabels makes the runtime print pprof labels in goroutine
// headers (GODEBUG=tracebacklabels=1, Go 1.26+, the default from 1.27). The
// runtime rereads GODEBUG when it changes; the rightmost setting wins.
func enableTracebackLabels() error {
	tracebackLabels.once.Do(func() {
		cur := os.Getenv("GODEBUG")
		if strings.HasSuffix(cur, "tracebacklabels=1") {
			return
		}
		if cur != "" {
			cur += ","
		}
		if err := os.Setenv("GODEBUG", cur+"tracebacklabels=1"); err != nil {
			tracebackLabels.err = fmt.Errorf("enable goroutine labels in tracebacks: %w", err)
		}
	})
	return tracebackLabels.err
}

// VerifyTestMain runs the tests of m and then, if they passed, fails the test
// binary when goroutines are left over, printing the report on stderr. Use it
// from TestMain:
//
//	func TestMain(m *testing.M) { leakhound.VerifyTestMain(m) }
//
// It calls os.Exit with the tests' status, or 1 when leaks were found, or 2
// when the options are rejected (the tests do not run then); a [Cleanup]
// function runs first, with that status. With a [ConfigFile], it also
// prints the file's stale rules once the tests passed.
func VerifyTestMain(m TestingM, opts ...Option) {
	os.Exit(verifyTestMain(m, os.Stderr, opts...))
}

func verifyTestMain(m TestingM, w io.Writer, opts ...Option) (code int) {
	o, err := collectOptions(opts)
	if o.cleanup != nil {
		defer func() { o.cleanup(code) }()
	}
	if err != nil {
		fmt.Fprintln(w, err)
		return 2
	}
	if code = m.Run(); code != 0 {
		return code
	}
	r, _, err := verdict.Run(&o.Options, verdict.Scope{Self: verdict.CurrentGoroutineID(), Mode: "test"})
	if err != nil {
		fmt.Fprintf(w, "leakhound: %v\n", err)
		return 1
	}
	printStaleRules(w, o.IgnoreRules)
	if err := r.Err(); err != nil {
		fmt.Fprintln(w, err)
		return 1
	}
	return 0
}

// Find reports the goroutines alive now, except the caller's own and those
// the options or the defaults excuse, waiting up to [MaxWait] for those not
// proven leaked to exit. The error is non-nil only when detection itself
// failed; leaks are in the report (see [Report.Err]). goleak's Find, which
// returns only an error, is Find followed by [Report.Err].
func Find(opts ...Option) (*Report, error) {
	o, err := buildOptions(opts)
	if err != nil {
		return nil, err
	}
	r, _, err := verdict.Run(o, verdict.Scope{Self: verdict.CurrentGoroutineID(), Mode: "run"})
	return r, err
}

// ProvenAvailable reports whether this binary can prove goroutine leaks: it
// has the runtime's goroutineleak profile (Go 1.27, or Go 1.26 built with
// GOEXPERIMENT=goroutineleakprofile). Without it, every goroutine finding is
// suspected.
func ProvenAvailable() bool { return verdict.ProvenAvailable() }
