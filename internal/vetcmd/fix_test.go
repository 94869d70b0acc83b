package vetcmd_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/leakhound/leakhound/internal/vetcmd"
)

// copyDir copies the regular files of the directory src into a new
// temporary directory and returns it.
func copyDir(t *testing.T, src string) string {
	t.Helper()
	dst := t.TempDir()
	entries, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if !e.Type().IsRegular() {
			continue
		}
		b, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dst, e.Name()), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dst
}

func TestVetFix(t *testing.T) {
	bin := buildLeakhound(t)
	dir := copyDir(t, filepath.Join("testdata", "fixable"))

	r := runIn(t, dir, bin, "vet", "-fix", "./...")
	if r.code != 1 || !strings.Contains(r.stderr, "leakhound vet: applied 4 fixes: fixable.go (4)") {
		t.Fatalf("leakhound vet -fix = %d, want 1 and 4 fixes applied\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
	if lines := strings.Split(strings.TrimSpace(r.stdout), "\n"); len(lines) != 1 || !strings.Contains(lines[0], "fixable.go:64:") {
		t.Errorf("leakhound vet -fix printed %q, want only the finding without a fix, at line 64", r.stdout)
	}
	src, err := os.ReadFile(filepath.Join(dir, "fixable.go"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"\tdefer resp.Body.Close()\n\tif resp.StatusCode", "\tdefer f.Close()\n\tbuf :=", "\tdefer rows.Close()\n\tn := 0", "\tdefer t.Stop()\n\tfor range n"} {
		if !strings.Contains(string(src), want) {
			t.Errorf("fixed file lacks %q:\n%s", want, src)
		}
	}

	for _, args := range [][]string{{"build", "./..."}, {"vet", "./..."}} {
		if r := runIn(t, dir, "go", args...); r.code != 0 {
			t.Errorf("go %s on the fixed module = %d\n%s", strings.Join(args, " "), r.code, r.stderr)
		}
	}
	again := runIn(t, dir, bin, "vet", "./...")
	if lines := strings.Split(strings.TrimSpace(again.stdout), "\n"); again.code != 1 || len(lines) != 1 || !strings.Contains(lines[0], "fixable.go:68:") {
		t.Errorf("leakhound vet after -fix = %d\n%s\nwant 1 and only the finding of Maybe, now at line 68", again.code, again.stdout)
	}

	if r := runIn(t, dir, bin, "vet", "-fix", "-write-baseline", "b.json", "./..."); r.code != 2 {
		t.Errorf("leakhound vet -fix -write-baseline = %d, want 2 (usage)\n%s", r.code, r.stderr)
	}
}

func TestApplyFixesRefusesOverlaps(t *testing.T) {
	file := filepath.Join(t.TempDir(), "x.go")
	const src = "package x\n\nfunc f() {}\n"
	if err := os.WriteFile(file, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	fix := func(off, end int, text string) vetcmd.Diagnostic {
		return vetcmd.Diagnostic{Fixes: []vetcmd.Fix{{Edits: []vetcmd.Edit{{File: file, Offset: off, End: end, NewText: text}}}}}
	}
	_, err := vetcmd.ApplyFixes([]vetcmd.Diagnostic{fix(11, 15, "var"), fix(13, 17, "const")})
	if err == nil || !strings.Contains(err.Error(), "apply one, then run again") {
		t.Errorf("ApplyFixes(overlapping) = %v, want an error asking to apply one", err)
	}
	if b, _ := os.ReadFile(file); string(b) != src {
		t.Errorf("file changed after a refused fix:\n%s", b)
	}

	counts, err := vetcmd.ApplyFixes([]vetcmd.Diagnostic{fix(len(src), len(src), "\nvar  y = 1\n"), fix(len(src), len(src), "\nvar  y = 1\n")})
	if err != nil || counts[file] != 1 {
		t.Fatalf("ApplyFixes(same edit twice) = %v, %v; want 1 fix", counts, err)
	}
	if b, _ := os.ReadFile(file); string(b) != src+"\nvar y = 1\n" {
		t.Errorf("fixed file = %q, want the edit once, gofmt'd", b)
	}
}
