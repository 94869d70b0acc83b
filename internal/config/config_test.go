package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func write(t *testing.T, dir, name, content string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

const goodYAML = `version: 1
ignore:
  - top_function: "github.com/golang/glog.(*loggingT).flushDaemon"
    reason: glog flushes for the life of the process
  - package: example.com/app/legacy/...
    finding_reason: closed-by-gc
    reason: the legacy importer is being replaced
thresholds:
  held: 30s
  retained: false
vet:
  disable: [rawfd]
  skip: ["gen/..."]
`

func TestReadYAMLAndJSON(t *testing.T) {
	dir := t.TempDir()
	jsonFile := `{
	"$schema": "leakhound.schema.json", "version": 1,
	"ignore": [
		{"created_by": "example.com/app.worker", "reason": "stopped by the process exit"}
	],
	"thresholds": {"held": "2m"}
}`
	for name, tt := range map[string]struct {
		content string
		line    string
	}{".leakhound.yaml": {goodYAML, ":3"}, ".leakhound.json": {jsonFile, ":4"}} {
		c, err := Read(write(t, dir, name, tt.content))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if len(c.Ignore) == 0 || c.Ignore[0].Reason == "" || c.Ignore[0].Where != filepath.Join(dir, name)+tt.line {
			t.Errorf("%s: rules %+v, want the first at line %s with its reason", name, c.Ignore, tt.line)
		}
		if c.Held == nil {
			t.Errorf("%s: held not read", name)
		}
	}
	c, _ := Read(filepath.Join(dir, ".leakhound.yaml"))
	if *c.Held != 30*time.Second || c.Retained == nil || *c.Retained || len(c.Vet.Disable) != 1 || c.Vet.Skip[0].Value != "gen/..." {
		t.Errorf("thresholds or vet not read: %+v", c)
	}
	if len(c.Ignore) != 2 || c.Ignore[1].Package != "example.com/app/legacy/..." || c.Ignore[1].FindingReason != "closed-by-gc" {
		t.Errorf("second rule %+v", c.Ignore[1])
	}
}

func TestReadErrorsNameTheLine(t *testing.T) {
	tests := []struct {
		name, content, want string
	}{
		{"unknown top key", "version: 1\nignored: []\n", ":2: unknown key \"ignored\""},
		{"unknown rule key", "ignore:\n  - kind: goroutine\n    reasn: typo\n", ":3: unknown key \"reasn\" in an ignore rule"},
		{"rule without reason", "ignore:\n  - kind: goroutine\n", ":2: the rule has no reason"},
		{"rule without matcher", "ignore:\n  - reason: why\n", ":2: the rule matches nothing"},
		{"bad kind", "ignore:\n  - kind: thread\n    reason: r\n", ":2: kind \"thread\""},
		{"bad finding reason", "ignore:\n  - finding_reason: closed\n    reason: r\n", ":2: finding_reason \"closed\""},
		{"bad test pattern", "ignore:\n  - test: \"(\"\n    reason: r\n", ":2: test \"(\" is not a regular expression"},
		{"bad held", "thresholds:\n  held: soon\n", ":2: held \"soon\""},
		{"version", "version: 2\n", ":1: version 2: this leakhound reads version 1"},
		{"unknown vet key", "vet:\n  only: [rawfd]\n", ":2: unknown key \"only\" in vet"},
		{"packages entry without path", "packages:\n  - thresholds: {held: 1s}\n", ":2: the packages entry has no path"},
		{"unknown packages entry key", "packages:\n  - path: x\n    hold: 1s\n", ":3: unknown key \"hold\" in a packages entry"},
		{"package matcher in an entry's rule", "packages:\n  - path: x/...\n    ignore:\n      - package: x/y\n        reason: r\n", ":4: package in a rule of a packages entry"},
		{"rule without reason in an entry", "packages:\n  - path: x/...\n    ignore:\n      - kind: goroutine\n", ":4: the rule has no reason"},
		{"bad held in an entry", "packages:\n  - path: x\n    thresholds:\n      held: soon\n", ":4: held \"soon\""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := write(t, t.TempDir(), ".leakhound.yaml", tt.content)
			_, err := Read(path)
			if err == nil || !strings.Contains(err.Error(), path+tt.want) {
				t.Errorf("Read = %v, want an error containing %q", err, path+tt.want)
			}
		})
	}
	path := write(t, t.TempDir(), ".leakhound.json", "{\n\"version\": 1,\n\"ignore\": [}\n")
	if _, err := Read(path); err == nil || !strings.Contains(err.Error(), path+":3: syntax error") {
		t.Errorf("a JSON syntax error: %v, want its line", err)
	}
}

