package track

import (
	"fmt"
	"runtime"
	"runtime/metrics"
	"strings"
	"time"

	"github.com/leakhound/leakhound"
	"github.com/leakhound/leakhound/internal/stack"
)

// Finalizer checks: all finalizers run on one goroutine, so one that blocks
// stalls every later finalizer, and with them every GC-driven Close.
const (
	metricQueued   = "/gc/finalizers/queued:finalizers"
	metricExecuted = "/gc/finalizers/executed:finalizers"
	// finalizerSamples and finalizerGap: the finalizer goroutine is called
	// blocked when it sits in the same finalizer at the same wait in every
	// sample while finalizers are queued behind it.
	finalizerSamples = 3
	finalizerGap     = 30 * time.Millisecond
)

// finalizerFindings reports the finalizer goroutine when it stays blocked
// inside a finalizer (the metrics count the running one as queued).
func finalizerFindings() []leakhound.Finding {
	var last *stack.Goroutine
	var backlog uint64
	for i := range finalizerSamples {
		if i > 0 {
			time.Sleep(finalizerGap)
		}
		g := finalizerGoroutine()
		if g == nil || (last != nil && (g.State != last.State || framesText(g) != framesText(last))) {
			return nil
		}
		last = g
		if backlog = finalizerBacklog(); backlog == 0 {
			return nil
		}
	}
	if !isBlockingWait(last.State) {
		return nil
	}
	stk := frames(last.Frames)
	f := leakhound.Finding{
		Kind:      leakhound.KindFinalizer,
		Certainty: leakhound.Suspected,
		Reason:    "blocked",
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

// finalizerGoroutine returns the finalizer goroutine while it runs a
// finalizer (the runtime shows it in dumps only then), or nil.
func finalizerGoroutine() *stack.Goroutine {
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
		if n := len(g.Frames); n > 1 && (g.Frames[n-1].Func == "runtime.runFinalizers" || g.Frames[n-1].Func == "runtime.runfinq") {
			return &d.Goroutines[i]
		}
	}
	return nil
}

func finalizerBacklog() uint64 {
	s := []metrics.Sample{{Name: metricQueued}, {Name: metricExecuted}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 || s[1].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	q, e := s[0].Value.Uint64(), s[1].Value.Uint64()
	if q <= e {
		return 0
	}
	return q - e
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
