package configfile

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/leakhound/leakhound/internal/policy"
	"github.com/leakhound/leakhound/report"
)

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestReadJSON reads a .leakhound.json with top-level rules, a packages
// entry, thresholds and a vet section, and checks the rules' lines and
// what each rule ignores.
func TestReadJSON(t *testing.T) {
	path := writeFile(t, ".leakhound.json", `{
  "$schema": "leakhound.schema.json", "version": 1,
  "ignore": [{"top_function": "example.com/app.worker", "reason": "stopped at exit"}],
  "thresholds": {"held": "30s"},
  "vet": {"disable": ["rawfd"]},
  "packages": [{"path": "example.com/app/legacy/...",
    "ignore": [{"kind": "resource", "reason": "replaced in Q3"}], "thresholds": {"retained": false}}]
}`)
	c, err := ReadJSON(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := []string{c.Ignore[0].Where, c.Ignore[1].Where}; got[0] != path+":3" || got[1] != path+":7" {
		t.Errorf("rules at %v, want lines 3 and 7", got)
	}
	p, err := policy.New(nil, c.Ignore)
	if err != nil {
		t.Fatal(err)
	}
	worker := report.Finding{Kind: report.KindGoroutine, Stack: []report.Frame{{Func: "example.com/app.worker"}}}
	file := func(pkg string) report.Finding {
		return report.Finding{Kind: report.KindResource, Package: pkg, Stack: []report.Frame{{Func: "os.Open"}}}
	}
	kept, hits := p.Apply([]report.Finding{worker, file("example.com/app/legacy/db"), file("example.com/app"), file("")})
	if len(kept) != 2 || kept[0].Package != "example.com/app" || kept[1].Package != "" || hits[0] != 1 || hits[1] != 1 {
		t.Errorf("kept %+v, hits %v; want the files of no package and of example.com/app kept, one hit per rule", kept, hits)
	}
}

func TestReadJSONErrors(t *testing.T) {
	for _, tt := range []struct{ name, file, content, want string }{
		{"YAML", ".leakhound.yaml", "version: 1\n", "YAML is not supported yet here"},
		{"YML", ".leakhound.yml", "version: 1\n", "write the same keys as JSON in .leakhound.json"},
		{"unknown key", ".leakhound.json", "{\"ignore\": [\n{\"kind\": \"goroutine\",\n\"reasn\": \"typo\"}]}", `.leakhound.json:3: unknown key "reasn" in an ignore rule`},
		{"where", ".leakhound.json", "{\"ignore\": [\n{\"kind\": \"goroutine\", \"reason\": \"r\",\n\"where\": \"x:1\"}]}", `.leakhound.json:3: unknown key "where" in an ignore rule`},
		{"no reason", ".leakhound.json", "{\n\"ignore\": [{\"kind\": \"goroutine\"}]}", ".leakhound.json:2: the rule has no reason"},
		{"bad kind", ".leakhound.json", `{"ignore": [{"kind": "thread", "reason": "r"}]}`, `.leakhound.json:1: kind "thread"`},
		{"syntax", ".leakhound.json", "{\n\"ignore\": [}\n", ".leakhound.json:2: syntax error"},
		{"entry without path", ".leakhound.json", "{\"packages\": [\n{\"ignore\": []}]}", ".leakhound.json:2: the packages entry has no path"},
		{"version", ".leakhound.json", `{"version": 2}`, ".leakhound.json:1: version 2"},
		{"missing", "missing.json", "", "read the leakhound configuration"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), tt.file)
			if tt.content != "" {
				path = writeFile(t, tt.file, tt.content)
			}
			if _, err := ReadJSON(path); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("ReadJSON = %v, want an error containing %q", err, tt.want)
			}
		})
	}
}
