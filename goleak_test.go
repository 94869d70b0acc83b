package leakhound

import (
	"fmt"
	"io"
	"math"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/leakhound/leakhound/report"
)

// errorOnly has only the method goleak's TestingT has.
type errorOnly struct{ errs *[]any }

func (e errorOnly) Error(args ...any) { *e.errs = append(*e.errs, args...) }

func TestVerifyNoneReportsLeakAtTheCall(t *testing.T) {
	ft := &fakeT{name: "TestLeaky"}
	runOnNewGoroutine(func() {
		opt := IgnoreCurrent()
		go blockForever()
		VerifyNone(ft, opt, MaxWait(50*time.Millisecond))
	})
	if len(ft.cleanups) != 0 {
		t.Errorf("VerifyNone registered %d cleanups: it must check at the call", len(ft.cleanups))
	}
	r := ft.report(t)
	if r == nil {
		t.Fatal("no report, want one finding for the goroutine blocked forever")
	}
	// VerifyNone looks at every goroutine of the process: on a loaded
	// machine a goroutine of an earlier test may still be exiting. Only
	// the findings of goroutines this test started count.
	var mine []report.Finding
	for _, f := range r.Findings {
		if len(f.Origin) > 0 && strings.Contains(f.Origin[0].Func, "TestVerifyNoneReportsLeakAtTheCall") {
			mine = append(mine, f)
		}
	}
	if len(mine) != 1 {
		t.Fatalf("%d findings of this test's goroutines in %v, want one for the goroutine blocked forever", len(mine), r.Err())
	}
	f := mine[0]
	certainty, reason := wantCertainty()
	if f.Certainty != certainty || f.Reason != reason || f.Count != 1 || f.Test != "" || r.Mode != report.ModeTest {
		t.Errorf("got %s/%s count %d test %q mode %q; want %s/%s, 1, no test, mode test", f.Certainty, f.Reason, f.Count, f.Test, r.Mode, certainty, reason)
	}
}

func TestVerifyNonePassesWhenGoroutinesExit(t *testing.T) {
	var errs []any
	runOnNewGoroutine(func() {
		opt := IgnoreCurrent()
		var wg sync.WaitGroup
		wg.Go(func() { time.Sleep(20 * time.Millisecond) })
		VerifyNone(errorOnly{&errs}, opt) // the default wait lets it exit
		wg.Wait()
	})
	if len(errs) != 0 {
		t.Fatalf("clean check reported: %v", errs)
	}
}

func TestRetryOptionsBoundTheWait(t *testing.T) {
	tests := []struct {
		name     string
		give     []Option
		sleep    time.Duration // how long the checked goroutine lives
		wantLeak bool
	}{
		{"no retry", []Option{MaxRetryAttempts(0)}, time.Second, true},
		{"few short retries", []Option{MaxRetryAttempts(3), MaxSleepInterval(time.Millisecond)}, time.Second, true},
		{"enough retries", []Option{MaxRetryAttempts(50), MaxSleepInterval(10 * time.Millisecond)}, 30 * time.Millisecond, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var errs []any
			stop := make(chan struct{})
			var wg sync.WaitGroup
			start := time.Now()
			runOnNewGoroutine(func() {
				opt := IgnoreCurrent()
				wg.Go(func() {
					select { // a goroutine the collector cannot prove leaked
					case <-stop:
					case <-time.After(tt.sleep):
					}
				})
				VerifyNone(errorOnly{&errs}, append(tt.give, opt)...)
			})
			took := time.Since(start)
			close(stop)
			wg.Wait()
			if gotLeak := len(errs) > 0; gotLeak != tt.wantLeak {
				t.Fatalf("reported %v, want a leak: %v", errs, tt.wantLeak)
			}
			if tt.wantLeak && took > tt.sleep/2 {
				t.Errorf("the check took %v: it waited past the retries' bound", took)
			}
		})
	}
}

func TestRetryWait(t *testing.T) {
	tests := []struct {
		attempts int
		interval time.Duration
		want     time.Duration
	}{
		{0, 100 * time.Microsecond, 0},
		{1, 100 * time.Microsecond, time.Microsecond},
		{20, 100 * time.Microsecond, 1427 * time.Microsecond},   // 1+2+...+64, then 13 × 100
		{20, 100 * time.Millisecond, 431071 * time.Microsecond}, // 2^17-1, then 3 × 100 ms
		{3, time.Nanosecond, 3 * time.Nanosecond},
		{math.MaxInt, time.Hour, math.MaxInt64},
		{70, math.MaxInt64, math.MaxInt64},
	}
	for _, tt := range tests {
		if got := retryWait(tt.attempts, tt.interval); got != tt.want {
			t.Errorf("retryWait(%d, %v) = %v, want %v", tt.attempts, tt.interval, got, tt.want)
		}
	}
}

