package policy

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/leakhound/leakhound/report"
)

func TestWriteReadApply(t *testing.T) {
	path := filepath.Join(t.TempDir(), "policy.json")
	p, err := New([]string{"aaaaaaaaaaaaaaaa"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Write(path); err != nil {
		t.Fatal(err)
	}
	t.Setenv(Env, path)
	p, err = FromEnv()
	if err != nil {
		t.Fatal(err)
	}
	fs, _ := p.Apply([]report.Finding{{StableID: "aaaaaaaaaaaaaaaa"}, {StableID: "bbbbbbbbbbbbbbbb"}})
	if !fs[0].Known || fs[1].Known {
		t.Errorf("Apply = %+v, want only the first known", fs)
	}
	if failing := Failing(fs); len(failing) != 1 || failing[0].StableID != "bbbbbbbbbbbbbbbb" {
		t.Errorf("Failing = %+v, want the second", failing)
	}
}

func TestNilPolicyKnowsNothing(t *testing.T) {
	var p *Policy
	if fs, _ := p.Apply([]report.Finding{{StableID: "a"}}); fs[0].Known {
		t.Error("a nil policy marked a finding known")
	}
	t.Setenv(Env, "")
	if p, err := FromEnv(); p != nil || err != nil {
		t.Errorf("FromEnv without %s = %v, %v; want nil, nil", Env, p, err)
	}
}

func TestReadRejects(t *testing.T) {
	for name, content := range map[string]string{
		"other schema":  `{"schema": "leakhound.policy/v9"}`,
		"unknown field": `{"schema": "leakhound.policy/v1", "knwon": []}`,
		"not JSON":      `schema: x`,
	} {
		path := filepath.Join(t.TempDir(), "p.json")
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := Read(path); err == nil {
			t.Errorf("%s: Read accepted %s", name, content)
		}
	}
}

// TestThresholdsFor checks that the first entry whose path matches a
// package gives its thresholds, and that a policy read back keeps them.
func TestThresholdsFor(t *testing.T) {
	minute, off := time.Minute, false
	p, err := New(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	p.Packages = []Thresholds{{Path: "example.com/a/...", Held: &minute}, {Path: "example.com/a/b", Retained: &off}}
	path := filepath.Join(t.TempDir(), "policy.json")
	if err := p.Write(path); err != nil {
		t.Fatal(err)
	}
	q, err := Read(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		pkg  string
		held bool
	}{{"example.com/a", true}, {"example.com/a/b", true}, {"example.com/ab", false}, {"", false}} {
		held, retained := q.ThresholdsFor(tt.pkg)
		if (held != nil) != tt.held || held != nil && *held != minute || retained != nil {
			t.Errorf("ThresholdsFor(%q) = %v, %v; want held %v and no retained", tt.pkg, held, retained, tt.held)
		}
	}
	if held, retained := (*Policy)(nil).ThresholdsFor("example.com/a"); held != nil || retained != nil {
		t.Error("a nil policy has thresholds")
	}
}
