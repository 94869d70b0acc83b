package vetcmd_test

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/leakhound/leakhound/internal/policy"
	"github.com/leakhound/leakhound/internal/testutil/srcedit"
	"github.com/leakhound/leakhound/passes"
)

// statusLeak leaks a response body; TestVetIgnoreRules writes it into two
// packages.
const statusLeak = `package %s

import "net/http"

// Status leaks the response body on every path.
func Status(url string) (int, error) {
	resp, err := http.Get(url)
	if err != nil {
		return 0, err
	}
	return resp.StatusCode, nil
}
`

// vetIgnoreConfig ignores the diagnostics of leaky.go (by function) and
// rawfd.go (by kind, resource and package), and the body leak of package
// legacy (a packages entry); its third rule names a reason no static
// finding has (line 8: never stale in vet), its fourth a function that is
// not there (line 10: stale).
const vetIgnoreConfig = `ignore:
  - any_function: example.com/leaky.Fetch
    reason: the fixture leaks on purpose
  - kind: static
    resource: os.File
    package: example.com/leaky
    reason: the fixture hands out descriptors on purpose
  - finding_reason: closed-by-gc
    reason: a reason of leakhound test, never of vet
  - any_function: example.com/leaky.Gone
    reason: a function the fixture does not have
packages:
  - path: example.com/leaky/legacy
    ignore:
      - resource: http.Response.Body
        reason: the legacy client is being replaced
`

// TestVetIgnoreRules runs vet on a copy of testdata/leaky, with the same
// leak in two new packages, legacy and fresh: the rules hide what they
// name and only that, in the text and in the report; the stale rule is
// reported with its line, and the rule of a runtime reason is not; a
// packages entry's vet section disables an analyzer for its packages only.
func TestVetIgnoreRules(t *testing.T) {
	bin := buildLeakhound(t)
	src, err := filepath.Abs(filepath.Join("testdata", "leaky"))
	if err != nil {
		t.Fatal(err)
	}
	dir := srcedit.CopyDir(t, src)
	for _, pkg := range []string{"legacy", "fresh"} {
		srcedit.WriteFile(t, dir, pkg+"/status.go", strings.Replace(statusLeak, "%s", pkg, 1))
	}
	srcedit.WriteFile(t, dir, ".leakhound.yaml", vetIgnoreConfig)
	cfg := filepath.Join(dir, ".leakhound.yaml")
	out := filepath.Join(dir, "report.json")
	r := runIn(t, dir, bin, "vet", "-json", out, "./...")
	var got []string
	for _, line := range strings.Split(strings.TrimSpace(r.stdout), "\n") {
		file, _, _ := strings.Cut(line, ":")
		got = append(got, file)
	}
	want := []string{"finalizer.go", "finalizer.go", "finalizer.go", "fresh/status.go"}
	if r.code != 1 || strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("exit %d, diagnostics in %q; want 1 and %q\n%s%s", r.code, got, want, r.stdout, r.stderr)
	}
	if rep := readReport(t, out); len(rep.Findings) != len(want) {
		t.Errorf("the report has %d findings, want %d", len(rep.Findings), len(want))
	} else {
		for _, f := range rep.Findings {
			if f.Package != "" {
				t.Errorf("a static finding got a package (its stable id would change): %+v", f)
			}
		}
	}
	for _, w := range []string{"3 finding(s) ignored by the rules of " + cfg, cfg + ":10: stale ignore rule"} {
		if !strings.Contains(r.stderr, w) {
			t.Errorf("stderr lacks %q:\n%s", w, r.stderr)
		}
	}
	if strings.Count(r.stderr, "stale ignore rule") != 1 {
		t.Errorf("want exactly one stale rule:\n%s", r.stderr)
	}

	srcedit.WriteFile(t, dir, ".leakhound.yaml", "packages:\n  - path: example.com/leaky/fresh\n    vet:\n      disable: [unclosed]\n")
	r = runIn(t, dir, bin, "vet", "./...")
	if strings.Contains(r.stdout, "fresh/status.go") || !strings.Contains(r.stdout, "legacy/status.go") || !strings.Contains(r.stdout, "leaky.go:12:") {
		t.Errorf("unclosed disabled for package fresh only: want legacy/status.go and leaky.go, not fresh/status.go\n%s%s", r.stdout, r.stderr)
	}
}

// TestStaticReasonsAreTheAnalyzers checks that the reasons policy knows for
// vet's findings are the names of the analyzers vet runs: a rule naming
// one can be reported stale in vet, a rule naming none cannot match there.
func TestStaticReasonsAreTheAnalyzers(t *testing.T) {
	var names []string
	for _, a := range passes.Analyzers {
		names = append(names, a.Name)
	}
	var reasons []string
	for _, r := range policy.StaticReasons {
		reasons = append(reasons, string(r))
	}
	slices.Sort(names)
	slices.Sort(reasons)
	if !slices.Equal(names, reasons) {
		t.Errorf("policy.StaticReasons = %v, want the analyzers' names %v", reasons, names)
	}
}
