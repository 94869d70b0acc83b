package report

import (
	"testing"
)

// leakAt is a file opened at line (in function pkg.open, called from
// pkg.TestX at caller) that test leaked.
func leakAt(test string, line, caller int) Finding {
	origin := []Frame{
		{Func: "os.Open", File: "/goroot/src/os/file.go", Line: 100},
		{Func: "pkg.open", File: "/src/pkg/open.go", Line: line},
		{Func: "pkg.TestX", File: "/src/pkg/open_test.go", Line: caller},
	}
	f := Finding{Kind: KindResource, Certainty: Proven, Reason: ReasonOpenAtEnd, Resource: "os.File",
		Count: 1, Message: "m", Test: test, Package: "pkg", Stack: []Frame{}, Origin: origin}
	f.ID = FindingID(f.Kind, f.Reason, origin)
	return f
}

func TestStableIDsSurviveMovedLines(t *testing.T) {
	before := []Finding{leakAt("TestX", 10, 5), leakAt("TestX", 20, 5), leakAt("TestX", 20, 7)}
	after := []Finding{leakAt("TestX", 13, 9), leakAt("TestX", 31, 9), leakAt("TestX", 31, 12)} // lines inserted above each
	AssignStableIDs(before)
	AssignStableIDs(after)
	seen := map[string]bool{}
	for i := range before {
		b, a := before[i], after[i]
		if b.ID == a.ID {
			t.Errorf("finding %d: the line-precise id %s did not change when its lines moved", i, b.ID)
		}
		if b.StableID != a.StableID {
			t.Errorf("finding %d: stable id %s became %s when its lines moved", i, b.StableID, a.StableID)
		}
		if seen[b.StableID] {
			t.Errorf("finding %d: stable id %s is not distinct from an earlier leak's", i, b.StableID)
		}
		seen[b.StableID] = true
		if !isHexID(b.StableID) {
			t.Errorf("finding %d: stable id %q is not 16 hex digits", i, b.StableID)
		}
	}
}

func TestStableIDsIgnoreOrderAndDuplicates(t *testing.T) {
	a := []Finding{leakAt("TestX", 10, 5), leakAt("TestX", 20, 5), leakAt("TestX", 10, 5)}
	b := []Finding{leakAt("TestX", 20, 5), leakAt("TestX", 10, 5)}
	AssignStableIDs(a)
	AssignStableIDs(b)
	if a[0].StableID != b[1].StableID || a[1].StableID != b[0].StableID {
		t.Errorf("stable ids depend on the order of the findings: %s %s vs %s %s", a[0].StableID, a[1].StableID, b[1].StableID, b[0].StableID)
	}
	if a[0].StableID != a[2].StableID {
		t.Errorf("two findings with the same lines got stable ids %s and %s", a[0].StableID, a[2].StableID)
	}
}

func TestStableIDScope(t *testing.T) {
	base := leakAt("TestX", 10, 5)
	tests := []struct {
		name   string
		change func(f *Finding)
	}{
		{"test", func(f *Finding) { f.Test = "TestY" }},
		{"package", func(f *Finding) { f.Package = "other" }},
		{"kind and reason", func(f *Finding) { f.Kind, f.Reason = KindGoroutine, ReasonStillRunning }},
		{"reason", func(f *Finding) { f.Reason = ReasonClosedByGC }},
		{"resource", func(f *Finding) { f.Resource = "net.TCPConn" }},
		{"function", func(f *Finding) { f.Origin[1].Func = "pkg.openOther" }},
		{"no origin: the stack", func(f *Finding) { f.Stack, f.Origin = f.Origin, nil; f.Stack[1].Func = "pkg.openOther" }},
	}
	want := StableID(base, 0)
	for _, tt := range tests {
		f := leakAt("TestX", 10, 5)
		tt.change(&f)
		if got := StableID(f, 0); got == want {
			t.Errorf("%s: changing it kept the stable id %s", tt.name, got)
		}
	}
	if StableID(base, 1) == want {
		t.Errorf("rank 1 has the stable id of rank 0")
	}
	f := leakAt("TestX", 10, 5)
	f.Origin[0].File, f.Message, f.Count = "/elsewhere/os/file.go", "other", 3
	if got := StableID(f, 0); got != want {
		t.Errorf("file, message or count changed the stable id: %s, want %s", got, want)
	}
}

func TestNewAndMergeSetStableIDs(t *testing.T) {
	for name, fs := range map[string][]Finding{
		"New":   New(ModeTest, []Finding{leakAt("TestX", 10, 5)}).Findings,
		"Merge": Merge([]Finding{leakAt("TestX", 10, 5), leakAt("TestX", 10, 5)}),
	} {
		if len(fs) != 1 || fs[0].StableID != StableID(leakAt("TestX", 10, 5), 0) {
			t.Errorf("%s: findings %+v, want one with the stable id of rank 0", name, fs)
		}
	}
	known, unknown := leakAt("TestX", 10, 5), leakAt("TestX", 10, 5)
	known.Known = true
	if fs := Merge([]Finding{unknown, known}); len(fs) != 1 || !fs[0].Known {
		t.Errorf("Merge of a known and an unknown copy = %+v, want one known finding", fs)
	}
}
