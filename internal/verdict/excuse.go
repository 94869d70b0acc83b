package verdict

import (
	"slices"

	"github.com/leakhound/leakhound/internal/stack"
	"github.com/leakhound/leakhound/report"
)

// Goroutines of the testing package, the runtime and the standard library
// that live as long as the process on purpose. They are never leaks.
var (
	// defaultOutermost excuses goroutines whose outermost function is one of
	// these: test goroutines themselves, which finish after their tests.
	defaultOutermost = []string{
		"testing.tRunner",
		"testing.runFuzzing",
		"testing.(*F).Fuzz.func1",
	}
	// defaultAny excuses goroutines with one of these anywhere in the stack.
	defaultAny = []string{
		"os/signal.signal_recv",
		"os/signal.loop",
		"runtime.ensureSigM",
		"runtime.ReadTrace",
		"runtime/trace.Start.func1",
		"testing.(*T).Parallel",
		"testing.runTests",
		"testing.(*M).Run",
	}
)

// excused reports whether g is a goroutine the options or the defaults allow
// to outlive a check.
func excused(g *stack.Goroutine, o *Options) bool {
	if len(g.Frames) == 0 {
		return true // a system goroutine the runtime shows without frames
	}
	if slices.Contains(defaultOutermost, g.Frames[len(g.Frames)-1].Func) {
		return true
	}
	if slices.Contains(o.IgnoreTop, g.Frames[0].Func) {
		return true
	}
	for _, f := range g.Frames {
		if slices.Contains(defaultAny, f.Func) || slices.Contains(o.IgnoreAny, f.Func) {
			return true
		}
	}
	if g.CreatedBy != nil && slices.Contains(o.IgnoreCreatedBy, g.CreatedBy.Func) {
		return true
	}
	return false
}

// ignoredByRule reports whether a rule of o.IgnoreRules matches the
// finding g would make in sc: a goroutine still running, or proven leaked.
func ignoredByRule(g *stack.Goroutine, o *Options, sc Scope) bool {
	if len(o.IgnoreRules) == 0 {
		return false
	}
	f := report.Finding{
		Kind:     report.KindGoroutine,
		Reason:   report.ReasonStillRunning,
		Resource: "goroutine",
		Test:     sc.Test,
		Stack:    stack.ReportFrames(g.Frames),
		Origin:   originOf(g),
	}
	if g.Leaked {
		f.Reason = report.ReasonUnreachableWait
	}
	for i := range o.IgnoreRules {
		if o.IgnoreRules[i].Matches(&f) {
			if o.RuleMatched != nil {
				o.RuleMatched(&o.IgnoreRules[i])
			}
			return true
		}
	}
	return false
}
