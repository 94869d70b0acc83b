package agent

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/leakhound/leakhound"
	"github.com/leakhound/leakhound/internal/inspect"
	"github.com/leakhound/leakhound/internal/stack"
)

// All finalizers run on one goroutine, so one finalizer that blocks stalls
// every later finalizer, and with them every Close the garbage collector
// would do. The runtime shows that goroutine in dumps only while it runs a
// finalizer; finalizerWatch follows it from sample to sample.
type finalizerWatch struct {
	key      string    // wait and stack of the finalizer it runs; "" when none blocks
	since    time.Time // first sample that saw key
	samples  int       // consecutive samples that saw key with no finalizer run between
	executed uint64    // /gc/finalizers/executed at the latest sample
	g        *stack.Goroutine
}

// stalledSamples is how many consecutive samples must see the finalizer
// goroutine in one wait, with no finalizer run between them, to report it.
const stalledSamples = 3

// isFinalizerGoroutine reports whether frames (innermost first) are those of
// the runtime's finalizer goroutine: runtime.runFinalizers at the bottom
// (runtime.runfinq before Go 1.25).
func isFinalizerGoroutine(frames []stack.Frame) bool {
	n := len(frames)
	return n > 1 && (frames[n-1].Func == "runtime.runFinalizers" || frames[n-1].Func == "runtime.runfinq")
}

// observe updates the watch with one sample: the finalizer goroutine as the
// dump showed it (nil when it ran no finalizer) and the queue counters.
func (w *finalizerWatch) observe(now time.Time, g *stack.Goroutine, fc finalizerCounters) {
	key := ""
	if g != nil && isStuckState(g.State) {
		var b strings.Builder
		b.WriteString(g.State)
		for _, f := range g.Frames {
			b.WriteString("\n" + f.Func + ":" + strconv.Itoa(f.Line))
		}
		key = b.String()
	}
	if key == "" || key != w.key || fc.finExecuted != w.executed {
		*w = finalizerWatch{key: key, since: now, executed: fc.finExecuted, g: g}
		if key != "" {
			w.samples = 1
		}
		return
	}
	w.samples++
}

// isStuckState reports whether a goroutine in this state waits for
// something else (another goroutine, a timer, I/O) rather than running.
func isStuckState(state string) bool {
	return state != "" && state != "running" && state != "runnable" && state != "syscall"
}

// finding returns the finalizer finding of the latest sample, or nil when
// the finalizer goroutine is not stalled behind a queue.
func (w *finalizerWatch) finding(now time.Time, fc finalizerCounters) *leakhound.Finding {
	backlog := int64(fc.finQueued) - int64(fc.finExecuted) // the running finalizer counts as queued
	if w.samples < stalledSamples || backlog < 1 {
		return nil
	}
	stuck := max(now.Sub(w.since), w.g.Waiting).Round(time.Second)
	stk := inspect.ReportFrames(w.g.Frames)
	f := &leakhound.Finding{
		Kind:      leakhound.KindFinalizer,
		Certainty: leakhound.Suspected,
		Reason:    "blocked",
		Resource:  "finalizer",
		Count:     1,
		Message: fmt.Sprintf("the finalizer goroutine has waited in %s for %s: every later finalizer, and every Close the garbage collector would do, waits behind it; make the finalizer return quickly, or use runtime.AddCleanup",
			w.g.State, stuck),
		Wait:   w.g.State,
		Detail: fmt.Sprintf("%d finalizer(s) queued behind it; no finalizer ran in %d samples", backlog-1, w.samples),
		Stack:  stk,
		Origin: []leakhound.Frame{},
	}
	f.ID = leakhound.FindingID(f.Kind, f.Reason, stk)
	return f
}
