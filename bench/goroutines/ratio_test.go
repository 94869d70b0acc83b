// Package goroutines compares leakhound's goroutine verdicts with
// go.uber.org/goleak in the same process, on the same goroutines, and prints
// the ratios:
//
//	go test -run TestRatios -v ./goroutines
//
// On Go 1.26 build with GOEXPERIMENT=goroutineleakprofile, so leakhound can
// prove leaks instead of waiting for them.
package goroutines

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/leakhound/leakhound"
	"go.uber.org/goleak"
)

// fakeT collects what a verdict says; the benchmarks call its cleanup again
// and again to time the verdict alone.
type fakeT struct {
	errs     int
	cleanups []func()
}

func (f *fakeT) Cleanup(fn func())     { f.cleanups = append(f.cleanups, fn) }
func (f *fakeT) Error(args ...any)     { f.errs++ }
func (f *fakeT) Errorf(string, ...any) { f.errs++ }
func (f *fakeT) Name() string          { return "TestBench" }

func blockForever() {
	ch := make(chan int)
	<-ch
}

// measurement is one row of the table.
type measurement struct {
	name              string
	leakhound, goleak time.Duration
	goal              float64 // the largest acceptable leakhound/goleak ratio
}

// timeVerdicts runs verdict n times and returns the mean time of one.
func timeVerdicts(n int, verdict func()) time.Duration {
	start := time.Now()
	for range n {
		verdict()
	}
	return time.Since(start) / time.Duration(n)
}

// leakyVerdict times a verdict on a test that leaked n goroutines blocked
// forever, for both tools, on the very same goroutines. It runs on a goroutine
// of its own, as a test does, because leakhound labels the test goroutine.
func leakyVerdict(t *testing.T, n, runs int) measurement {
	m := measurement{name: fmt.Sprintf("leaky test, %d leaked goroutines", n), goal: 1.0 / 20}
	done := make(chan struct{})
	go func() {
		defer close(done)
		before := goleak.IgnoreCurrent()
		ft := &fakeT{}
		leakhound.Check(ft, leakhound.MaxWait(2*time.Second))
		for range n {
			go blockForever()
		}
		m.leakhound = timeVerdicts(runs, ft.cleanups[0])
		if ft.errs != runs {
			t.Errorf("leakhound: %d failing verdicts of %d, want all", ft.errs, runs)
		}
		failed := 0
		m.goleak = timeVerdicts(runs, func() {
			if goleak.Find(before) != nil {
				failed++
			}
		})
		if failed != runs {
			t.Errorf("goleak: %d failing verdicts of %d, want all", failed, runs)
		}
	}()
	<-done
	return m
}

// cleanVerdict times a passing verdict while n goroutines that existed before
// the test are alive and excused.
func cleanVerdict(t *testing.T, n, runs int) measurement {
	m := measurement{name: fmt.Sprintf("clean test, %d excused goroutines", n), goal: 1.0 / 3}
	stop := make(chan struct{})
	defer close(stop)
	for range n {
		go func() { <-stop }()
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		before := goleak.IgnoreCurrent()
		ft := &fakeT{}
		leakhound.Check(ft)
		m.leakhound = timeVerdicts(runs, ft.cleanups[0])
		if ft.errs != 0 {
			t.Errorf("leakhound: %d failing verdicts, want none", ft.errs)
		}
		m.goleak = timeVerdicts(runs, func() {
			if err := goleak.Find(before); err != nil {
				t.Errorf("goleak: %v", err)
			}
		})
	}()
	<-done
	return m
}

func TestRatios(t *testing.T) {
	if !leakhound.ProvenAvailable() {
		t.Log("goroutineleak profile not available: leakhound can only suspect, and waits MaxWait; build with GOEXPERIMENT=goroutineleakprofile on Go 1.26")
	}
	rows := []measurement{
		cleanVerdict(t, 10_000, 20),
		leakyVerdict(t, 100, 3),
		leakyVerdict(t, 10_000, 3),
	}
	var b strings.Builder
	fmt.Fprintf(&b, "\n| scenario | leakhound | goleak | ratio | goal |\n|---|---|---|---|---|\n")
	for _, r := range rows {
		ratio := float64(r.leakhound) / float64(r.goleak)
		verdict := "met"
		if ratio > r.goal {
			verdict = "NOT met"
		}
		fmt.Fprintf(&b, "| %s | %v | %v | %.3f | <= %.3f (%s) |\n", r.name, r.leakhound.Round(time.Microsecond), r.goleak.Round(time.Microsecond), ratio, r.goal, verdict)
	}
	t.Log(b.String())
}