func TestRetryOptionsSetMaxWait(t *testing.T) {
	tests := []struct {
		name string
		give []Option
		want time.Duration
	}{
		{"none", nil, defaultMaxWait},
		{"attempts", []Option{MaxRetryAttempts(20)}, 1427 * time.Microsecond},
		{"interval", []Option{MaxSleepInterval(100 * time.Millisecond)}, 431071 * time.Microsecond},
		{"both", []Option{MaxRetryAttempts(2), MaxSleepInterval(time.Second)}, 3 * time.Microsecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, err := buildOptions(tt.give)
			if err != nil || o.MaxWait != tt.want {
				t.Errorf("MaxWait = %v, %v; want %v", o.MaxWait, err, tt.want)
			}
		})
	}
}

func TestCleanupRuns(t *testing.T) {
	var got []int
	record := Cleanup(func(code int) { got = append(got, code) })
	clean, leaky := &fakeM{}, &fakeM{run: func() { go blockForever() }}
	quick := MaxWait(20 * time.Millisecond)

	codes := []int{
		verifyTestMain(clean, io.Discard, IgnoreCurrent(), quick, record),
		verifyTestMain(&fakeM{code: 3}, io.Discard, record),
		verifyTestMain(leaky, io.Discard, IgnoreCurrent(), quick, record),
		verifyTestMain(clean, io.Discard, MaxRetryAttempts(-1), record),
	}
	if want := []int{0, 3, 1, 2}; fmt.Sprint(codes) != fmt.Sprint(want) || fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("verifyTestMain returned %v and ran Cleanup with %v; want %v for both", codes, got, want)
	}

	got = nil
	var errs []any
	runOnNewGoroutine(func() {
		opt := IgnoreCurrent()
		VerifyNone(errorOnly{&errs}, opt, quick, record)
		go blockForever()
		VerifyNone(errorOnly{&errs}, opt, quick, record)
		VerifyNone(errorOnly{&errs}, MaxSleepInterval(0), record)
	})
	if fmt.Sprint(got) != "[0 0 0]" || len(errs) != 2 {
		t.Errorf("VerifyNone ran Cleanup with %v and reported %d errors; want [0 0 0] and 2 (the leak, the bad option)", got, len(errs))
	}
}

func TestBadGoleakOptions(t *testing.T) {
	cleanup := Cleanup(func(int) {})
	tests := []struct {
		name string
		give []Option
		want string
	}{
		{"negative attempts", []Option{MaxRetryAttempts(-1)}, "MaxRetryAttempts(-1): the number of attempts must not be negative"},
		{"zero interval", []Option{MaxSleepInterval(0)}, "MaxSleepInterval(0s): the interval must be positive"},
		{"negative interval", []Option{MaxRetryAttempts(3), MaxSleepInterval(-time.Second)}, "MaxSleepInterval(-1s)"},
		{"MaxWait and attempts", []Option{MaxWait(time.Second), MaxRetryAttempts(3)}, "MaxWait cannot be combined"},
		{"nil cleanup", []Option{Cleanup(nil)}, "Cleanup: nil function"},
		{"cleanup in Find and Check", []Option{cleanup}, "Cleanup can be passed only to VerifyNone and VerifyTestMain"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := Find(tt.give...); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Find error = %v, want it to contain %q", err, tt.want)
			}
			ft := &fakeT{name: "T"}
			Check(ft, tt.give...)
			if len(ft.errs) != 1 || len(ft.cleanups) != 0 {
				t.Errorf("Check: errors %v, %d cleanups; want one error, no verdict", ft.errs, len(ft.cleanups))
			}
			if tt.name == "cleanup in Find and Check" {
				return // VerifyNone takes Cleanup
			}
			var errs []any
			VerifyNone(errorOnly{&errs}, tt.give...)
			if len(errs) != 1 || !strings.Contains(fmt.Sprint(errs[0]), tt.want) {
				t.Errorf("VerifyNone reported %v, want one error containing %q", errs, tt.want)
			}
		})
	}
}
