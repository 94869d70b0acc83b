package report

import (
	"slices"
	"testing"
)

func TestMerge(t *testing.T) {
	f := func(id, test, pkg string, count int) Finding {
		return Finding{ID: id, Kind: KindResource, Reason: ReasonClosedByGC, Resource: "os.File", Test: test, Package: pkg, Count: count}
	}
	tests := []struct {
		name string
		give []Finding
		want []Finding
	}{
		{name: "none", give: nil, want: []Finding{}},
		{
			name: "same leak, counts added",
			give: []Finding{f("a", "TestX", "p", 1), f("a", "TestX", "p", 2)},
			want: []Finding{f("a", "TestX", "p", 3)},
		},
		{
			name: "same leak in two tests and two packages stays apart, sorted by package and test",
			give: []Finding{f("a", "TestY", "p", 1), f("a", "TestX", "q", 1), f("a", "TestX", "p", 1)},
			want: []Finding{f("a", "TestX", "p", 1), f("a", "TestY", "p", 1), f("a", "TestX", "q", 1)},
		},
		{
			name: "sorted by id within a test",
			give: []Finding{f("b", "", "", 1), f("a", "", "", 1)},
			want: []Finding{f("a", "", "", 1), f("b", "", "", 1)},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Merge(tt.give)
			if !slices.EqualFunc(got, tt.want, func(a, b Finding) bool {
				return a.ID == b.ID && a.Test == b.Test && a.Package == b.Package && a.Count == b.Count
			}) {
				t.Errorf("Merge = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestSort(t *testing.T) {
	// want is in the order Sort must give; each finding differs from the
	// one before it in the key Compare looks at next.
	want := []Finding{
		{ID: "01", Package: "a", Test: "TestB", Certainty: Suspected},
		{ID: "02", Package: "b", Test: "TestA", Certainty: Proven, Count: 1},
		{ID: "03", Package: "b", Test: "TestA", Certainty: Suspected, Count: 5},
		{ID: "04", Package: "b", Test: "TestA", Certainty: Suspected, Count: 2, Kind: KindGoroutine},
		{ID: "05", Package: "b", Test: "TestA", Certainty: Suspected, Count: 2, Kind: KindResource},
		{ID: "06", Package: "b", Test: "TestB", Kind: KindResource, Resource: "os.File", Stack: []Frame{{Func: "f", Line: 2}}},
		{ID: "07", Package: "b", Test: "TestB", Kind: KindResource, Resource: "os.File", Stack: []Frame{{Func: "f", Line: 10}}},
		{ID: "08", Package: "b", Test: "TestB", Kind: KindResource, Resource: "os.File", Stack: []Frame{{Func: "g"}}, Origin: []Frame{{Func: "a"}}},
		{ID: "09", Package: "b", Test: "TestB", Kind: KindResource, Resource: "os.File", Stack: []Frame{{Func: "g"}}, Origin: []Frame{{Func: "b"}}},
		{ID: "10", Package: "b", Test: "TestB", Kind: KindResource, Resource: "os.File", Stack: []Frame{{Func: "g"}}, Origin: []Frame{{Func: "b"}}},
		{ID: "11", Package: "b", Test: "TestB", Kind: KindStatic, Reason: "unclosed", Pos: "a.go:2:1"},
		{ID: "12", Package: "b", Test: "TestB", Kind: KindStatic, Reason: "unclosed", Pos: "a.go:10:1"},
		{ID: "13", Package: "b", Test: "TestB", Kind: KindStatic, Reason: "rawfd", Pos: "a.go:10:7"},
		{ID: "14", Package: "b", Test: "TestB", Kind: KindStatic, Reason: "unclosed", Pos: "a.go:10:7"},
		{ID: "15", Package: "b", Test: "TestB", Kind: KindStatic, Reason: "unclosed", Pos: "b.go:1"},
	}
	got := slices.Clone(want)
	slices.Reverse(got)
	Sort(got)
	var ids []string
	for _, f := range got {
		ids = append(ids, f.ID)
	}
	if !slices.EqualFunc(got, want, func(a, b Finding) bool { return a.ID == b.ID }) {
		t.Errorf("Sort gave ids %v, want 01..15 in the order of want", ids)
	}
}

func TestNew(t *testing.T) {
	r := New(ModeVet, nil)
	if r.Schema != Schema || r.Mode != ModeVet || r.Go == "" || r.Findings == nil {
		t.Errorf("New(ModeVet, nil) = %+v, want the schema, mode vet, a Go version and an empty list", r)
	}
	r = New(ModeRun, []Finding{{ID: "b"}, {ID: "a"}})
	if r.Findings[0].ID != "a" {
		t.Errorf("New did not sort the findings: %+v", r.Findings)
	}
}

func TestValidate(t *testing.T) {
	good := func() *Report {
		return &Report{Schema: Schema, Go: "go1.27.4", Mode: ModeTest, Findings: []Finding{{
			ID: "0123456789abcdef", StableID: "fedcba9876543210", Kind: KindResource, Certainty: Proven, Reason: ReasonOpenAtEnd,
			Count: 1, Message: "m", Stack: []Frame{{Func: "f"}},
		}}}
	}
	if err := good().Validate(); err != nil {
		t.Fatalf("a good report: %v", err)
	}
	if err := New(ModeVet, nil).Validate(); err != nil {
		t.Fatalf("an empty report from New: %v", err)
	}
	tests := []struct {
		name   string
		change func(r *Report)
	}{
		{"schema", func(r *Report) { r.Schema = "leakhound.report/v2" }},
		{"mode", func(r *Report) { r.Mode = "check" }},
		{"go", func(r *Report) { r.Go = "" }},
		{"null findings", func(r *Report) { r.Findings = nil }},
		{"id", func(r *Report) { r.Findings[0].ID = "xyz" }},
		{"upper-case id", func(r *Report) { r.Findings[0].ID = "0123456789ABCDEF" }},
		{"stable id", func(r *Report) { r.Findings[0].StableID = "" }},
		{"kind", func(r *Report) { r.Findings[0].Kind = "thread" }},
		{"reason of another kind", func(r *Report) { r.Findings[0].Reason = ReasonBacklog }},
		{"static without reason", func(r *Report) { r.Findings[0].Kind, r.Findings[0].Reason = KindStatic, "" }},
		{"certainty", func(r *Report) { r.Findings[0].Certainty = "likely" }},
		{"count", func(r *Report) { r.Findings[0].Count = 0 }},
		{"message", func(r *Report) { r.Findings[0].Message = "" }},
		{"stack and origin", func(r *Report) { r.Findings[0].Stack, r.Findings[0].Origin = nil, nil }},
		{"order", func(r *Report) {
			f := r.Findings[0]
			f.Test = "TestA"
			r.Findings = append(r.Findings, f)
			r.Findings[0].Test = "TestB"
		}},
	}
	for _, tt := range tests {
		r := good()
		tt.change(r)
		if err := r.Validate(); err == nil {
			t.Errorf("%s: Validate accepted %+v", tt.name, r)
		}
	}
}
