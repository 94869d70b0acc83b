package golangci_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/golangci/plugin-module-register/register"
	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/analysis/analysistest"

	"github.com/leakhound/leakhound/golangci"
)

// load builds the plugin the way golangci-lint does: by name, through the
// register package, from the decoded settings of .golangci.yml.
func load(t *testing.T, settings any) ([]*analysis.Analyzer, error) {
	t.Helper()
	newPlugin, err := register.GetPlugin(golangci.Name)
	if err != nil {
		t.Fatal(err)
	}
	p, err := newPlugin(settings)
	if err != nil {
		return nil, err
	}
	if mode := p.GetLoadMode(); mode != register.LoadModeTypesInfo {
		t.Errorf("GetLoadMode() = %q, want %q", mode, register.LoadModeTypesInfo)
	}
	return p.BuildAnalyzers()
}

func names(analyzers []*analysis.Analyzer) []string {
	var out []string
	for _, a := range analyzers {
		out = append(out, a.Name)
	}
	return out
}

func TestPluginRunsEveryAnalyzer(t *testing.T) {
	analyzers, err := load(t, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"unclosed", "rawfd", "finalizer", "goroutineleak", "ignore"}
	if got := names(analyzers); !reflect.DeepEqual(got, want) {
		t.Fatalf("analyzers = %v, want %v", got, want)
	}
	// Each testdata package has a finding of one analyzer and a suppressed
	// one, which must not be reported.
	for _, a := range analyzers {
		pkg := a.Name
		if a.Name == "ignore" {
			pkg = "directives"
		}
		t.Run(a.Name, func(t *testing.T) {
			analysistest.Run(t, analysistest.TestData(), a, pkg)
		})
	}
}

func TestPluginSettings(t *testing.T) {
	for _, tt := range []struct {
		name     string
		settings any
		want     []string
	}{
		{"empty", map[string]any{}, []string{"unclosed", "rawfd", "finalizer", "goroutineleak", "ignore"}},
		{"one analyzer", map[string]any{"analyzers": []any{"rawfd"}}, []string{"rawfd", "ignore"}},
		{"two analyzers", map[string]any{"analyzers": []any{"finalizer", "unclosed"}}, []string{"unclosed", "finalizer", "ignore"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			analyzers, err := load(t, tt.settings)
			if err != nil {
				t.Fatal(err)
			}
			if got := names(analyzers); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("analyzers = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestPluginRejectsBadSettings(t *testing.T) {
	for _, tt := range []struct {
		name     string
		settings any
		want     string
	}{
		{"unknown analyzer", map[string]any{"analyzers": []any{"rawfd", "bodyclose"}}, `unknown analyzer "bodyclose"`},
		{"unknown setting", map[string]any{"analyser": []any{"rawfd"}}, `unknown field "analyser"`},
		{"bad closable type", map[string]any{"closable-types": []any{"Lease"}}, `bad type "Lease"`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := load(t, tt.settings)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %v, want one containing %s", err, tt.want)
			}
		})
	}
}

func TestPluginClosableTypes(t *testing.T) {
	analyzers, err := load(t, map[string]any{"analyzers": []any{"unclosed"}, "closable-types": []any{"lease.Lease"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { analyzers[0].Flags.Set("types", "") })
	analysistest.Run(t, analysistest.TestData(), analyzers[0], "lease")
}

func TestPluginFinalizerLocks(t *testing.T) {
	analyzers, err := load(t, map[string]any{"analyzers": []any{"finalizer"}, "finalizer-locks": true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { analyzers[0].Flags.Set("locks", "false") })
	analysistest.Run(t, analysistest.TestData(), analyzers[0], "locks")
}
