package leakhound

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"runtime"
	"runtime/pprof"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/leakhound/leakhound/internal/verdict"
	"github.com/leakhound/leakhound/report"
)

var _ TestingT = testing.TB(nil)
var _ TestingM = (*testing.M)(nil)

// fakeT is a TestingT whose cleanups run when the test says so.
type fakeT struct {
	name     string
	mu       sync.Mutex
	errs     []any
	cleanups []func()
}

func (f *fakeT) Cleanup(fn func()) { f.cleanups = append(f.cleanups, fn) }
func (f *fakeT) Name() string      { return f.name }
func (f *fakeT) Error(args ...any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.errs = append(f.errs, args...)
}

// end runs the cleanups last-in first-out, as testing does.
func (f *fakeT) end() {
	for i := len(f.cleanups) - 1; i >= 0; i-- {
		f.cleanups[i]()
	}
}

// report returns the report carried by the only error of f, or nil.
func (f *fakeT) report(t *testing.T) *Report {
	t.Helper()
	if len(f.errs) == 0 {
		return nil
	}
	if len(f.errs) != 1 {
		t.Fatalf("got %d errors, want 1: %v", len(f.errs), f.errs)
	}
	var le *LeakError
	if err, ok := f.errs[0].(error); !ok || !errors.As(err, &le) {
		t.Fatalf("error %v is not a *LeakError", f.errs[0])
	}
	return le.Report
}

// blockForever blocks on a channel nobody else can reach: a proven leak.
func blockForever() {
	ch := make(chan int)
	<-ch
}

// blockForeverOnce is blockForever for the one test that must wait until the
// goroutine is blocked: no other test starts it.
func blockForeverOnce() {
	ch := make(chan int)
	<-ch
}

// runOnNewGoroutine runs fn on a goroutine of its own and waits for it, the
// way testing runs each test on its own goroutine.
func runOnNewGoroutine(fn func()) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		fn()
	}()
	<-done
}

// waitGoroutineGone waits, at most 10 s, until goroutine id no longer
// appears in a dump of all goroutines. It only reports with Errorf, so a
// table's closure may call it with the parent test.
func waitGoroutineGone(t *testing.T, id int64) {
	t.Helper()
	header := []byte(fmt.Sprintf("goroutine %d [", id))
	buf := make([]byte, 1<<20)
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		n := runtime.Stack(buf, true)
		if !bytes.Contains(buf[:n], header) {
			return
		}
	}
	t.Errorf("goroutine %d still listed after 10s", id)
}

// wantCertainty is what a leak that the collector can prove is reported as
// in this binary.
func wantCertainty() (report.Certainty, report.Reason) {
	if ProvenAvailable() {
		return report.Proven, report.ReasonUnreachableWait
	}
	return report.Suspected, report.ReasonStillRunning
}

func TestCheckReportsLeakWithStacks(t *testing.T) {
	ft := &fakeT{name: "TestLeaky"}
	runOnNewGoroutine(func() {
		Check(ft, MaxWait(50*time.Millisecond))
		for range 3 {
			go blockForever()
		}
		ft.end()
	})
	r := ft.report(t)
	if r == nil {
		t.Fatal("Check reported no leak for three goroutines blocked forever")
	}
	if len(r.Findings) != 1 {
		t.Fatalf("got %d findings, want 1 group of 3:\n%v", len(r.Findings), r.Err())
	}
	f := r.Findings[0]
	certainty, reason := wantCertainty()
	if f.Certainty != certainty || f.Reason != reason || f.Kind != report.KindGoroutine || f.Resource != "goroutine" {
		t.Errorf("got %s/%s/%s/%s, want goroutine/%s/%s/goroutine", f.Kind, f.Certainty, f.Reason, f.Resource, certainty, reason)
	}
	if f.Count != 3 || f.Test != "TestLeaky" || f.Wait != "chan receive" {
		t.Errorf("got count %d, test %q, wait %q; want 3, TestLeaky, chan receive", f.Count, f.Test, f.Wait)
	}
	if len(f.Stack) == 0 || !strings.HasSuffix(f.Stack[0].Func, ".blockForever") {
		t.Errorf("stack %v does not start in blockForever", f.Stack)
	}
	if len(f.Origin) == 0 || !strings.Contains(f.Origin[0].Func, "TestCheckReportsLeakWithStacks") || !strings.HasSuffix(f.Origin[0].File, "leakhound_test.go") {
		t.Errorf("origin %v is not the go statement in this test", f.Origin)
	}
	if f.ID == "" || f.Message == "" || !strings.Contains(f.Detail, "goroutines") {
		t.Errorf("id %q, message %q, detail %q: want all set", f.ID, f.Message, f.Detail)
	}
}

func TestCheckPassesWhenGoroutinesExit(t *testing.T) {
	ft := &fakeT{name: "TestClean"}
	runOnNewGoroutine(func() {
		Check(ft)
		stop := make(chan struct{})
		var wg sync.WaitGroup
		for range 3 {
			wg.Go(func() { <-stop })
		}
		ft.Cleanup(func() { close(stop); wg.Wait() })
		// A goroutine that exits a little after the test: the bounded wait
		// lets it go.
		go time.Sleep(20 * time.Millisecond)
		ft.end()
	})
	if len(ft.errs) != 0 {
		t.Fatalf("clean test reported: %v", ft.errs)
	}
}

