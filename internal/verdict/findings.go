package verdict

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/leakhound/leakhound/internal/stack"
	"github.com/leakhound/leakhound/report"
)

// findingsOf groups identical goroutines (same reason, wait, stack and
// origin) into findings, sorted deterministically, and returns with them the
// IDs of the goroutines each one groups.
func findingsOf(gs []stack.Goroutine, o *Options, sc Scope, settled bool) ([]report.Finding, [][]int64) {
	type group struct {
		f   report.Finding
		ids []int64
		max time.Duration
	}
	groups := map[string]*group{}
	var order []string
	var ids [][]int64
	for i := range gs {
		g := &gs[i]
		if o.ProvenOnly && !g.Leaked {
			continue
		}
		certainty, reason := report.Suspected, report.ReasonStillRunning
		if g.Leaked {
			certainty, reason = report.Proven, report.ReasonUnreachableWait
		}
		stk := stack.ReportFrames(g.Frames)
		origin := originOf(g)
		key := string(reason) + "\x00" + g.State + "\x00" + framesKey(stk) + "\x00" + framesKey(origin)
		gr := groups[key]
		if gr == nil {
			gr = &group{f: report.Finding{
				Kind:      report.KindGoroutine,
				Certainty: certainty,
				Reason:    reason,
				Resource:  "goroutine",
				Wait:      g.State,
				Test:      sc.Test,
				Stack:     stk,
				Origin:    origin,
			}}
			groups[key] = gr
			order = append(order, key)
		}
		gr.ids = append(gr.ids, g.ID)
		gr.max = max(gr.max, g.Waiting)
	}
	out := make([]report.Finding, 0, len(order))
	for _, key := range order {
		gr := groups[key]
		f := gr.f
		f.Count = len(gr.ids)
		slices.Sort(gr.ids)
		f.ID = report.FindingID(f.Kind, f.Reason, idFrames(f.Origin, f.Stack))
		f.Message = goroutineMessage(&f, o, settled)
		f.Detail = goroutineDetail(gr.ids, gr.max)
		out = append(out, f)
		ids = append(ids, gr.ids)
	}
	sortFindings(out, ids)
	return out, ids
}

// idFrames is what a finding's id hashes: its origin, or its stack when the
// runtime did not say where the goroutine was created.
func idFrames(origin, stk []report.Frame) []report.Frame {
	if len(origin) > 0 {
		return origin
	}
	return stk
}

// goroutineMessage says what is wrong with the goroutines of f; settled
// tells that the wait ended before o.MaxWait because they stopped moving.
func goroutineMessage(f *report.Finding, o *Options, settled bool) string {
	if f.Certainty == report.Proven {
		return "blocked forever: nothing that can still run can reach what it waits on; make sure the send, receive or unlock it waits for happens, or give it a way to return"
	}
	const fix = "stop it before the test or program ends (close its channel, cancel its context), or excuse it with an Ignore option"
	if settled {
		return fmt.Sprintf("still running after the end, parked at the same stack for %v; %s", o.Settle, fix)
	}
	return fmt.Sprintf("still running %v after the end; %s", o.MaxWait, fix)
}

func goroutineDetail(ids []int64, longest time.Duration) string {
	const shown = 10
	var b strings.Builder
	b.WriteString("goroutine")
	if len(ids) > 1 {
		b.WriteString("s")
	}
	for i, id := range ids[:min(len(ids), shown)] {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString(" ")
		b.WriteString(strconv.FormatInt(id, 10))
	}
	if len(ids) > shown {
		fmt.Fprintf(&b, " and %d more", len(ids)-shown)
	}
	if longest > 0 {
		fmt.Fprintf(&b, "; blocked for at least %d minutes", int(longest.Minutes()))
	}
	return b.String()
}

// originOf returns the stack that created g, innermost first: the creating
// goroutine's stack at the go statement when GODEBUG=tracebackancestors kept
// it, else the single "created by" frame.
func originOf(g *stack.Goroutine) []report.Frame {
	if len(g.Ancestors) > 0 && len(g.Ancestors[0].Frames) > 0 {
		return stack.ReportFrames(g.Ancestors[0].Frames)
	}
	if g.CreatedBy != nil {
		return stack.ReportFrames([]stack.Frame{*g.CreatedBy})
	}
	return []report.Frame{}
}

func framesKey(fs []report.Frame) string {
	var b strings.Builder
	for _, f := range fs {
		b.WriteString(f.Func)
		b.WriteByte(' ')
		b.WriteString(f.File)
		b.WriteByte(':')
		b.WriteString(strconv.Itoa(f.Line))
		b.WriteByte('\n')
	}
	return b.String()
}

// sortFindings puts findings in the order of report.Sort; ids, the
// goroutines of each finding, follow their findings.
func sortFindings(fs []report.Finding, ids [][]int64) {
	order := make([]int, len(fs))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(i, j int) int { return report.Compare(fs[i], fs[j]) })
	sortedFs, sortedIDs := make([]report.Finding, len(fs)), make([][]int64, len(ids))
	for k, i := range order {
		sortedFs[k], sortedIDs[k] = fs[i], ids[i]
	}
	copy(fs, sortedFs)
	copy(ids, sortedIDs)
}
