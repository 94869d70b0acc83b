package policy

import (
	"slices"
	"testing"

	"github.com/leakhound/leakhound/report"
)

// goroutineLeak is a goroutine of package p started by p.Serve in TestServe,
// blocked in p.Serve.func1.
var goroutineLeak = report.Finding{
	StableID: "g", Kind: report.KindGoroutine, Reason: report.ReasonUnreachableWait, Resource: "goroutine",
	Test: "TestServe/sub", Package: "example.com/p",
	Stack:  []report.Frame{{Func: "example.com/p.Serve.func1"}, {Func: "runtime.goexit"}},
	Origin: []report.Frame{{Func: "example.com/p.Serve"}, {Func: "example.com/p.TestServe"}},
}

// fileLeak is a file of package q opened by q.Open through os.Open.
var fileLeak = report.Finding{
	StableID: "f", Kind: report.KindResource, Reason: report.ReasonOpenAtEnd, Resource: "os.File",
	Test: "TestOpen", Package: "example.com/q/sub",
	Stack:  []report.Frame{},
	Origin: []report.Frame{{Func: "os.Open"}, {Func: "example.com/q/sub.Open"}, {Func: "example.com/q/sub.TestOpen"}},
}

func TestRuleMatches(t *testing.T) {
	tests := []struct {
		name      string
		rule      Rule
		goroutine bool // whether it ignores goroutineLeak
		file      bool // whether it ignores fileLeak
	}{
		{"top_function", Rule{TopFunction: "example.com/p.Serve.func1"}, true, false},
		{"top_function of a finding without stack: its origin", Rule{TopFunction: "os.Open"}, false, true},
		{"top_function prefix", Rule{TopFunction: "example.com/p.*"}, true, false},
		{"created_by of a goroutine", Rule{CreatedBy: "example.com/p.Serve"}, true, false},
		{"created_by of a resource: the program's function", Rule{CreatedBy: "example.com/q/sub.Open"}, false, true},
		{"created_by is not any frame", Rule{CreatedBy: "example.com/p.TestServe"}, false, false},
		{"any_function", Rule{AnyFunction: "example.com/q/sub.TestOpen"}, false, true},
		{"any_function in the stack", Rule{AnyFunction: "runtime.goexit"}, true, false},
		{"kind", Rule{Kind: "goroutine"}, true, false},
		{"resource", Rule{Resource: "os.File"}, false, true},
		{"finding_reason", Rule{FindingReason: "open-at-end"}, false, true},
		{"test", Rule{Test: "^TestServe/"}, true, false},
		{"test, unanchored", Rule{Test: "Open"}, false, true},
		{"package", Rule{Package: "example.com/p"}, true, false},
		{"package pattern", Rule{Package: "example.com/q/..."}, false, true},
		{"package pattern is not a prefix of a name", Rule{Package: "example.com/q/s/..."}, false, false},
		{"all matchers must match", Rule{Kind: "goroutine", Resource: "os.File"}, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := tt.rule
			r.Reason = "because"
			if err := r.compile(); err != nil {
				t.Fatal(err)
			}
			g, f := goroutineLeak, fileLeak
			if got := r.Matches(&g); got != tt.goroutine {
				t.Errorf("Matches(goroutine leak) = %v, want %v", got, tt.goroutine)
			}
			if got := r.Matches(&f); got != tt.file {
				t.Errorf("Matches(file leak) = %v, want %v", got, tt.file)
			}
		})
	}
}

func TestApplyIgnoresAndCounts(t *testing.T) {
	p, err := New([]string{"f"}, []Rule{
		{Kind: "goroutine", Reason: "goroutines are fine here"},
		{Resource: "net.TCPConn", Reason: "nothing matches: stale"},
	})
	if err != nil {
		t.Fatal(err)
	}
	kept, hits := p.Apply([]report.Finding{goroutineLeak, fileLeak})
	if len(kept) != 1 || kept[0].StableID != "f" || !kept[0].Known {
		t.Errorf("kept %+v, want the file leak, known", kept)
	}
	if len(hits) != 2 || hits[0] != 1 || hits[1] != 0 {
		t.Errorf("hits %v, want [1 0]", hits)
	}
}

func TestNewRejectsBadRules(t *testing.T) {
	for name, r := range map[string]Rule{
		"no reason":        {Kind: "goroutine", Where: "x.yaml:3"},
		"no matcher":       {Reason: "r", Where: "x.yaml:3"},
		"bad test pattern": {Test: "(", Reason: "r", Where: "x.yaml:3"},
	} {
		if _, err := New(nil, []Rule{r}); err == nil || err.Error()[:9] != "x.yaml:3:" {
			t.Errorf("%s: New = %v, want an error at x.yaml:3", name, err)
		}
	}
}

