package stack

import (
	"reflect"
	"testing"
)

// Note from the lead to whoever implements the header parser: the root
// library relies on Goroutine.Labels to attribute goroutines to tests. Go 1.26
// added GODEBUG=tracebacklabels (default 1 from Go 1.27); the runtime prints
// the labels last in the header, keys and values as quoted Go strings
// (runtime/traceback.go, goroutineheader). Please keep this test passing.
func TestParseDumpLabels(t *testing.T) {
	tests := []struct {
		name string
		give string
		want map[string]string
	}{
		{
			name: "one label, leaked, minutes",
			give: "goroutine 19 [chan receive (leaked), 2 minutes, labels:{\"leakhound.check\": \"7\"}]:\n" +
				"main.leak()\n\t/tmp/exp/main.go:13 +0x25\n" +
				"created by main.main in goroutine 1\n\t/tmp/exp/main.go:18 +0x7a\n",
			want: map[string]string{"leakhound.check": "7"},
		},
		{
			name: "two labels with escapes",
			give: "goroutine 5 [select, locked to thread, labels:{\"a\": \"x\\\"y\", \"b\": \"}]\"}]:\n" +
				"main.f()\n\t/tmp/m.go:3 +0x1\n",
			want: map[string]string{"a": "x\"y", "b": "}]"},
		},
		{
			name: "no labels",
			give: "goroutine 5 [select]:\nmain.f()\n\t/tmp/m.go:3 +0x1\n",
			want: nil,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := ParseDump([]byte(tt.give))
			if err != nil {
				t.Fatal(err)
			}
			if len(d.Goroutines) != 1 {
				t.Fatalf("got %d goroutines, want 1", len(d.Goroutines))
			}
			if got := d.Goroutines[0].Labels; !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Labels = %q, want %q", got, tt.want)
			}
		})
	}
}
