package agent

import (
	"runtime"
	"runtime/pprof"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/leakhound/leakhound/internal/inspect"
	"github.com/leakhound/leakhound/internal/stack"
	"github.com/leakhound/leakhound/report"
)

func siteGroup(fn string, line, count int) inspect.Group {
	return inspect.Group{Count: count, Wait: "chan receive", Frames: []stack.Frame{
		{Func: "runtime.gopark", File: "proc.go", Line: 1},
		{Func: fn, File: "x.go", Line: line},
	}}
}

func provenAt(fn string, line, count int) report.Finding {
	return report.Finding{Kind: report.KindGoroutine, Certainty: report.Proven, Reason: report.ReasonUnreachableWait, Count: count, Wait: "chan receive",
		Stack: []report.Frame{{Func: "runtime.gopark", File: "/goroot/proc.go", Line: 1}, {Func: fn, File: "/src/x.go", Line: line}}}
}

func TestWithoutProven(t *testing.T) {
	sample := &inspect.Sample{Format: "goroutine profile (proto)", Groups: []inspect.Group{
		siteGroup("main.a", 10, 100),
		siteGroup("main.b", 20, 5),
		siteGroup("main.c", 30, 7),
	}}
	proven := &report.Report{Findings: []report.Finding{
		provenAt("main.a", 10, 60), // part of a site
		provenAt("main.b", 20, 9),  // more than the sample saw: clamped
		provenAt("main.c", 31, 7),  // another line: another site
	}}
	got := withoutProven(sample, proven)
	counts := map[string]int{}
	for _, g := range got.Groups {
		counts[g.Frames[1].Func] = g.Count
	}
	want := map[string]int{"main.a": 40, "main.c": 7}
	if len(counts) != len(want) || counts["main.a"] != 40 || counts["main.c"] != 7 {
		t.Errorf("counts after removing proven goroutines = %v, want %v", counts, want)
	}
	if sample.Groups[0].Count != 100 {
		t.Errorf("the sample itself was changed")
	}
}

func TestCreatorMemory(t *testing.T) {
	created := func(g inspect.Group, fn string) inspect.Group {
		g.CreatedBy = &stack.Frame{Func: fn, File: "x.go", Line: 1}
		return g
	}
	m := creatorMemory{limit: 2}
	m.learn(&inspect.Sample{Groups: []inspect.Group{created(siteGroup("main.a", 10, 3), "main.startA"), created(siteGroup("main.b", 20, 3), "main.startB")}})
	m.learn(&inspect.Sample{Groups: []inspect.Group{created(siteGroup("main.c", 30, 3), "main.startC")}})
	if len(m.sites) != 2 {
		t.Fatalf("remembers %d sites, want the limit, 2", len(m.sites))
	}
	profile := &inspect.Sample{Groups: []inspect.Group{siteGroup("main.c", 30, 500), siteGroup("main.d", 40, 5)}}
	m.fill(profile)
	if cb := profile.Groups[0].CreatedBy; cb == nil || cb.Func != "main.startC" {
		t.Errorf("site main.c got creator %v, want main.startC, learnt last", cb)
	}
	if cb := profile.Groups[1].CreatedBy; cb != nil {
		t.Errorf("site main.d, never seen in a dump, got creator %v", cb)
	}
}

var (
	leakCountedOnce sync.Once
	// leakedForever counts the goroutines leakCounted leaked, which stay
	// for the rest of the test binary (seen by later tests with -count).
	leakedForever int
)

// leakCounted leaks n goroutines, each on a channel nobody else can reach,
// once per test binary, and waits until all are parked: the collector proves
// them leaked, and they stay. A goroutine not yet parked cannot be proven.
func leakCounted(t *testing.T, n int) {
	t.Helper()
	leakCountedOnce.Do(func() {
		for range n {
			ch := make(chan int)
			go func() { ch <- 1 }()
		}
		leakedForever = n
	})
	waitFor(t, "the leaked goroutines to park", func() bool {
		d, _, err := dumpGoroutines(nil)
		if err != nil {
			t.Fatal(err)
		}
		parked := 0
		for _, g := range d.Goroutines {
			if g.State == "chan send" && strings.Contains(framesOf(g.Frames), "leakCounted") {
				parked++
			}
		}
		return parked == n
	})
}

