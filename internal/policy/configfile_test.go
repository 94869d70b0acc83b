package policy

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/leakhound/leakhound/report"
)

func writeConfig(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestReadConfigJSON reads a .leakhound.json with top-level rules, a
// packages entry, thresholds and a vet section, and checks what each rule
// ignores.
func TestReadConfigJSON(t *testing.T) {
	path := writeConfig(t, ".leakhound.json", `{
  "$schema": "leakhound.schema.json", "version": 1,
  "ignore": [{"top_function": "example.com/app.worker", "reason": "stopped at exit"}],
  "thresholds": {"held": "30s"},
  "vet": {"disable": ["rawfd"]},
  "packages": [{"path": "example.com/app/legacy/...", "ignore": [{"kind": "resource", "reason": "replaced in Q3"}], "thresholds": {"retained": false}}]
}`)
	p, err := ReadConfigJSON(path)
	if err != nil {
		t.Fatal(err)
	}
	worker := report.Finding{Kind: report.KindGoroutine, Stack: []report.Frame{{Func: "example.com/app.worker"}}}
	file := func(pkg string) *report.Finding {
		return &report.Finding{Kind: report.KindResource, Package: pkg, Stack: []report.Frame{{Func: "os.Open"}}}
	}
	for _, tt := range []struct {
		name string
		give *report.Finding
		want bool
	}{
		{"top_function", &worker, true},
		{"a file of the entry's package", file("example.com/app/legacy/db"), true},
		{"a file of another package", file("example.com/app"), false},
		{"a file of no package", file(""), false},
	} {
		if got := p.Ignores(tt.give); got != tt.want {
			t.Errorf("%s: Ignores = %v, want %v", tt.name, got, tt.want)
		}
	}
	if w := p.Ignore[1].Where; !strings.Contains(w, "packages entry 1 (example.com/app/legacy/...), ignore rule 1") {
		t.Errorf("the entry's rule is at %q, want its place in the file", w)
	}
}

func TestReadConfigJSONErrors(t *testing.T) {
	for _, tt := range []struct{ name, file, content, want string }{
		{"YAML", ".leakhound.yaml", "version: 1\n", "YAML is not supported yet here"},
		{"unknown key", ".leakhound.json", `{"ignore": [{"kind": "goroutine", "reasn": "typo"}]}`, `unknown field "reasn"`},
		{"no reason", ".leakhound.json", `{"ignore": [{"kind": "goroutine"}]}`, "ignore rule 1: the rule has no reason"},
		{"bad kind", ".leakhound.json", `{"ignore": [{"kind": "thread", "reason": "r"}]}`, `kind "thread"`},
		{"syntax", ".leakhound.json", "{\n\"ignore\": [}\n", ".leakhound.json:2: "},
		{"entry without path", ".leakhound.json", `{"packages": [{"ignore": []}]}`, "packages entry 1 has no path"},
		{"version", ".leakhound.json", `{"version": 2}`, "version 2"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := ReadConfigJSON(writeConfig(t, tt.file, tt.content)); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("ReadConfigJSON = %v, want an error containing %q", err, tt.want)
			}
		})
	}
}
