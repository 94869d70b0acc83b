package agent

import (
	"net/http/httptest"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/leakhound/leakhound/internal/gcqueue"
	"github.com/leakhound/leakhound/internal/stack"
	"github.com/leakhound/leakhound/report"
)

// blockFinalizer makes the finalizer goroutine block in a finalizer, with
// two more finalizers queued behind it, until the test ends.
func blockFinalizer(t *testing.T) {
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	for _, block := range []bool{true, false, false} {
		p := new([16]byte)
		if block {
			runtime.SetFinalizer(p, func(*[16]byte) { <-release })
		} else {
			runtime.SetFinalizer(p, func(*[16]byte) {})
		}
		p = nil
		runtime.GC()
	}
	runtime.GC()
}

func TestFinalizerBlocked(t *testing.T) {
	t.Run("dump", func(t *testing.T) { testFinalizerBlocked(t, 0) })
	t.Run("profile", func(t *testing.T) { testFinalizerBlocked(t, -1) })
}

func testFinalizerBlocked(t *testing.T, dumpGoroutines int) {
	startAgent(t, Options{Interval: 20 * time.Millisecond, ProvenInterval: -1, DumpGoroutines: dumpGoroutines})
	blockFinalizer(t)
	srv := httptest.NewServer(Handler())
	defer srv.Close()
	var body string
	waitFor(t, "a finalizer finding", func() bool {
		_, body = get(t, srv, "/report.json")
		return strings.Contains(body, `"kind": "finalizer"`)
	})
	for _, want := range []string{`"reason": "blocked"`, `"certainty": "suspected"`, `"wait": "chan receive"`,
		"blockFinalizer.func", "queued behind it", "the finalizer goroutine has waited in chan receive"} {
		if !strings.Contains(body, want) {
			t.Errorf("report lacks %s:\n%s", want, body)
		}
	}
	for _, g := range running().state.snapshot().Latest.Groups {
		if gcqueue.Finalizers.IsRunner(g.Frames) {
			t.Errorf("the finalizer goroutine is also counted at a blocking site: %+v", g)
		}
	}
}

func TestFinalizerFinding(t *testing.T) {
	g := &stack.Goroutine{State: "chan receive", Frames: []stack.Frame{{Func: "main.fin", Line: 3}, {Func: "runtime.runFinalizers", Line: 9}}}
	running := &stack.Goroutine{State: "running", Frames: g.Frames}
	queued := finalizerCounters{finQueued: 10, finExecuted: 4}
	t0 := time.Unix(0, 0)
	tests := []struct {
		name  string
		steps []*stack.Goroutine
		fc    []finalizerCounters
		want  bool
	}{
		{name: "blocked for 3 samples", steps: []*stack.Goroutine{g, g, g}, fc: []finalizerCounters{queued, queued, queued}, want: true},
		{name: "only 2 samples", steps: []*stack.Goroutine{g, g}, fc: []finalizerCounters{queued, queued}},
		{name: "finalizers ran between", steps: []*stack.Goroutine{g, g, g}, fc: []finalizerCounters{queued, {finQueued: 10, finExecuted: 5}, {finQueued: 10, finExecuted: 5}}},
		{name: "running, not waiting", steps: []*stack.Goroutine{running, running, running}, fc: []finalizerCounters{queued, queued, queued}},
		{name: "idle in between", steps: []*stack.Goroutine{g, nil, g, g}, fc: []finalizerCounters{queued, queued, queued, queued}},
		{name: "nothing queued", steps: []*stack.Goroutine{g, g, g}, fc: []finalizerCounters{{}, {}, {}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var w gcqueue.Stall
			var f *report.Finding
			for i, step := range tt.steps {
				f = finalizerFinding(&w, t0.Add(time.Duration(i)*time.Second), step, tt.fc[i])
			}
			if (f != nil) != tt.want {
				t.Fatalf("finding = %v, want one: %v", f, tt.want)
			}
			if f != nil && (f.Kind != report.KindFinalizer || f.Wait != "chan receive" || f.Stack[0].Func != "main.fin" ||
				!strings.Contains(f.Detail, "5 finalizer(s) queued behind it")) {
				t.Errorf("finding = %+v", f)
			}
		})
	}
}

func TestBacklogWatch(t *testing.T) {
	runner := &stack.Goroutine{State: "sleep", Frames: []stack.Frame{{Func: "main.slowFinalizer", Line: 7}, {Func: "runtime.runFinalizers", Line: 9}}}
	w := newBacklogWatch()
	var queued, executed uint64
	step := func(add, ran uint64) []report.Finding {
		queued += add
		executed += ran
		w.observe([][2]uint64{{queued, executed}, {0, 0}}, []*stack.Goroutine{runner, nil}, 10*time.Second)
		return w.current()
	}
	for i := range backlogSamples {
		if got := step(1000, 10); len(got) != 0 {
			t.Fatalf("reported after %d growing samples, want %d: %+v", i+1, backlogSamples+1, got)
		}
	}
	got := step(1000, 10)
	if len(got) != 1 {
		t.Fatalf("not reported after %d growing samples", backlogSamples+1)
	}
	f := got[0]
	if f.Kind != report.KindFinalizer || f.Reason != "backlog" || f.Resource != "finalizer" || f.Wait != "sleep" ||
		f.Stack[0].Func != "main.slowFinalizer" || !strings.Contains(f.Detail, "3960 finalizers queued") {
		t.Errorf("finding = %+v", f)
	}
	if got := step(0, 10); len(got) != 1 {
		t.Errorf("a queue still above the floor left the report: %+v", got)
	}
	if got := step(0, queued-executed); len(got) != 0 {
		t.Errorf("a drained queue is still reported: %+v", got)
	}
	for range backlogSamples + 1 {
		got = step(2000, 10)
	}
	if len(got) != 1 {
		t.Errorf("a queue growing again is not reported again: %+v", got)
	}
}

// TestFinalizerBacklog fills the finalizer queue faster than its slow
// finalizers run: the agent reports the queue as growing, with the slow
// finalizer's stack.
func TestFinalizerBacklog(t *testing.T) {
	startAgent(t, Options{Interval: 50 * time.Millisecond, ProvenInterval: -1})
	var fast atomic.Bool
	stop := make(chan struct{})
	done := make(chan struct{})
	t.Cleanup(func() {
		close(stop)
		<-done
		fast.Store(true) // drain what is queued at once
	})
	go func() {
		defer close(done)
		for i := 0; i < 200; i++ { // at most 200 rounds of 2,000 finalizers
			select {
			case <-stop:
				return
			case <-time.After(20 * time.Millisecond):
			}
			for range 2000 {
				p := new([16]byte)
				runtime.SetFinalizer(p, slowFinalizer(&fast))
			}
			runtime.GC()
		}
	}()
	srv := httptest.NewServer(Handler())
	defer srv.Close()
	var body string
	waitFor(t, "a backlog finding", func() bool {
		_, body = get(t, srv, "/report.json")
		return strings.Contains(body, `"reason": "backlog"`)
	})
	for _, want := range []string{`"resource": "finalizer"`, "the finalizer queue keeps growing", "finalizers queued; the queue grew at each of 4 samples"} {
		if !strings.Contains(body, want) {
			t.Errorf("report lacks %s:\n%s", want, body)
		}
	}
}

// slowFinalizer returns a finalizer that takes a millisecond until fast is set.
func slowFinalizer(fast *atomic.Bool) func(*[16]byte) {
	return func(*[16]byte) {
		if !fast.Load() {
			time.Sleep(time.Millisecond)
		}
	}
}