// TestCountsMatchRuntime checks that a sample counts the goroutines the
// runtime counts, from a dump or from the profile, before and after a proven
// cycle marks some leaked, and that a proven goroutine is in no suspect.
func TestCountsMatchRuntime(t *testing.T) {
	const leaked = 30
	leakCounted(t, leaked)
	blockAt(t, 40)
	for _, tt := range []struct {
		name string
		dump int
	}{{"dump", 1000}, {"profile", -1}} {
		t.Run(tt.name, func(t *testing.T) {
			o, err := Options{ProvenInterval: -1, DumpGoroutines: tt.dump, MinCount: 20}.withDefaults()
			if err != nil {
				t.Fatal(err)
			}
			s := newState(o)
			check := func(when string) {
				t.Helper()
				// Goroutines of an earlier run (-count, -cpu) may still be
				// exiting: the sample must lie between the counts around it.
				before := runtime.NumGoroutine()
				s.sample(time.Now())
				after := runtime.NumGoroutine()
				got := s.snapshot().Points
				if n := got[len(got)-1].Goroutines; n < min(before, after)-2 || n > max(before, after)+2 {
					t.Errorf("%s: sample counts %d goroutines, runtime.NumGoroutine %d before it and %d after", when, n, before, after)
				}
			}
			check("before a proven cycle")
			if pprof.Lookup("goroutineleak") == nil {
				t.Log("this binary cannot prove leaks: only counts checked")
				return
			}
			s.prove(time.Now())
			check("after a proven cycle")
			sn := s.snapshot()
			r := sn.report()
			var proven, suspected int
			for _, f := range r.Findings {
				if f.Kind != report.KindGoroutine || !strings.Contains(framesText(f.Stack), "leakCounted") {
					continue
				}
				if f.Certainty == report.Proven {
					proven += f.Count
				} else {
					suspected += f.Count
				}
			}
			if proven != leaked || suspected != 0 {
				t.Errorf("leaked goroutines in %d proven and %d suspected findings' counts, want %d and 0", proven, suspected, leaked)
			}
		})
	}
}

func framesText(fs []report.Frame) string {
	var b strings.Builder
	for _, f := range fs {
		b.WriteString(f.Func + "\n")
	}
	return b.String()
}

// TestCreatorsLearntAboveDumpThreshold checks that a profile sample gets the
// creators of its sites from an occasional full dump, up to 4 times
// DumpGoroutines goroutines, and not above.
func TestCreatorsLearntAboveDumpThreshold(t *testing.T) {
	blockAt(t, 150)
	for _, tt := range []struct {
		name string
		dump int
		want bool
	}{{"within 4 times", 100, true}, {"above 4 times", 20, false}} {
		t.Run(tt.name, func(t *testing.T) {
			o, err := Options{ProvenInterval: -1, DumpGoroutines: tt.dump}.withDefaults()
			if err != nil {
				t.Fatal(err)
			}
			s := newState(o)
			s.sample(time.Now())
			sn := s.snapshot()
			if sn.LatestFromDump {
				t.Fatalf("%d goroutines sampled from a dump with DumpGoroutines %d", runtime.NumGoroutine(), tt.dump)
			}
			var site *inspect.Group
			for i, g := range sn.Latest.Groups {
				if len(g.Frames) > 0 && strings.Contains(framesOf(g.Frames), "agent.blockAt.func") {
					site = &sn.Latest.Groups[i]
				}
			}
			if site == nil {
				t.Fatalf("no site at blockAt in %d groups", len(sn.Latest.Groups))
			}
			got := site.CreatedBy != nil && strings.HasSuffix(site.CreatedBy.Func, "agent.blockAt")
			if got != tt.want {
				t.Errorf("creator %v, want known = %v", site.CreatedBy, tt.want)
			}
		})
	}
}

func framesOf(fs []stack.Frame) string {
	var b strings.Builder
	for _, f := range fs {
		b.WriteString(f.Func + "\n")
	}
	return b.String()
}
