package agent

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/leakhound/leakhound"
	"github.com/leakhound/leakhound/internal/gcqueue"
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

// observe updates the watch with one sample: the finalizer goroutine as the
// dump showed it (nil when it ran no finalizer) and the queue counters.
func (w *finalizerWatch) observe(now time.Time, g *stack.Goroutine, fc finalizerCounters) {
	key := ""
	if g != nil && stack.ClassifyWait(g.State).Parked() {
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

// backlogSamples is how many samples in a row a queue's backlog must grow at
// to be reported, and backlogFloor the least backlog reported.
const (
	backlogSamples = 3
	backlogFloor   = 1000
)

// backlogWatch follows the growth of the finalizer and cleanup queues.
type backlogWatch struct {
	growth   []gcqueue.Growth     // by index in gcqueue.All
	findings []*leakhound.Finding // the queues growing now, by index in gcqueue.All
}

func newBacklogWatch() backlogWatch {
	w := backlogWatch{growth: make([]gcqueue.Growth, len(gcqueue.All)), findings: make([]*leakhound.Finding, len(gcqueue.All))}
	for i := range w.growth {
		w.growth[i] = gcqueue.Growth{Samples: backlogSamples, Floor: backlogFloor}
	}
	return w
}

// observe updates the watch with one sample of the queues' counters (by
// index in gcqueue.All) and the goroutines draining them, nil when the
// sample did not show them. A queue reported as growing stays in the report
// until its backlog falls below the floor.
func (w *backlogWatch) observe(counts [][2]uint64, runners []*stack.Goroutine, every time.Duration) {
	for i, q := range gcqueue.All {
		queued, executed := counts[i][0], counts[i][1]
		g := &w.growth[i]
		if g.Observe(queued, executed) {
			var stk []leakhound.Frame
			wait := ""
			if r := runners[i]; r != nil {
				stk, wait = inspect.ReportFrames(r.Frames), r.State
			}
			f := gcqueue.BacklogFinding(q, g, executed, every, stk, wait)
			w.findings[i] = &f
		}
		if w.findings[i] != nil && queued < executed+backlogFloor {
			g.Reset() // drained: report it again if it grows again
			w.findings[i] = nil
		}
	}
}

// current returns the findings of the queues growing now.
func (w *backlogWatch) current() []leakhound.Finding {
	var out []leakhound.Finding
	for _, f := range w.findings {
		if f != nil {
			out = append(out, *f)
		}
	}
	return out
}
