package agent

import (
	"fmt"
	"net/http/httptest"
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
	bad := filepath.Join(dir, "bad.json")
	if err := os.WriteFile(bad, []byte("{\"ignore\": [\n  {\"kind\": \"goroutine\", \"where\": \"x.go:1\", \"reason\": \"r\"}]}"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := newAgent(Options{ConfigFile: bad}); err == nil || !strings.Contains(err.Error(), bad+`:2: unknown key "where" in an ignore rule`) {
		t.Errorf("a rule with a where key: %v, want an error naming its line", err)
	}
	if err := Start(Options{ConfigFile: filepath.Join(dir, "missing.json")}); err == nil {
		Stop()
		t.Error("Start accepted a configuration file that does not exist")
	}
}

// TestStaleRules checks what the page says of the ignore rules: the
// findings they ignore now, and the rules that matched no finding since
// the agent started, which stay matched after their findings are gone; a
// rule for findings the agent never reports (resources) is not stale.
func TestStaleRules(t *testing.T) {
	release := make(chan struct{})
	defer func() {
		select {
		case <-release:
		default:
			close(release)
		}
	}()
	for range 50 {
		go func() { <-release }()
	}
	path := filepath.Join(t.TempDir(), ".leakhound.json")
	rules := `{"ignore": [
		{"any_function": "github.com/leakhound/leakhound/agent.TestStaleRules*", "reason": "blocked on purpose"},
		{"created_by": "example.com/never.start", "reason": "a rule for nothing"},
		{"kind": "resource", "reason": "a rule for files: the agent reports none, never stale here"}
	]}`
	if err := os.WriteFile(path, []byte(rules), 0o644); err != nil {
		t.Fatal(err)
	}
	a, err := newAgent(Options{Interval: time.Second, ProvenInterval: -1, MinCount: 40, MinGrowth: 1000, ConfigFile: path})
	if err != nil {
		t.Fatal(err)
	}
	ignoring := func(want bool) func() bool {
		return func() bool {
			a.state.sample(time.Now())
			_, hits := a.state.snapshot().reportWithHits()
			return (hits[0] > 0) == want
		}
	}
	page := func() string {
		rec := httptest.NewRecorder()
		a.servePage(rec, nil)
		return rec.Body.String()
	}
	stale := func(p string, line int) bool {
		return strings.Contains(p, fmt.Sprintf("<li class=\"meta\">%s:%d: ", path, line))
	}

	waitFor(t, "the rule to ignore the blocked site", ignoring(true))
	p := page()
	if !strings.Contains(p, "3 ignore rule(s) of "+path+": 1 finding(s) ignored now") || !stale(p, 3) || stale(p, 2) || stale(p, 4) {
		t.Errorf("while the site is ignored, the page does not say 1 finding ignored and only the rule at line 3 stale:\n%s", p)
	}

	close(release)
	waitFor(t, "the blocked goroutines to exit", ignoring(false))
	p = page()
	if !strings.Contains(p, "0 finding(s) ignored now") || !stale(p, 3) || stale(p, 2) || stale(p, 4) {
		t.Errorf("once the site is gone, the rule that ignored it is stale, or the counts are wrong:\n%s", p)
	}

	b, err := newAgent(Options{Interval: time.Second, ProvenInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	b.servePage(rec, nil)
	if strings.Contains(rec.Body.String(), "ignore rule") {
		t.Errorf("without a configuration file, the page speaks of ignore rules")
	}
}
