package vetcmd_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/leakhound/leakhound/internal/testutil/srcedit"
	"github.com/leakhound/leakhound/report"
)

// TestVetBaseline writes a baseline of testdata/leaky, moves every line of
// its files and reformats them, and checks that the baseline still knows
// every diagnostic, and that one new leak is the only one printed.
func TestVetBaseline(t *testing.T) {
	bin := buildLeakhound(t)
	src, err := filepath.Abs(filepath.Join("testdata", "leaky"))
	if err != nil {
		t.Fatal(err)
	}
	dir := srcedit.CopyDir(t, src)
	base := filepath.Join(dir, "baseline.json")
	out := filepath.Join(dir, "report.json")

	before := runIn(t, dir, bin, "vet", "-write-baseline", base, "./...")
	written := strings.Count(before.stdout, "\n")
	if before.code != 1 || written != len(wantText) {
		t.Fatalf("before the edit: exit %d, %d diagnostics; want 1 and %d\n%s%s", before.code, written, len(wantText), before.stdout, before.stderr)
	}

	srcedit.ShiftLines(t, dir)
	after := runIn(t, dir, bin, "vet", "-baseline", base, "-json", out, "./...")
	if after.code != 0 || after.stdout != "" {
		t.Errorf("after the edit: exit %d, want 0 and no diagnostic\nstdout:\n%s\nstderr:\n%s", after.code, after.stdout, after.stderr)
	}
	if !strings.Contains(after.stderr, "known leak(s)") || strings.Contains(after.stderr, "no longer found") {
		t.Errorf("after the edit, stderr lacks the known line or reports fixed entries:\n%s", after.stderr)
	}
	if rep := readReport(t, out); countKnown(rep) != len(rep.Findings) || len(rep.Findings) != len(wantText) {
		t.Errorf("after the edit: %d findings, %d known; want %d, all known", len(rep.Findings), countKnown(rep), len(wantText))
	}
	if strings.Contains(before.stdout, "leaky.go:12:") == strings.Contains(runIn(t, dir, bin, "vet", "./...").stdout, "leaky.go:12:") {
		t.Errorf("the edit did not move the leak of leaky.go:12")
	}

	srcedit.WriteFile(t, dir, "more.go", `package leaky

import "net/http"

// Status leaks the response body on every path.
func Status(url string) (int, error) {
	resp, err := http.Get(url)
	if err != nil {
		return 0, err
	}
	return resp.StatusCode, nil
}
`)
	added := runIn(t, dir, bin, "vet", "-baseline", base, "-json", out, "./...")
	lines := strings.Split(strings.TrimSpace(added.stdout), "\n")
	if added.code != 1 || len(lines) != 1 || !strings.HasPrefix(lines[0], "more.go:") {
		t.Errorf("after adding a leak: exit %d, diagnostics %q; want 1 and one in more.go\n%s", added.code, lines, added.stderr)
	}
	if rep := readReport(t, out); len(rep.Findings)-countKnown(rep) != 1 {
		t.Errorf("after adding a leak: %d findings, %d known; want one not known", len(rep.Findings), countKnown(rep))
	}
}

func readReport(t *testing.T, path string) *report.Report {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var rep report.Report
	if err := json.Unmarshal(data, &rep); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if err := rep.Validate(); err != nil {
		t.Errorf("%s breaks the format: %v", path, err)
	}
	return &rep
}

func countKnown(rep *report.Report) int {
	n := 0
	for _, f := range rep.Findings {
		if f.Known {
			n++
		}
	}
	return n
}

// TestVetConfig runs vet on a copy of testdata/leaky with a .leakhound.yaml
// that disables the finalizer analyzer and skips rawfd.go.
func TestVetConfig(t *testing.T) {
	bin := buildLeakhound(t)
	src, err := filepath.Abs(filepath.Join("testdata", "leaky"))
	if err != nil {
		t.Fatal(err)
	}
	dir := srcedit.CopyDir(t, src)
	srcedit.WriteFile(t, dir, ".leakhound.yaml", "version: 1\nvet:\n  disable: [finalizer]\n  skip: [rawfd.go]\n")
	r := runIn(t, dir, bin, "vet", "./...")
	for _, line := range strings.Split(strings.TrimSpace(r.stdout), "\n") {
		if strings.HasSuffix(line, "(finalizer)") || strings.HasPrefix(line, "rawfd.go:") {
			t.Errorf("a disabled analyzer or a skipped file reported: %s", line)
		}
	}
	if n := strings.Count(r.stdout, "\n"); r.code != 1 || n != len(wantText)-2 {
		t.Errorf("exit %d, %d diagnostics; want 1 and %d\n%s", r.code, n, len(wantText)-2, r.stdout)
	}
	srcedit.WriteFile(t, dir, ".leakhound.yaml", "vet:\n  enable: [unclosed, rawfs]\n")
	r = runIn(t, dir, bin, "vet", "./...")
	if want := ".leakhound.yaml:2: unknown analyzer \"rawfs\""; r.code != 2 || !strings.Contains(r.stderr, want) {
		t.Errorf("an unknown analyzer: exit %d, want 2 and %q\n%s", r.code, want, r.stderr)
	}
}
