package track

import (
	"fmt"
	"runtime"
	"runtime/metrics"
	"slices"
	"strings"
	"time"

	"github.com/leakhound/leakhound"
	"github.com/leakhound/leakhound/internal/stack"
)

// Finalizer checks: all finalizers run on one goroutine, so one that blocks
// stalls every later finalizer, and with them every GC-driven Close; one
// that is merely slow lets the queue grow without bound.
const (
	metricQueued   = "/gc/finalizers/queued:finalizers"
	metricExecuted = "/gc/finalizers/executed:finalizers"
	// finalizerGap and finalizerConfirm: the finalizer goroutine is called
	// blocked when it sits in the same finalizer at the same wait in every
	// sample, finalizerGap apart, for finalizerConfirm.
	finalizerGap     = 30 * time.Millisecond
	finalizerConfirm = 500 * time.Millisecond

	reasonBlocked = "blocked"
	reasonBacklog = "backlog"
)

// A queue of functions the runtime runs for the garbage collector, watched
// for a backlog that keeps growing.
type queue struct {
	name             string // "finalizer"
	queued, executed string // runtime/metrics counters
	runners          []string
}

var queues = []queue{
	{"finalizer", metricQueued, metricExecuted, []string{"runtime.runFinalizers", "runtime.runfinq"}},
	{"cleanup", "/gc/cleanups/queued:cleanups", "/gc/cleanups/executed:cleanups", []string{"runtime.runCleanups"}},
}

// The queues are sampled every queueTick. A queue whose backlog (queued but
// not yet run) grew at each of queueTicks samples in a row, reached
// backlogFloor, and whose functions did run meanwhile (else it is blocked,
// reported at exit), is filled faster than it drains: it is reported once.
const (
	queueTick    = 200 * time.Millisecond
	queueTicks   = 5
	backlogFloor = 1000
)

// queueWatch is the state of the backlog check of every queue.
type queueWatch struct {
	states [2]backlogState // by index in queues
}

// backlogState follows the backlog of one queue.
type backlogState struct {
	seen     bool
	last     uint64 // backlog at the last sample
	streak   int    // samples in a row at which it grew
	startRan uint64 // executed count when the streak started
	reported bool
}

// observe takes one sample of the queue's counters and reports whether the
// queue now counts as growing without bound (once).
func (s *backlogState) observe(queued, executed uint64) bool {
	backlog := uint64(0)
	if queued > executed {
		backlog = queued - executed
	}
	if s.seen && backlog > s.last {
		s.streak++
	} else {
		s.streak, s.startRan = 0, executed
	}
	s.seen, s.last = true, backlog
	if s.reported || s.streak < queueTicks || backlog < backlogFloor || executed == s.startRan {
		return false
	}
	s.reported = true
	return true
}

// watchQueues samples the queues every queueTick until the program exits,
// on a timer: no goroutine of the tracker waits between samples.
func (t *tracker) watchQueues() {
	time.AfterFunc(queueTick, t.sampleQueues)
}

func (t *tracker) sampleQueues() {
	t.mu.Lock()
	done := t.done
	t.mu.Unlock()
	if done {
		return
	}
	for i, q := range queues {
		queued, executed, ok := counters(q)
		if ok && t.queue.states[i].observe(queued, executed) {
			t.found(backlogFinding(q, queued-executed, executed-t.queue.states[i].startRan))
		}
	}
	time.AfterFunc(queueTick, t.sampleQueues)
}

// backlogFinding describes queue q growing, with the stack of the function
// it runs now (the slow one), when the runtime shows it.
func backlogFinding(q queue, backlog, ran uint64) leakhound.Finding {
	stk := []leakhound.Frame{}
	wait := ""
	if g := queueGoroutine(q.runners); g != nil {
		stk, wait = frames(g.Frames), g.State
	}
	f := leakhound.Finding{
		Kind:      leakhound.KindFinalizer,
		Certainty: leakhound.Suspected,
		Reason:    reasonBacklog,
		Resource:  q.name,
		Count:     1,
		Message:   fmt.Sprintf("the %[1]s queue keeps growing: %[1]ss are queued faster than they run, so every later one (and every Close the garbage collector would do) waits longer and longer; make %[1]ss quick and move slow work elsewhere", q.name),
		Wait:      wait,
		Detail:    fmt.Sprintf("%d %ss queued; the queue grew at each of %d samples %v apart while %d ran", backlog, q.name, queueTicks+1, queueTick, ran),
		Stack:     stk,
		Origin:    []leakhound.Frame{},
	}
	f.ID = leakhound.FindingID(f.Kind, f.Reason, stk)
	return f
}

