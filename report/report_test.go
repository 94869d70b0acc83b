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
			name: "same leak in two tests and two packages stays apart, sorted by test",
			give: []Finding{f("a", "TestY", "p", 1), f("a", "TestX", "p", 1), f("a", "TestX", "q", 1)},
			want: []Finding{f("a", "TestX", "p", 1), f("a", "TestX", "q", 1), f("a", "TestY", "p", 1)},
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
