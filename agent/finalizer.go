package agent

import (
	"time"

	"github.com/leakhound/leakhound/internal/gcqueue"
	"github.com/leakhound/leakhound/internal/stack"
	"github.com/leakhound/leakhound/report"
)

// stalledSamples is how many consecutive samples must see the finalizer
// goroutine in one wait, with no finalizer run between them, to report it.
const stalledSamples = 3

// finalizerFinding follows the finalizer goroutine with w, sample after
// sample (the runtime shows it in dumps only while it runs a finalizer),
// and returns the finding of the latest sample, or nil when the goroutine
// is not stalled behind a queue. g is the goroutine as the sample showed
// it, nil when it did not.
func finalizerFinding(w *gcqueue.Stall, now time.Time, g *stack.Goroutine, fc finalizerCounters) *report.Finding {
	// The running finalizer counts as queued: with none queued, none blocks.
	if w.Observe(now, g, fc.finExecuted) < stalledSamples || fc.finQueued <= fc.finExecuted {
		return nil
	}
	f := w.Finding(fc.finQueued-fc.finExecuted, now)
	return &f
}

// backlogSamples is how many samples in a row a queue's backlog must grow at
// to be reported, and backlogFloor the least backlog reported.
const (
	backlogSamples = 3
	backlogFloor   = 1000
)

// backlogWatch follows the growth of the finalizer and cleanup queues.
type backlogWatch struct {
	growth   []gcqueue.Growth  // by index in gcqueue.All
	findings []*report.Finding // the queues growing now, by index in gcqueue.All
}

func newBacklogWatch() backlogWatch {
	w := backlogWatch{growth: make([]gcqueue.Growth, len(gcqueue.All)), findings: make([]*report.Finding, len(gcqueue.All))}
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
			f := gcqueue.BacklogFinding(q, g, executed, every, runners[i])
			w.findings[i] = &f
		}
		if w.findings[i] != nil && queued < executed+backlogFloor {
			g.Reset() // drained: report it again if it grows again
			w.findings[i] = nil
		}
	}
}

// current returns the findings of the queues growing now.
func (w *backlogWatch) current() []report.Finding {
	var out []report.Finding
	for _, f := range w.findings {
		if f != nil {
			out = append(out, *f)
		}
	}
	return out
}
