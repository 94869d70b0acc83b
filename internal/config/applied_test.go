package config

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/leakhound/leakhound/internal/policy"
	"github.com/leakhound/leakhound/report"
)

// appliedYAML has a rule that ignores goroutines (line 2), one for a
// function no finding has (line 4), one for a test (line 6) and one for a
// runtime reason (line 8).
const appliedYAML = `ignore:
  - kind: goroutine
    reason: ignored
  - any_function: example.com/app.Gone
    reason: matches nothing anywhere
  - test: ^TestGone$
    reason: matches only findings of tests
  - finding_reason: closed-by-gc
    reason: matches only findings of the runtime
`

// TestSettingsApplyAndStale applies the settings of a configuration file
// in two groups, as inspect does, and checks the lines they print: the
// findings ignored over both groups, and the rules stale in each mode:
// only those that could have matched there.
func TestSettingsApplyAndStale(t *testing.T) {
	dir := t.TempDir()
	for name, content := range map[string]string{"go.mod": "module example.com/app\n", ".leakhound.yaml": appliedYAML} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cfg := filepath.Join(dir, ".leakhound.yaml")
	goroutine := report.Finding{Kind: report.KindGoroutine, Reason: report.ReasonUnreachableWait, Resource: "goroutine"}
	static := report.Finding{Kind: report.KindStatic, Reason: "unclosed", Resource: "os.File"}
	for _, tt := range []struct {
		mode  policy.Mode
		stale []string // lines of the stale rules
	}{
		{policy.ModeTest, []string{"4", "6", "8"}},
		{policy.ModeRun, []string{"4", "8"}},
		{policy.ModeVet, []string{"4"}},
		{policy.ModeInspect, []string{"4"}},
	} {
		t.Run(string(tt.mode), func(t *testing.T) {
			s := AddFlags(flag.NewFlagSet("x", flag.ContinueOnError), tt.mode)
			if err := s.Load(dir); err != nil {
				t.Fatal(err)
			}
			kept := s.Apply([]report.Finding{goroutine, static})
			kept = append(kept, s.Apply([]report.Finding{goroutine})...)
			if len(kept) != 1 || kept[0].Kind != report.KindStatic {
				t.Errorf("kept %+v, want the static finding", kept)
			}
			var w bytes.Buffer
			s.PrintApplied(&w)
			got := w.String()
			var gotStale []string
			for l := range strings.Lines(got) {
				if _, rest, ok := strings.Cut(l, cfg+":"); ok && strings.Contains(rest, "stale ignore rule") {
					line, _, _ := strings.Cut(rest, ":")
					gotStale = append(gotStale, line)
				}
			}
			if !strings.HasPrefix(got, "leakhound: 2 finding(s) ignored by the rules of "+cfg+"\n") || strings.Join(gotStale, " ") != strings.Join(tt.stale, " ") {
				t.Errorf("printed:\n%s\nwant 2 ignored and the stale rules of lines %v", got, tt.stale)
			}
		})
	}
}

// TestSettingsLoadErrors checks that a missing file and a bad rule are
// errors of one line.
func TestSettingsLoadErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "lh.yaml")
	if err := os.WriteFile(bad, []byte("ignore:\n  - kind: goroutine\n  - reason: no matcher\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"-config", bad}, {"-config", filepath.Join(dir, "nosuch.yaml")}, {"-baseline", filepath.Join(dir, "nosuch.json")}} {
		fs := flag.NewFlagSet("x", flag.ContinueOnError)
		s := AddFlags(fs, policy.ModeRun)
		if err := fs.Parse(args); err != nil {
			t.Fatal(err)
		}
		err := s.Load(dir)
		if err == nil || strings.Contains(err.Error(), "\n") {
			t.Errorf("%q: Load = %v, want an error of one line", args, err)
		}
	}
}
