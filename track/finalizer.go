package track

import (
	"time"

	"github.com/leakhound/leakhound/internal/gcqueue"
	"github.com/leakhound/leakhound/internal/stack"
	"github.com/leakhound/leakhound/internal/verdict"
	"github.com/leakhound/leakhound/report"
)

// Finalizer checks: all finalizers run on one goroutine, so one that blocks
// stalls every later finalizer, and with them every GC-driven Close; one
// that is merely slow lets the queue grow without bound.
const (
	// finalizerGap and finalizerConfirm: the finalizer goroutine is called
	// blocked when it sits in the same finalizer at the same wait in every
	// sample, finalizerGap apart, for finalizerConfirm.
	finalizerGap     = 30 * time.Millisecond
	finalizerConfirm = 500 * time.Millisecond
)

// The queues are sampled every watchTick. A queue whose backlog grew at each
// of queueTicks samples in a row, reached backlogFloor, and whose functions
// did run meanwhile (else it is blocked, reported at exit), is filled faster
// than it drains: it is reported once.
const (
	queueTicks   = 5
	backlogFloor = 1000
)

// queueWatch is the state of the backlog check of every queue.
type queueWatch struct {
	growth []gcqueue.Growth // by index in gcqueue.All
}

func (q *queueWatch) init() {
	q.growth = make([]gcqueue.Growth, len(gcqueue.All))
	for i := range q.growth {
		q.growth[i] = gcqueue.Growth{Samples: queueTicks, Floor: backlogFloor}
	}
}

// sampleQueues samples the queues once (from the tracker's watch loop).
func (t *tracker) sampleQueues() {
	for i, q := range gcqueue.All {
		queued, executed, ok := q.Counters()
		if ok && t.queue.growth[i].Observe(queued, executed) {
			t.found(0, gcqueue.BacklogFinding(q, &t.queue.growth[i], executed, watchTick, queueGoroutine(q)))
		}
	}
}

// finalizerFindings reports the finalizer goroutine when it stays blocked
// inside a finalizer (the metrics count the running one as queued): at the
// same wait in the same finalizer, with no finalizer completing, for
// finalizerConfirm. The runtime counts finalizers as run a block of about a
// hundred at a time, so a finalizer slower than finalizerConfirm/100 that
// runs again and again looks blocked too.
func finalizerFindings() []report.Finding {
	var stall gcqueue.Stall
	start := time.Now()
	for samples := 1; ; samples++ {
		g := queueGoroutine(gcqueue.Finalizers)
		queued, executed, ok := gcqueue.Finalizers.Counters()
		if !ok || queued <= executed || stall.Observe(time.Now(), g, executed) < samples {
			// Not in a finalizer, nothing queued, or the streak broke:
			// another wait or finalizer, or finalizers ran (slow, not blocked).
			return nil
		}
		if time.Since(start) >= finalizerConfirm {
			return []report.Finding{stall.Finding(queued-executed, time.Time{})}
		}
		time.Sleep(finalizerGap)
	}
}

// queueGoroutine returns the goroutine draining q while it runs a function
// of it (the runtime shows these goroutines in dumps only then), or nil.
func queueGoroutine(q gcqueue.Queue) *stack.Goroutine {
	d, err := verdict.Dump()
	if err != nil {
		return nil
	}
	for i, g := range d.Goroutines {
		if q.IsRunner(g.Frames) {
			return &d.Goroutines[i]
		}
	}
	return nil
}
