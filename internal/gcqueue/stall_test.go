package gcqueue

import (
	"testing"
	"time"

	"github.com/leakhound/leakhound/internal/stack"
	"github.com/leakhound/leakhound/report"
)

func TestStallObserve(t *testing.T) {
	frames := []stack.Frame{{Func: "main.fin", File: "/src/main.go", Line: 3}, {Func: "runtime.runFinalizers", Line: 9}}
	blocked := &stack.Goroutine{State: "chan receive", Frames: frames}
	moved := &stack.Goroutine{State: "chan receive", Frames: []stack.Frame{{Func: "main.fin", Line: 4}, frames[1]}}
	otherWait := &stack.Goroutine{State: "select", Frames: frames}
	running := &stack.Goroutine{State: "running", Frames: frames}
	type step struct {
		g        *stack.Goroutine
		executed uint64
	}
	tests := []struct {
		name  string
		steps []step
		want  []int
	}{
		{"blocked", []step{{blocked, 4}, {blocked, 4}, {blocked, 4}}, []int{1, 2, 3}},
		{"a finalizer ran", []step{{blocked, 4}, {blocked, 5}, {blocked, 5}}, []int{1, 1, 2}},
		{"running", []step{{running, 4}, {running, 4}}, []int{0, 0}},
		{"not shown", []step{{blocked, 4}, {nil, 4}, {blocked, 4}}, []int{1, 0, 1}},
		{"another line", []step{{blocked, 4}, {moved, 4}, {moved, 4}}, []int{1, 1, 2}},
		{"another wait", []step{{blocked, 4}, {otherWait, 4}}, []int{1, 1}},
		{"unknown wait", []step{{&stack.Goroutine{Frames: frames}, 4}}, []int{0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var s Stall
			for i, st := range tt.steps {
				if got := s.Observe(time.Unix(int64(i), 0), st.g, st.executed); got != tt.want[i] {
					t.Errorf("sample %d: Observe = %d, want %d", i, got, tt.want[i])
				}
			}
		})
	}
}

func TestStallFinding(t *testing.T) {
	g := &stack.Goroutine{State: "chan receive", Waiting: 2 * time.Minute, Frames: []stack.Frame{{Func: "main.fin", File: "/src/main.go", Line: 3}, {Func: "runtime.runFinalizers", Line: 9}}}
	t0 := time.Unix(0, 0)
	tests := []struct {
		name        string
		now         time.Time
		wantMessage string
		wantDetail  string
	}{
		{
			name:        "confirmed once",
			wantMessage: "a finalizer is blocked, so every later finalizer (and every Close the garbage collector would do) waits behind it; make the finalizer return quickly, or use runtime.AddCleanup",
			wantDetail:  "5 finalizer(s) queued behind it",
		},
		{
			name:        "watched",
			now:         t0.Add(3 * time.Minute),
			wantMessage: "the finalizer goroutine has waited in chan receive for 3m0s: every later finalizer, and every Close the garbage collector would do, waits behind it; make the finalizer return quickly, or use runtime.AddCleanup",
			wantDetail:  "5 finalizer(s) queued behind it; no finalizer ran in 3 samples",
		},
		{
			name:        "waiting longer than watched",
			now:         t0.Add(time.Minute + 400*time.Millisecond),
			wantMessage: "the finalizer goroutine has waited in chan receive for 2m0s: every later finalizer, and every Close the garbage collector would do, waits behind it; make the finalizer return quickly, or use runtime.AddCleanup",
			wantDetail:  "5 finalizer(s) queued behind it; no finalizer ran in 3 samples",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var s Stall
			for i := range 3 {
				s.Observe(t0.Add(time.Duration(i)*time.Second), g, 4)
			}
			f := s.Finding(6, tt.now)
			if f.Message != tt.wantMessage || f.Detail != tt.wantDetail {
				t.Errorf("message %q\ndetail %q\nwant %q\n%q", f.Message, f.Detail, tt.wantMessage, tt.wantDetail)
			}
			stk := []report.Frame{{Func: "main.fin", File: "/src/main.go", Line: 3}, {Func: "runtime.runFinalizers", Line: 9}}
			if f.Kind != report.KindFinalizer || f.Certainty != report.Suspected || f.Reason != "blocked" || f.Resource != "finalizer" ||
				f.Count != 1 || f.Wait != "chan receive" || len(f.Stack) != 2 || f.Stack[0] != stk[0] || f.Origin == nil ||
				f.ID != report.FindingID(report.KindFinalizer, "blocked", stk) {
				t.Errorf("finding = %+v", f)
			}
		})
	}
}

func TestBacklogFinding(t *testing.T) {
	g := Growth{Samples: 3, Floor: 10}
	for i := range uint64(5) {
		g.Observe(100*(i+1), 10*(i+1))
	}
	runner := &stack.Goroutine{State: "sleep", Frames: []stack.Frame{{Func: "main.slow", File: "/src/main.go", Line: 7}, {Func: "runtime.runFinalizers", Line: 9}}}
	for _, tt := range []struct {
		name      string
		runner    *stack.Goroutine
		wantWait  string
		wantStack int
	}{
		{"runner shown", runner, "sleep", 2},
		{"runner not shown", nil, "", 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := BacklogFinding(Finalizers, &g, 50, time.Second, tt.runner)
			if f.Reason != "backlog" || f.Resource != "finalizer" || f.Wait != tt.wantWait || f.Stack == nil || len(f.Stack) != tt.wantStack ||
				f.Detail != "450 finalizers queued; the queue grew at each of 4 samples 1s apart while 40 ran" {
				t.Errorf("finding = %+v", f)
			}
		})
	}
}