// TestPackages checks the packages section: each entry's rules are limited
// to its packages, its thresholds and vet settings apply to the packages
// its path matches (the first entry that matches), and the file's apply to
// the others.
func TestPackages(t *testing.T) {
	path := write(t, t.TempDir(), ".leakhound.yaml", `thresholds:
  held: 30s
vet:
  disable: [rawfd]
  skip: [gen/...]
packages:
  - path: example.com/app/legacy/...
    ignore:
      - finding_reason: closed-by-gc
        reason: the legacy importer is being replaced
    thresholds:
      held: 5m
      retained: false
    vet:
      disable: []
      skip: [legacy/old.go]
  - path: example.com/app/legacy/db
    thresholds:
      held: 1s
`)
	c, err := Read(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Ignore) != 1 || c.Ignore[0].Package != "example.com/app/legacy/..." || c.Ignore[0].Where != path+":9" {
		t.Errorf("the entry's rule: %+v, want it limited to the entry's path, at line 9", c.Ignore)
	}
	for _, tt := range []struct {
		pkg      string
		wantHeld time.Duration // 0: no entry
		disabled int
		skips    int
	}{
		{"example.com/app/legacy", 5 * time.Minute, 0, 2},
		{"example.com/app/legacy/db", 5 * time.Minute, 0, 2}, // the first entry that matches
		{"example.com/app", 0, 1, 1},
		{"example.com/app/legacyx", 0, 1, 1},
	} {
		e := c.For(tt.pkg)
		switch {
		case tt.wantHeld == 0 && e != nil:
			t.Errorf("For(%s) = %+v, want none", tt.pkg, e)
		case tt.wantHeld != 0 && (e == nil || e.Held == nil || *e.Held != tt.wantHeld || e.Retained == nil || *e.Retained):
			t.Errorf("For(%s) = %+v, want held %v and retained false", tt.pkg, e, tt.wantHeld)
		}
		v := c.VetFor(tt.pkg)
		if len(v.Disable) != tt.disabled || len(v.Skip) != tt.skips {
			t.Errorf("VetFor(%s) = %+v, want %d disabled and %d skip patterns", tt.pkg, v, tt.disabled, tt.skips)
		}
	}
	if len(c.Vet.Skip) != 1 {
		t.Errorf("VetFor changed the file's skip list: %+v", c.Vet.Skip)
	}
}

func TestFind(t *testing.T) {
	root := t.TempDir()
	write(t, root, "go.mod", "module example.com/m\n")
	cfg := write(t, root, ".leakhound.yaml", "version: 1\n")
	write(t, root, "a/b/x.go", "package b\n")
	if got, err := Find(filepath.Join(root, "a", "b")); err != nil || got != cfg {
		t.Errorf("Find from a/b = %q, %v; want the file at the module root", got, err)
	}
	nested := write(t, root, "a/.leakhound.json", "{}")
	if got, _ := Find(filepath.Join(root, "a", "b")); got != nested {
		t.Errorf("Find from a/b = %q, want the nearer %s", got, nested)
	}
	// Above the module root is another project: not searched.
	outer := t.TempDir()
	write(t, outer, ".leakhound.yaml", "version: 1\n")
	write(t, outer, "mod/go.mod", "module example.com/n\n")
	if got, err := Find(filepath.Join(outer, "mod")); err != nil || got != "" {
		t.Errorf("Find stopped above the module root: %q, %v", got, err)
	}
	write(t, root, "a/.leakhound.yaml", "version: 1\n")
	if _, err := Find(filepath.Join(root, "a")); err == nil {
		t.Error("two configuration files in one directory were accepted")
	}
}

func TestStartDir(t *testing.T) {
	for _, tt := range []struct {
		give []string
		want string
	}{
		{nil, "."},
		{[]string{"./..."}, "."},
		{[]string{"./pkg/..."}, "./pkg"},
		{[]string{"example.com/x", "../y"}, "../y"},
		{[]string{"./cmd/app/main.go"}, "cmd/app"},
	} {
		if got := StartDir(tt.give); got != tt.want {
			t.Errorf("StartDir(%q) = %q, want %q", tt.give, got, tt.want)
		}
	}
}