func TestRuleCanMatch(t *testing.T) {
	all := []Mode{ModeTest, ModeRun, ModeVet, ModeInspect, ModeAgent, ModeLibrary}
	tests := []struct {
		name string
		rule Rule
		want []Mode // the modes it can match in
	}{
		{"function matchers match everywhere", Rule{TopFunction: "a.F", CreatedBy: "a.G", AnyFunction: "a.*"}, all},
		{"test: findings attributed to tests", Rule{Test: "TestX"}, []Mode{ModeTest, ModeLibrary}},
		{"package: findings that carry a package", Rule{Package: "example.com/p/..."}, []Mode{ModeTest, ModeVet}},
		{"kind goroutine", Rule{Kind: "goroutine"}, []Mode{ModeTest, ModeRun, ModeInspect, ModeAgent, ModeLibrary}},
		{"kind resource", Rule{Kind: "resource"}, []Mode{ModeTest, ModeRun}},
		{"kind finalizer", Rule{Kind: "finalizer"}, []Mode{ModeTest, ModeRun, ModeAgent}},
		{"kind static", Rule{Kind: "static"}, []Mode{ModeVet}},
		{"reason unreachable-wait", Rule{FindingReason: "unreachable-wait"}, []Mode{ModeTest, ModeRun, ModeInspect, ModeAgent, ModeLibrary}},
		{"reason still-running", Rule{FindingReason: "still-running"}, []Mode{ModeTest, ModeLibrary}},
		{"reason long-blocked", Rule{FindingReason: "long-blocked"}, []Mode{ModeInspect, ModeAgent}},
		{"reason closed-by-gc", Rule{FindingReason: "closed-by-gc"}, []Mode{ModeTest, ModeRun}},
		{"reason backlog", Rule{FindingReason: "backlog"}, []Mode{ModeTest, ModeRun, ModeAgent}},
		{"reason unrunnable: no tool reports it yet", Rule{FindingReason: "unrunnable"}, nil},
		{"reason unclosed: an analyzer of vet", Rule{FindingReason: "unclosed"}, []Mode{ModeVet}},
		{"kind static, reason goroutineleak", Rule{Kind: "static", FindingReason: "goroutineleak"}, []Mode{ModeVet}},
		{"reason of no analyzer", Rule{Kind: "static", FindingReason: "bodyclose"}, nil},
		{"kind and reason of another kind", Rule{Kind: "goroutine", FindingReason: "closed-by-gc"}, nil},
		{"resource goroutine", Rule{Resource: "goroutine"}, all},
		{"resource os.File", Rule{Resource: "os.File"}, []Mode{ModeTest, ModeRun, ModeVet}},
		{"resource finalizer", Rule{Resource: "finalizer"}, []Mode{ModeTest, ModeRun, ModeVet, ModeAgent}},
		{"a test rule of a package", Rule{Test: "TestX", Package: "example.com/p"}, []Mode{ModeTest}},
		{"a goroutine rule of a package", Rule{Kind: "goroutine", Package: "example.com/p"}, []Mode{ModeTest}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, m := range all {
				if got, want := tt.rule.CanMatch(m), slices.Contains(tt.want, m); got != want {
					t.Errorf("CanMatch(%s) = %v, want %v", m, got, want)
				}
			}
		})
	}
	if !(&Rule{Test: "TestX"}).CanMatch("a mode added later") {
		t.Error("CanMatch of an unknown mode is false, want true: no rule may be silenced by a mode this table lacks")
	}
}

func TestStale(t *testing.T) {
	rules := []Rule{
		{Kind: "goroutine", Where: "a:1"},     // ignored something
		{AnyFunction: "a.Gone", Where: "a:2"}, // could match anywhere: stale
		{Test: "TestX", Where: "a:3"},         // cannot match in run
		{Kind: "static", Where: "a:4"},        // cannot match in run
	}
	var where []string
	for _, r := range Stale(rules, []int{2, 0, 0, 0}, ModeRun) {
		where = append(where, r.Where)
	}
	if !slices.Equal(where, []string{"a:2"}) {
		t.Errorf("stale in run: %q, want [a:2]", where)
	}
	where = nil
	for _, r := range Stale(rules, []int{2, 0, 0, 0}, ModeTest) {
		where = append(where, r.Where)
	}
	if !slices.Equal(where, []string{"a:2", "a:3"}) {
		t.Errorf("stale in test: %q, want [a:2 a:3]", where)
	}
	if s := Stale(rules, nil, ModeTest); s != nil {
		t.Errorf("stale without a policy applied: %v, want none", s)
	}
}
