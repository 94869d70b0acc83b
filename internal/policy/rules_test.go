package policy

import (
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
