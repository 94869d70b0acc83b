package agent

import (
	"runtime"
	"strconv"
	"time"

	"github.com/leakhound/leakhound/internal/inspect"
	"github.com/leakhound/leakhound/internal/stack"
	"github.com/leakhound/leakhound/report"
)

// siteID names a blocking site by its function and line: the wait reason a
// goroutine profile infers from the stack may differ from the one a dump
// prints for the same site.
type siteID string

func siteIDOf(g *inspect.Group) (siteID, bool) {
	k, ok := inspect.SiteOf(g)
	if !ok {
		return "", false
	}
	return siteID(k.Site.Func + ":" + strconv.Itoa(k.Site.Line)), true
}

// withoutProven returns sample less the goroutines that proven's findings
// count at the same sites, so that no goroutine is both a proven leak and a
// suspect. Only a goroutine profile needs it: a dump marks proven goroutines
// " (leaked)", and the agent leaves them out of its samples. Proven
// goroutines never run again, so all of those the last cycle counted are
// still there; counts are clamped at zero in case the cycle ran after the
// sample.
func withoutProven(sample *inspect.Sample, proven *report.Report) *inspect.Sample {
	if sample == nil || proven == nil || len(proven.Findings) == 0 {
		return sample
	}
	left := map[siteID]int{}
	for _, f := range proven.Findings {
		if f.Kind != report.KindGoroutine || f.Certainty != report.Proven {
			continue
		}
		g := inspect.Group{Wait: f.Wait, Frames: stackFrames(f.Stack)}
		if id, ok := siteIDOf(&g); ok {
			left[id] += f.Count
		}
	}
	out := &inspect.Sample{Format: sample.Format, Groups: make([]inspect.Group, 0, len(sample.Groups))}
	for _, g := range sample.Groups {
		if id, ok := siteIDOf(&g); ok && left[id] > 0 {
			n := min(left[id], g.Count)
			left[id] -= n
			g.Count -= n
		}
		if g.Count > 0 {
			out.Groups = append(out.Groups, g)
		}
	}
	return out
}

func stackFrames(fs []report.Frame) []stack.Frame {
	out := make([]stack.Frame, len(fs))
	for i, f := range fs {
		out[i] = stack.Frame{Func: f.Func, File: f.File, Line: f.Line}
	}
	return out
}

// creatorMemory remembers the go statement that created the goroutines of
// each of the largest blocking sites while samples come from full dumps, so
// that samples from the goroutine profile, which has no creators, keep
// them. It holds at most limit sites: those of the latest dump sample, then
// older ones while there is room.
type creatorMemory struct {
	limit int
	sites map[siteID]stack.Frame
}

// learn records the creators of the groups of a dump sample.
func (m *creatorMemory) learn(sample *inspect.Sample) {
	fresh := map[siteID]stack.Frame{}
	for i := range sample.Groups {
		g := &sample.Groups[i]
		if id, ok := siteIDOf(g); ok && g.CreatedBy != nil && len(fresh) < m.limit {
			fresh[id] = *g.CreatedBy
		}
	}
	for id, f := range m.sites {
		if len(fresh) >= m.limit {
			break
		}
		if _, ok := fresh[id]; !ok {
			fresh[id] = f
		}
	}
	m.sites = fresh
}

// fill gives the groups of a profile sample that have no creator the one
// remembered for their site.
func (m *creatorMemory) fill(sample *inspect.Sample) {
	for i := range sample.Groups {
		g := &sample.Groups[i]
		if g.CreatedBy != nil {
			continue
		}
		if id, ok := siteIDOf(g); ok {
			if f, ok := m.sites[id]; ok {
				g.CreatedBy = &f
			}
		}
	}
}

// missing reports whether a site of sample that waits on other goroutines
// (what suspects are made of) has no creator, remembered or not.
func (m *creatorMemory) missing(sample *inspect.Sample) bool {
	for i := range sample.Groups {
		g := &sample.Groups[i]
		if g.CreatedBy != nil || !stack.ClassifyWait(g.Wait).WaitsOnGoroutine() {
			continue
		}
		if id, ok := siteIDOf(g); ok {
			if _, known := m.sites[id]; !known {
				return true
			}
		}
	}
	return false
}

// creatorDumpEvery is the least time between two full dumps taken only to
// learn creators.
const creatorDumpEvery = 10 * time.Minute

// learnCreators takes a full dump of the goroutines, only to learn the
// creators of the largest sites, when a site of the profile sample has
// none, the process has at most 4 × DumpGoroutines goroutines (the dump
// stops the world about 4 times as long as a regular one: some 25 ms at
// 4,000 goroutines), and no such dump was taken in the last
// creatorDumpEvery. Sites first seen above that many goroutines keep no
// creator.
func (s *state) learnCreators(sample *inspect.Sample, now time.Time) {
	limit := 4 * s.opts.DumpGoroutines
	if limit <= 0 || runtime.NumGoroutine() > limit || now.Sub(s.creatorDumpAt) < creatorDumpEvery || !s.creators.missing(sample) {
		return
	}
	s.creatorDumpAt = now
	gs, err := s.dumpSample()
	if err != nil {
		return // the next regular sample reports a broken dump
	}
	top, _ := condense(gs.sample, s.creators.limit)
	s.creators.learn(top)
}
