// Package gcqueue watches the runtime's queues of functions run on behalf of
// the garbage collector: finalizers (runtime.SetFinalizer) and cleanups
// (runtime.AddCleanup). Each queue is drained by a goroutine of its own, so
// one function that blocks stalls every later one, and with them every
// Close the collector would do; one that is merely slow lets the queue grow
// without bound. The tracker of leakhound run and test and the production
// agent both use it.
package gcqueue

import (
	"fmt"
	"runtime/metrics"
	"slices"
	"time"

	"github.com/leakhound/leakhound/internal/stack"
	"github.com/leakhound/leakhound/report"
)

// Queue is one of the runtime's queues.
type Queue struct {
	// Name is what the queue holds: "finalizer" or "cleanup".
	Name string
	// Queued and Executed are the runtime/metrics counters of functions
	// queued and run (the running one still counts as queued).
	Queued, Executed string
	// Runners are the outermost functions of the goroutines that drain the
	// queue (the runtime shows them in dumps only while they run one).
	Runners []string
}

// The queues of Go 1.26 and 1.27.
var (
	Finalizers = Queue{"finalizer", "/gc/finalizers/queued:finalizers", "/gc/finalizers/executed:finalizers", []string{"runtime.runFinalizers", "runtime.runfinq"}}
	Cleanups   = Queue{"cleanup", "/gc/cleanups/queued:cleanups", "/gc/cleanups/executed:cleanups", []string{"runtime.runCleanups"}}
	All        = []Queue{Finalizers, Cleanups}
)

// Counters reads how many functions were queued on q and how many ran; ok
// is false when this Go has no such metrics.
func (q Queue) Counters() (queued, executed uint64, ok bool) {
	s := []metrics.Sample{{Name: q.Queued}, {Name: q.Executed}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 || s[1].Value.Kind() != metrics.KindUint64 {
		return 0, 0, false
	}
	return s[0].Value.Uint64(), s[1].Value.Uint64(), true
}

// IsRunner reports whether frames (innermost first) are those of a
// goroutine draining q.
func (q Queue) IsRunner(frames []stack.Frame) bool {
	n := len(frames)
	return n > 1 && slices.Contains(q.Runners, frames[n-1].Func)
}

// Growth follows the backlog (queued but not yet run) of one queue, sample
// after sample, to tell a queue filled faster than it drains.
type Growth struct {
	// Samples is how many samples in a row the backlog must grow at.
	Samples int
	// Floor is the least backlog reported.
	Floor uint64

	seen     bool
	last     uint64 // backlog at the last sample
	streak   int    // samples in a row at which it grew
	startRan uint64 // executed count when the streak started
	reported bool
}

// Observe takes one sample of the queue's counters and reports, once, that
// the queue grows without bound: its backlog grew at each of g.Samples
// samples in a row, reached g.Floor, and functions did run meanwhile (a
// queue that does not drain at all is blocked, a finding of its own).
func (g *Growth) Observe(queued, executed uint64) bool {
	backlog := uint64(0)
	if queued > executed {
		backlog = queued - executed
	}
	if g.seen && backlog > g.last {
		g.streak++
	} else {
		g.streak, g.startRan = 0, executed
	}
	g.seen, g.last = true, backlog
	if g.reported || g.streak < g.Samples || backlog < g.Floor || executed == g.startRan {
		return false
	}
	g.reported = true
	return true
}

// Reset forgets what g observed, keeping its settings, so that a queue that
// drained can be reported again when it grows again.
func (g *Growth) Reset() {
	*g = Growth{Samples: g.Samples, Floor: g.Floor}
}

// Backlog returns the backlog at the last sample and how many functions ran
// since the backlog started growing.
func (g *Growth) Backlog(executed uint64) (backlog, ran uint64) {
	return g.last, executed - g.startRan
}

// BacklogFinding describes q growing without bound after g reported it,
// with the stack and wait of runner, the goroutine draining q (the slow
// function is the one it runs now), or none when the dump did not show it
// (nil).
func BacklogFinding(q Queue, g *Growth, executed uint64, every time.Duration, runner *stack.Goroutine) report.Finding {
	backlog, ran := g.Backlog(executed)
	stk, wait := []report.Frame{}, ""
	if runner != nil {
		stk, wait = stack.ReportFrames(runner.Frames), runner.State
	}
	f := report.Finding{
		Kind:      report.KindFinalizer,
		Certainty: report.Suspected,
		Reason:    report.ReasonBacklog,
		Resource:  q.Name,
		Count:     1,
		Message:   fmt.Sprintf("the %[1]s queue keeps growing: %[1]ss are queued faster than they run, so every later one (and every Close the garbage collector would do) waits longer and longer; make %[1]ss quick and move slow work elsewhere", q.Name),
		Wait:      wait,
		Detail:    fmt.Sprintf("%d %ss queued; the queue grew at each of %d samples %v apart while %d ran", backlog, q.Name, g.Samples+1, every, ran),
		Stack:     stk,
		Origin:    []report.Frame{},
	}
	f.ID = report.FindingID(f.Kind, f.Reason, stk)
	return f
}