// finalizerFindings reports the finalizer goroutine when it stays blocked
// inside a finalizer (the metrics count the running one as queued): at the
// same wait in the same finalizer, with no finalizer completing, for
// finalizerConfirm. The runtime counts finalizers as run a block of about a
// hundred at a time, so a finalizer slower than finalizerConfirm/100 that
// runs again and again looks blocked too.
func finalizerFindings() []leakhound.Finding {
	var last *stack.Goroutine
	var backlog, ran uint64
	start := time.Now()
	for i := 0; i == 0 || time.Since(start) < finalizerConfirm; i++ {
		if i > 0 {
			time.Sleep(finalizerGap)
		}
		g := queueGoroutine(queues[0].runners)
		if g == nil || !isBlockingWait(g.State) || (last != nil && (g.State != last.State || framesText(g) != framesText(last))) {
			return nil
		}
		queued, executed, ok := counters(queues[0])
		if !ok || queued <= executed || (last != nil && executed != ran) {
			return nil // nothing queued, or finalizers ran: slow, not blocked
		}
		last, backlog, ran = g, queued-executed, executed
	}
	stk := frames(last.Frames)
	f := leakhound.Finding{
		Kind:      leakhound.KindFinalizer,
		Certainty: leakhound.Suspected,
		Reason:    reasonBlocked,
		Resource:  "finalizer",
		Count:     1,
		Message:   "a finalizer is blocked, so every later finalizer (and every Close the garbage collector would do) waits behind it; make the finalizer return quickly, or use runtime.AddCleanup",
		Wait:      last.State,
		Detail:    fmt.Sprintf("%d finalizer(s) queued behind it", backlog-1),
		Stack:     stk,
		Origin:    []leakhound.Frame{},
	}
	f.ID = leakhound.FindingID(f.Kind, f.Reason, stk)
	return []leakhound.Finding{f}
}

// queueGoroutine returns a goroutine whose outermost function is one of
// runners while it runs a finalizer or cleanup (the runtime shows these
// goroutines in dumps only then), or nil.
func queueGoroutine(runners []string) *stack.Goroutine {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) || len(buf) >= 64<<20 {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	d, err := stack.ParseDump(buf)
	if err != nil {
		return nil
	}
	for i, g := range d.Goroutines {
		if n := len(g.Frames); n > 1 && slices.Contains(runners, g.Frames[n-1].Func) {
			return &d.Goroutines[i]
		}
	}
	return nil
}

// counters reads how many functions were queued on q and how many ran; ok
// is false when this Go has no such metrics.
func counters(q queue) (queued, executed uint64, ok bool) {
	s := []metrics.Sample{{Name: q.queued}, {Name: q.executed}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 || s[1].Value.Kind() != metrics.KindUint64 {
		return 0, 0, false
	}
	return s[0].Value.Uint64(), s[1].Value.Uint64(), true
}

// isBlockingWait reports whether a goroutine state is a wait that only
// another goroutine (or the outside world) can end.
func isBlockingWait(state string) bool {
	return state != "running" && state != "runnable" && state != "syscall" && state != ""
}

func frames(fs []stack.Frame) []leakhound.Frame {
	out := make([]leakhound.Frame, 0, len(fs))
	for _, f := range fs {
		out = append(out, leakhound.Frame{Func: f.Func, File: f.File, Line: f.Line})
	}
	return out
}

func framesText(g *stack.Goroutine) string {
	var b strings.Builder
	for _, f := range g.Frames {
		fmt.Fprintf(&b, "%s:%d\n", f.Func, f.Line)
	}
	return b.String()
}
