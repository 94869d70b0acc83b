package gcqueue

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/leakhound/leakhound/internal/stack"
	"github.com/leakhound/leakhound/report"
)

// Stall follows the goroutine draining a queue, sample after sample, to
// tell one blocked inside a function of the queue from one that is merely
// busy: a blocked one shows the same wait in the same function at every
// sample, and no function of the queue completes meanwhile. The zero Stall
// has seen nothing.
type Stall struct {
	key      string           // wait and frames of g; "" when it was not parked
	g        *stack.Goroutine // as the first sample of the streak showed it
	since    time.Time        // when that sample was taken
	samples  int              // samples in a row that saw key, none run between
	executed uint64           // the queue's executed counter at the latest sample
}

// Observe takes one sample: the goroutine draining the queue as a dump
// showed it (nil when the dump did not show it: the runtime hides it while
// it runs no function) and the queue's executed counter. It returns how
// many samples in a row, this one included, saw the goroutine parked at the
// same wait in the same functions and lines with no function of the queue
// completed between them; 0 when this sample did not see it parked.
func (s *Stall) Observe(now time.Time, g *stack.Goroutine, executed uint64) int {
	key := ""
	if g != nil && stack.ClassifyWait(g.State).Parked() {
		key = stallKey(g)
	}
	if key == "" || key != s.key || executed != s.executed {
		*s = Stall{key: key, g: g, since: now, executed: executed}
		if key != "" {
			s.samples = 1
		}
		return s.samples
	}
	s.samples++
	return s.samples
}

// stallKey is the wait of g and the function and line of each frame.
func stallKey(g *stack.Goroutine) string {
	var b strings.Builder
	b.WriteString(g.State)
	for _, f := range g.Frames {
		b.WriteString("\n" + f.Func + ":" + strconv.Itoa(f.Line))
	}
	return b.String()
}

// Finding describes the finalizer goroutine blocked as s saw it, with
// backlog finalizers queued (the blocked one included, since the runtime
// counts the running finalizer as queued). now is when the finding is made:
// the finding says for how long the goroutine has waited and over how many
// samples no finalizer ran. A zero now leaves both out, for a check that
// confirms a stall once, over a short time (the tracker's, at exit).
// Finding is meant for after Observe saw the goroutine parked.
func (s *Stall) Finding(backlog uint64, now time.Time) report.Finding {
	const advice = "make the finalizer return quickly, or use runtime.AddCleanup"
	msg := "a finalizer is blocked, so every later finalizer (and every Close the garbage collector would do) waits behind it; " + advice
	detail := fmt.Sprintf("%d finalizer(s) queued behind it", backlog-1)
	if !now.IsZero() {
		stuck := max(now.Sub(s.since), s.g.Waiting).Round(time.Second)
		msg = fmt.Sprintf("the finalizer goroutine has waited in %s for %s: every later finalizer, and every Close the garbage collector would do, waits behind it; %s",
			s.g.State, stuck, advice)
		detail += fmt.Sprintf("; no finalizer ran in %d samples", s.samples)
	}
	stk := stack.ReportFrames(s.g.Frames)
	f := report.Finding{
		Kind:      report.KindFinalizer,
		Certainty: report.Suspected,
		Reason:    report.ReasonBlocked,
		Resource:  Finalizers.Name,
		Count:     1,
		Message:   msg,
		Wait:      s.g.State,
		Detail:    detail,
		Stack:     stk,
		Origin:    []report.Frame{},
	}
	f.ID = report.FindingID(f.Kind, f.Reason, stk)
	return f
}
