package leakhound_test

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// layers says, for every package of the module, which packages of the
// module (and which modules besides the standard library) it may import:
// arrows point down, from the commands to the report model. A new package,
// or a new import across packages, is a decision about the architecture:
// make it here. Paths are relative to the module; "x/..." matches x and
// every package below it.
var layers = map[string][]string{
	// The model and the leaves: the standard library only (and the model,
	// for the stack parser, which turns its frames into the model's).
	"report":              nil,
	"internal/stack":      {"report"},
	"internal/heapdump":   nil,
	"internal/instrument": nil,
	"internal/fdtable":    nil,

	// What the tracker, the library and the agent share. Every package the
	// tracker uses is copied into the instrumented GOROOT: the standard
	// library and each other only.
	"internal/retain":  {"internal/heapdump"},
	"internal/gcqueue": {"internal/stack", "report"},
	"internal/verdict": {"internal/heapdump", "internal/policy", "internal/retain", "internal/stack", "report"},
	"internal/policy":  {"report"},
	"track":            {"internal/fdtable", "internal/gcqueue", "internal/policy", "internal/stack", "internal/verdict", "report"},

	// The configuration file's schema, read by the library, the agent and
	// (with YAML) the commands: the standard library only.
	"internal/configfile": {"internal/policy"},

	// The test author's API.
	"": {"internal/configfile", "internal/policy", "internal/verdict", "report"},

	// Static analysis, x/tools style.
	"passes/internal/passutil": {"golang.org/x/tools/..."},
	"passes/internal/noreturn": {"passes/internal/passutil", "golang.org/x/tools/..."},
	"passes/finalizer":         {"passes/internal/passutil", "golang.org/x/tools/..."},
	"passes/goroutineleak":     {"passes/internal/noreturn", "passes/internal/passutil", "golang.org/x/tools/..."},
	"passes/ignore":            {"passes/internal/passutil", "golang.org/x/tools/..."},
	"passes/rawfd":             {"passes/internal/passutil", "golang.org/x/tools/..."},
	"passes/unclosed":          {"passes/internal/noreturn", "passes/internal/passutil", "golang.org/x/tools/..."},
	"passes":                   {"passes/finalizer", "passes/goroutineleak", "passes/ignore", "passes/rawfd", "passes/unclosed", "golang.org/x/tools/..."},

	// Production.
	"internal/inspect": {"internal/stack", "report"},
	"agent": {
		"internal/configfile", "internal/fdtable", "internal/gcqueue", "internal/htmlreport", "internal/inspect",
		"internal/policy", "internal/stack", "internal/verdict", "report",
	},

	// The commands, over the shared command plumbing.
	"internal/htmlreport": {"report"},
	"internal/cmdutil":    {"internal/htmlreport", "report"},
	"internal/baseline":   {"internal/cmdutil", "report"},
	"internal/config":     {"internal/baseline", "internal/configfile", "internal/policy", "report", "go.yaml.in/yaml/v3"},
	"internal/runcmd":     {"internal/baseline", "internal/cmdutil", "internal/config", "internal/instrument", "internal/policy", "report", "track", "golang.org/x/mod/modfile"},
	"internal/vetcmd":     {"internal/baseline", "internal/cmdutil", "internal/config", "internal/policy", "passes", "report", "golang.org/x/tools/..."},
	"internal/inspectcmd": {"internal/cmdutil", "internal/config", "internal/inspect", "internal/policy", "report"},
	"internal/cli":        {"internal/cmdutil", "internal/inspectcmd", "internal/runcmd", "internal/vetcmd"},
	"cmd/leakhound":       {"internal/cli"},

	// Helpers used only by tests, and the examples users read.
	"agent/internal/browsertest": nil,
	"internal/testutil/...":      {"internal/stack"},
	"examples/...":               {"", "internal/testutil/sqltest"},
}

const modulePath = "github.com/leakhound/leakhound"

// TestLayering checks every import of every package of the module (tests
// left out) against layers.
func TestLayering(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", "{{.ImportPath}}{{range .Imports}} {{.}}{{end}}", "./...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for line := range strings.Lines(string(out)) {
		fields := strings.Fields(line)
		pkg, ok := relative(fields[0])
		if !ok {
			t.Errorf("go list printed %s, outside the module", fields[0])
			continue
		}
		allowed, ok := lookup(pkg)
		if !ok {
			t.Errorf("%s is not in layers: say in layering_test.go which packages it may import", show(pkg))
			continue
		}
		for _, imp := range fields[1:] {
			if isStd(imp) {
				continue
			}
			rel, inModule := relative(imp)
			if !inModule {
				rel = imp
			}
			if !slices.ContainsFunc(allowed, func(a string) bool { return matches(a, rel) }) {
				t.Errorf("%s imports %s, which layers does not allow", show(pkg), show(rel))
			}
		}
	}
}

// TestUsersGetOnlyTheStandardLibrary checks that the packages users import
// into their programs and tests, the library and the agent, depend on
// nothing outside the standard library and this module: no YAML parser, no
// x/tools.
func TestUsersGetOnlyTheStandardLibrary(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}", ".", "./agent").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for line := range strings.Lines(string(out)) {
		if path := strings.TrimSpace(line); path != "" {
			if _, ok := relative(path); !ok {
				t.Errorf("the library or the agent depends on %s, outside the standard library", path)
			}
		}
	}
}

// relative returns the path of a package of the module relative to the
// module ("" for the root package).
func relative(path string) (string, bool) {
	if path == modulePath {
		return "", true
	}
	rel, ok := strings.CutPrefix(path, modulePath+"/")
	return rel, ok
}

// lookup returns the imports layers allows pkg.
func lookup(pkg string) ([]string, bool) {
	if allowed, ok := layers[pkg]; ok {
		return allowed, true
	}
	for pattern, allowed := range layers {
		if strings.HasSuffix(pattern, "/...") && matches(pattern, pkg) {
			return allowed, true
		}
	}
	return nil, false
}

// matches reports whether path is pattern, or below it when pattern ends
// in "/...".
func matches(pattern, path string) bool {
	if base, ok := strings.CutSuffix(pattern, "/..."); ok {
		return path == base || strings.HasPrefix(path, base+"/")
	}
	return path == pattern
}

// isStd reports whether an import path is of the standard library: its
// first element has no dot.
func isStd(path string) bool {
	first, _, _ := strings.Cut(path, "/")
	return !strings.Contains(first, ".")
}

func show(rel string) string {
	if rel == "" {
		return "the root package"
	}
	return rel
}
