package agent

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestConfigFile samples 50 goroutines blocked at one site, a long-blocked
// suspect, with and without a configuration whose rule ignores them, and
// checks that a YAML file is refused.
func TestConfigFile(t *testing.T) {
	blockAt(t, 50)
	dir := t.TempDir()
	path := filepath.Join(dir, ".leakhound.json")
	rules := `{"ignore": [
		{"any_function": "github.com/leakhound/leakhound/agent.blockAt*", "reason": "the test blocks them on purpose"},
		{"kind": "resource", "reason": "another rule, for files"}
	]}`
	if err := os.WriteFile(path, []byte(rules), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name, file string
		want       bool // the blockAt site is reported
	}{{"without a configuration", "", true}, {"with a rule", path, false}} { // in this order
		t.Run(tt.name, func(t *testing.T) {
			a, err := newAgent(Options{Interval: time.Second, ProvenInterval: -1, MinCount: 40, MinGrowth: 1000, ConfigFile: tt.file})
			if err != nil {
				t.Fatal(err)
			}
			reported := func() bool {
				a.state.sample(time.Now())
				for _, f := range a.state.snapshot().report().Findings {
					for _, fr := range append(f.Stack, f.Origin...) {
						if strings.Contains(fr.Func, "agent.blockAt") {
							return true
						}
					}
				}
				return false
			}
			if tt.want {
				// The goroutines block soon after blockAt returns.
				waitFor(t, "the blocked site", reported)
			} else if reported() {
				t.Error("the site a rule ignores is reported")
			}
		})
	}
	yaml := filepath.Join(dir, ".leakhound.yaml")
	if _, err := newAgent(Options{ConfigFile: yaml}); err == nil || !strings.Contains(err.Error(), "not supported yet") || !strings.Contains(err.Error(), ".leakhound.json") {
		t.Errorf("a YAML configuration: %v, want an error naming .leakhound.json", err)
	}
	if err := Start(Options{ConfigFile: filepath.Join(dir, "missing.json")}); err == nil {
		Stop()
		t.Error("Start accepted a configuration file that does not exist")
	}
}
