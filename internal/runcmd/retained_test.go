package runcmd_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/leakhound/leakhound/report"
)

// TestRunRetained runs a program whose five leaked goroutines hold 10 MB
// each and a sixth that shares its buffer with a global, in a fresh
// process: the report gives the first group 50 MB +/- 5% and the second
// almost nothing; -retained=false measures nothing.
func TestRunRetained(t *testing.T) {
	dir, err := filepath.Abs("testdata/othermod")
	if err != nil {
		t.Fatal(err)
	}
	const mb = 1 << 20
	tests := []struct {
		name           string
		args           []string
		hold, shared   [2]int64 // bounds of retained_bytes of the two findings
		wantDetailText string
	}{
		{name: "default", args: []string{"run", "./cmd/pinned"}, hold: [2]int64{50 * mb * 95 / 100, 50 * mb * 105 / 100}, shared: [2]int64{0, 64 << 10}, wantDetailText: "allocated at main.main"},
		{name: "off", args: []string{"run", "-retained=false", "./cmd/pinned"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			code, out, rep := runLeakhound(t, dir, tt.args...)
			if code != 1 {
				t.Fatalf("exit status %d, want 1\n%s", code, out)
			}
			hold := findingAt(rep, "main.hold")
			shared := findingAt(rep, "main.holdShared")
			if hold == nil || shared == nil || hold.Count != 5 || shared.Count != 1 {
				t.Fatalf("want proven findings of 5 main.hold and 1 main.holdShared goroutines, got %v\n%s", describeAll(rep), out)
			}
			for _, c := range []struct {
				f      *report.Finding
				bounds [2]int64
			}{{hold, tt.hold}, {shared, tt.shared}} {
				if got := c.f.RetainedBytes; got < c.bounds[0] || got > c.bounds[1] {
					t.Errorf("%s retains %d bytes, want %d..%d\ndetail: %s", c.f.Stack[0].Func, got, c.bounds[0], c.bounds[1], c.f.Detail)
				}
			}
			if !strings.Contains(hold.Detail, tt.wantDetailText) {
				t.Errorf("detail %q lacks %q", hold.Detail, tt.wantDetailText)
			}
			if tt.hold[1] > 0 && !strings.Contains(out, "retains 50.0 MiB") {
				t.Errorf("stderr report lacks %q:\n%s", "retains 50.0 MiB", out)
			}
		})
	}
}

// findingAt returns the proven goroutine finding blocked in function fn.
func findingAt(rep *report.Report, fn string) *report.Finding {
	for i, f := range rep.Findings {
		if f.Kind == report.KindGoroutine && f.Certainty == report.Proven && len(f.Stack) > 0 && f.Stack[0].Func == fn {
			return &rep.Findings[i]
		}
	}
	return nil
}
