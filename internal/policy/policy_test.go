package policy

import (
	"os"
	"path/filepath"
	"testing"

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