// TestCheckChargesTheTestThatLeaked runs two checked "tests" at once on two
// goroutines, as t.Parallel does: only the leaky one is reported.
func TestCheckChargesTheTestThatLeaked(t *testing.T) {
	leaky, clean := &fakeT{name: "TestA"}, &fakeT{name: "TestB"}
	var started, ended sync.WaitGroup
	started.Add(2)
	ended.Add(2)
	run := func(ft *fakeT, leak bool) {
		defer ended.Done()
		Check(ft, MaxWait(50*time.Millisecond))
		started.Done()
		started.Wait() // both checks are active before either leaks
		if leak {
			go blockForever()
		}
		ft.end()
	}
	go run(leaky, true)
	go run(clean, false)
	ended.Wait()
	if len(clean.errs) != 0 {
		t.Errorf("clean test was charged: %v", clean.errs)
	}
	r := leaky.report(t)
	if r == nil || len(r.Findings) != 1 || r.Findings[0].Test != "TestA" {
		t.Fatalf("leaky test: got %v, want one finding for TestA", r.Err())
	}
}

// reachable keeps a channel reachable from a global, so the collector
// cannot prove that a goroutine waiting on it is leaked.
var reachable chan int

func TestCheckSuspectsGoroutinesTheCollectorCannotProve(t *testing.T) {
	reachable = make(chan int)
	defer close(reachable)
	ft := &fakeT{name: "TestGlobal"}
	runOnNewGoroutine(func() {
		Check(ft, MaxWait(30*time.Millisecond))
		go func() { <-reachable }()
		ft.end()
	})
	r := ft.report(t)
	if r == nil || len(r.Findings) != 1 {
		t.Fatalf("got %v, want one finding", r.Err())
	}
	if f := r.Findings[0]; f.Certainty != report.Suspected || f.Reason != report.ReasonStillRunning {
		t.Errorf("goroutine blocked on a global channel reported %s/%s, want suspected/still-running", f.Certainty, f.Reason)
	}
}

func TestOptionsExcuseGoroutines(t *testing.T) {
	tests := []struct {
		name string
		give func() Option
	}{
		{"IgnoreTopFunction", func() Option { return IgnoreTopFunction(funcName(blockForever)) }},
		{"IgnoreAnyFunction", func() Option { return IgnoreAnyFunction(funcName(blockForever)) }},
		{"IgnoreCreatedBy", func() Option { return IgnoreCreatedBy(funcName(startBlocked)) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ft := &fakeT{name: tt.name}
			runOnNewGoroutine(func() {
				Check(ft, MaxWait(20*time.Millisecond), tt.give())
				startBlocked()
				ft.end()
			})
			if len(ft.errs) != 0 {
				t.Errorf("excused goroutine reported: %v", ft.errs)
			}
		})
	}
}

func startBlocked() { go blockForever() }

func funcName(f any) string {
	return runtime.FuncForPC(reflect.ValueOf(f).Pointer()).Name()
}

func TestFindWithIgnoreCurrent(t *testing.T) {
	opt := IgnoreCurrent()
	go blockForever()
	r, err := Find(opt, MaxWait(20*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Findings) != 1 || r.Findings[0].Count != 1 || r.Mode != "run" {
		t.Fatalf("got %v in mode %q, want exactly the new goroutine", r.Err(), r.Mode)
	}
	if err := r.Validate(); err != nil {
		t.Errorf("the report breaks the format: %v", err)
	}
	r, err = Find(IgnoreCurrent())
	if err != nil || len(r.Findings) != 0 {
		t.Fatalf("Find(IgnoreCurrent()) = %v, %v; want nothing", r.Err(), err)
	}
}

func TestProvenOnlyNeverWaitsAndReportsOnlyProven(t *testing.T) {
	opt := IgnoreCurrent()
	stop := make(chan struct{})
	defer close(stop)
	go func() { <-stop }() // alive and reachable: not a proven leak
	startAndWaitBlocked(t, ".blockForeverOnce", 1, func() { go blockForeverOnce() })
	start := time.Now()
	r, err := Find(opt, ProvenOnly(), MaxWait(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > time.Minute {
		t.Errorf("ProvenOnly waited %v", d)
	}
	want := 0
	if ProvenAvailable() {
		want = 1
	}
	if len(r.Findings) != want {
		t.Fatalf("got %d findings, want %d: %v", len(r.Findings), want, r.Err())
	}
	for _, f := range r.Findings {
		if f.Certainty != report.Proven {
			t.Errorf("ProvenOnly reported a %s finding", f.Certainty)
		}
	}
}

func TestBadOptions(t *testing.T) {
	tests := []struct {
		name string
		give []Option
		want string
	}{
		{"negative wait", []Option{MaxWait(-time.Second)}, "must not be negative"},
		{"empty top", []Option{IgnoreTopFunction("")}, "IgnoreTopFunction: empty"},
		{"empty any", []Option{IgnoreAnyFunction("")}, "IgnoreAnyFunction: empty"},
		{"empty created by", []Option{IgnoreCreatedBy("")}, "IgnoreCreatedBy: empty"},
		{"nil", []Option{nil}, "nil Option"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Find(tt.give...)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Find error = %v, want it to contain %q", err, tt.want)
			}
			ft := &fakeT{name: "T"}
			Check(ft, tt.give...)
			if len(ft.errs) != 1 || len(ft.cleanups) != 0 {
				t.Errorf("Check with bad options: errors %v, %d cleanups; want one error, no verdict", ft.errs, len(ft.cleanups))
			}
		})
	}
}

type fakeM struct {
	code int
	run  func()
}

func (m *fakeM) Run() int {
	if m.run != nil {
		m.run()
	}
	return m.code
}

func TestVerifyTestMain(t *testing.T) {
	tests := []struct {
		name string
		give *fakeM
		want int
		out  string
	}{
		{"clean", &fakeM{}, 0, ""},
		{"tests failed", &fakeM{code: 3, run: func() { go blockForever() }}, 3, ""},
		{"leak", &fakeM{run: func() { go blockForever() }}, 1, "blockForever"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out strings.Builder
			got := verifyTestMain(tt.give, &out, IgnoreCurrent(), MaxWait(20*time.Millisecond))
			if got != tt.want || !strings.Contains(out.String(), tt.out) {
				t.Errorf("verifyTestMain = %d, output %q; want %d and output containing %q", got, out.String(), tt.want, tt.out)
			}
		})
	}
}

