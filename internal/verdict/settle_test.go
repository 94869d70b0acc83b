package verdict

import (
	"strings"
	"testing"
	"time"

	"github.com/leakhound/leakhound/internal/stack"
)

func parked(id int64, state string, frames ...string) stack.Goroutine {
	g := stack.Goroutine{ID: id, State: state}
	for i, f := range frames {
		g.Frames = append(g.Frames, stack.Frame{Func: f, File: "x.go", Line: 10 + i})
	}
	return g
}

// TestSettled follows goroutines over successive looks and checks when the
// wait may end.
func TestSettled(t *testing.T) {
	const d = 100 * time.Millisecond
	t0 := time.Unix(1000, 0)
	type look struct {
		at   time.Duration // since t0
		gs   []stack.Goroutine
		want bool
	}
	tests := []struct {
		name  string
		looks []look
	}{
		{"parked long enough", []look{
			{0, []stack.Goroutine{parked(1, "chan receive", "main.worker")}, false},
			{50 * time.Millisecond, []stack.Goroutine{parked(1, "chan receive", "main.worker")}, false},
			{d, []stack.Goroutine{parked(1, "chan receive", "main.worker")}, true},
		}},
		{"moved to another wait", []look{
			{0, []stack.Goroutine{parked(1, "chan receive", "main.worker")}, false},
			{d, []stack.Goroutine{parked(1, "select", "main.worker")}, false},
			{2 * d, []stack.Goroutine{parked(1, "select", "main.worker")}, true},
		}},
		{"moved to another stack", []look{
			{0, []stack.Goroutine{parked(1, "chan receive", "main.a", "main.worker")}, false},
			{d, []stack.Goroutine{parked(1, "chan receive", "main.b", "main.worker")}, false},
		}},
		{"a new goroutine restarts the clock", []look{
			{0, []stack.Goroutine{parked(1, "IO wait", "net.read")}, false},
			{d, []stack.Goroutine{parked(1, "IO wait", "net.read"), parked(2, "semacquire", "main.lock")}, false},
			{2 * d, []stack.Goroutine{parked(1, "IO wait", "net.read"), parked(2, "semacquire", "main.lock")}, true},
		}},
		{"sleeping never settles", []look{
			{0, []stack.Goroutine{parked(1, "sleep", "time.Sleep")}, false},
			{10 * d, []stack.Goroutine{parked(1, "sleep", "time.Sleep")}, false},
		}},
		{"runnable never settles", []look{
			{0, []stack.Goroutine{parked(1, "runnable", "main.spin")}, false},
			{10 * d, []stack.Goroutine{parked(1, "runnable", "main.spin")}, false},
		}},
		{"a loop back to the same wait keeps the clock", []look{
			{0, []stack.Goroutine{parked(1, "select", "main.tick")}, false},
			{d / 2, []stack.Goroutine{parked(1, "running", "main.work", "main.tick")}, false},
			{d, []stack.Goroutine{parked(1, "running", "main.work", "main.tick")}, false},
			{d + 1, []stack.Goroutine{parked(1, "select", "main.tick")}, true},
		}},
		{"blocking system call", []look{
			{0, []stack.Goroutine{parked(1, "syscall", "syscall.Syscall")}, false},
			{d, []stack.Goroutine{parked(1, "syscall", "syscall.Syscall")}, true},
		}},
		{"proven leaks are not waited for", []look{
			{0, []stack.Goroutine{{ID: 1, State: "sleep", Leaked: true}, parked(2, "chan send", "main.send")}, false},
			{d, []stack.Goroutine{{ID: 1, State: "sleep", Leaked: true}, parked(2, "chan send", "main.send")}, true},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var s settling
			for i, l := range tt.looks {
				if got := s.settled(l.gs, d, t0.Add(l.at)); got != l.want {
					t.Errorf("look %d at +%v: settled = %v, want %v", i, l.at, got, l.want)
				}
			}
		})
	}
}

// blockedForGood is reachable from a global, so the collector cannot prove
// a goroutine waiting on it leaked.
var blockedForGood = make(chan struct{})

// TestRunEndsWhenSettled checks that a verdict with Settle reports a
// goroutine parked for good long before MaxWait, and a sleeping one only at
// MaxWait.
func TestRunEndsWhenSettled(t *testing.T) {
	tests := []struct {
		name    string
		body    func(stop <-chan struct{})
		maxWait time.Duration
		early   bool   // the verdict must end before half of maxWait
		message string // the finding's message says why it ended
	}{
		{"parked", func(stop <-chan struct{}) {
			select {
			case <-blockedForGood:
			case <-stop:
			}
		}, 10 * time.Second, true, "parked at the same stack for 100ms"},
		{"sleeping", func(stop <-chan struct{}) {
			for {
				select {
				case <-stop:
					return
				default:
					time.Sleep(time.Millisecond)
				}
			}
		}, 500 * time.Millisecond, false, "still running 500ms after the end"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stop := make(chan struct{})
			defer close(stop)
			ids := make(chan int64, 1)
			go func() {
				ids <- CurrentGoroutineID()
				tt.body(stop)
			}()
			id := <-ids
			owned := func() map[int64]bool { return map[int64]bool{id: true} }
			o := &Options{MaxWait: tt.maxWait, Settle: 100 * time.Millisecond}
			start := time.Now()
			r, _, err := Run(o, Scope{Owned: owned, Self: CurrentGoroutineID(), Mode: "test"})
			took := time.Since(start)
			if err != nil {
				t.Fatal(err)
			}
			if len(r.Findings) != 1 {
				t.Fatalf("%d findings, want the goroutine: %v", len(r.Findings), r.Err())
			}
			if msg := r.Findings[0].Message; !strings.Contains(msg, tt.message) {
				t.Errorf("message %q, want it to contain %q", msg, tt.message)
			}
			if early := took < tt.maxWait/2; early != tt.early {
				t.Errorf("verdict took %v of MaxWait %v: ended early = %v, want %v", took, tt.maxWait, early, tt.early)
			}
		})
	}
}