func TestReportJSONMatchesSchema(t *testing.T) {
	opt := IgnoreCurrent()
	go blockForever()
	r, err := Find(opt, MaxWait(10*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(b, &top); err != nil {
		t.Fatal(err)
	}
	if got, want := sortedKeys(top), []string{"findings", "go", "mode", "schema"}; !slices.Equal(got, want) {
		t.Errorf("report keys %v, want %v", got, want)
	}
	var findings []map[string]json.RawMessage
	if err := json.Unmarshal(top["findings"], &findings); err != nil || len(findings) != 1 {
		t.Fatalf("findings %s: %v", top["findings"], err)
	}
	want := []string{"certainty", "count", "detail", "id", "kind", "known", "message", "origin", "reason", "resource", "retained_bytes", "stable_id", "stack", "wait"}
	if got := sortedKeys(findings[0]); !slices.Equal(got, want) {
		t.Errorf("finding keys %v, want %v", got, want)
	}
	var frames []map[string]json.RawMessage
	if err := json.Unmarshal(findings[0]["stack"], &frames); err != nil || len(frames) == 0 {
		t.Fatalf("stack %s: %v", findings[0]["stack"], err)
	}
	if got := sortedKeys(frames[0]); !slices.Equal(got, []string{"file", "func", "line"}) {
		t.Errorf("frame keys %v", got)
	}
}

func sortedKeys(m map[string]json.RawMessage) []string {
	var keys []string
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// startBlocked calls start, which starts n goroutines that block in the
// function named suffix, and waits until they are blocked there, so that the
// collector can prove them leaked.
func startAndWaitBlocked(t *testing.T, suffix string, n int, start func()) {
	t.Helper()
	before := countBlocked(t, suffix)
	start()
	for range 1000 {
		if countBlocked(t, suffix) >= before+n {
			return
		}
		time.Sleep(time.Millisecond)
	}
	t.Fatalf("%d goroutines in %s never blocked", n, suffix)
}

func countBlocked(t *testing.T, suffix string) int {
	d, err := verdict.Dump()
	if err != nil {
		t.Fatal(err)
	}
	blocked := 0
	for _, g := range d.Goroutines {
		if len(g.Frames) > 0 && strings.HasSuffix(g.Frames[0].Func, suffix) && g.State != "running" && g.State != "runnable" {
			blocked++
		}
	}
	return blocked
}

func TestCheckMisuseIsReported(t *testing.T) {
	tests := []struct {
		name string
		give func(ft *fakeT)
		want string
	}{
		{"verdict off the test goroutine", func(ft *fakeT) {
			id := make(chan int64, 1)
			runOnNewGoroutine(func() {
				Check(ft)
				id <- verdict.CurrentGoroutineID()
			})
			// done is closed before the goroutine exits: wait until the
			// runtime no longer lists it, or the verdict would find it.
			waitGoroutineGone(t, <-id)
			ft.end()
		}, "missing from the dump"},
		{"labels replaced after Check", func(ft *fakeT) {
			runOnNewGoroutine(func() {
				Check(ft)
				pprof.SetGoroutineLabels(context.Background())
				ft.end()
			})
		}, "shows no pprof labels"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ft := &fakeT{name: tt.name}
			tt.give(ft)
			if len(ft.errs) != 1 || !strings.Contains(fmt.Sprint(ft.errs[0]), tt.want) {
				t.Errorf("errors %v, want one containing %q", ft.errs, tt.want)
			}
		})
	}
}
