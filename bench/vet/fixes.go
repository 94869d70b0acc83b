package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// A fixRun is what applying leakhound vet's suggested fixes to one module
// did: the files changed, whether the changed packages still build, and
// their tests before and after.
type fixRun struct {
	Module  module
	Applied int      // fixes applied, as leakhound vet -fix says
	Changed []string // files changed, relative to the module root
	// Packages are the import paths of the packages holding changed
	// files; Build is the first line of go vet's failure on them after
	// the fixes, when it passed before ("" otherwise).
	Packages []string
	Build    string
	// Before and After hold, per package, the outcome of go test -short
	// on the pristine and on the fixed copy: "ok", "no tests" or "FAIL"
	// with the first failing line.
	Before, After map[string]string
}

// applied matches leakhound vet -fix's summary line.
var applied = regexp.MustCompile(`applied (\d+) fix`)

// fixesMain applies leakhound vet -fix to a copy of each module of the
// corpus and checks that the changed packages build, pass go vet, and pass
// the tests they passed before the fixes.
func fixesMain(args []string) error {
	flags := flag.NewFlagSet("fixes", flag.ExitOnError)
	var c common
	c.register(flags)
	timeout := flags.Duration("timeout", 5*time.Minute, "go test -timeout of one package")
	tests := flags.Bool("tests", true, "also analyze and fix the packages' test files (go test then runs the fixed tests)")
	flags.Parse(args)
	tmp, mods, cleanup, err := c.setup()
	if err != nil {
		return err
	}
	defer cleanup()
	var runs []fixRun
	unchecked := 0
	for _, m := range mods {
		r, err := fixModule(c.leakhound, c.corpus, tmp, m, *tests, *timeout)
		if err != nil {
			// A module whose tests need other versions of dependencies
			// than the corpus pins does not load: it is counted apart.
			fmt.Fprintf(os.Stderr, "%s@%s: not checked: %v\n", m.Path, m.Version, err)
			unchecked++
			continue
		}
		fmt.Fprintf(os.Stderr, "%s@%s: %d fixes in %d files\n", m.Path, m.Version, r.Applied, len(r.Changed))
		if r.Applied > 0 {
			runs = append(runs, r)
		}
	}
	broken := writeFixes(os.Stdout, runs)
	fmt.Printf("\n%d modules, %d with fixes applied, %d not checked (see above)\n", len(mods), len(runs), unchecked)
	if broken > 0 {
		return fmt.Errorf("%d packages broken by the fixes: see the table", broken)
	}
	return nil
}

// fixModule copies m twice (pristine and fixed), each beside a copy of the
// corpus module that replaces m with it (so that m builds with the corpus's
// versions of its dependencies, whatever its own go.mod replaces), applies
// the fixes to one and, when some were applied, vets and tests the changed
// packages in both.
func fixModule(bin, corpus, tmp string, m module, tests bool, timeout time.Duration) (fixRun, error) {
	r := fixRun{Module: m}
	base := filepath.Join(tmp, strings.ReplaceAll(m.Path, "/", "_"))
	pristine, fixed := base+".pristine", base+".fixed"
	defer os.RemoveAll(pristine)
	defer os.RemoveAll(fixed)
	for _, side := range []string{pristine, fixed} {
		if err := replacedCopy(corpus, m, side); err != nil {
			return r, err
		}
	}
	out, err := goCommand(filepath.Join(fixed, "corpus"), append([]string{bin, "vet", "-tests=" + strconv.FormatBool(tests), "-fix"}, m.Packages...))
	var exit *exec.ExitError
	if err != nil && !(errors.As(err, &exit) && exit.ExitCode() == 1) {
		return r, fmt.Errorf("leakhound vet -fix: %v: %s", err, firstLine(out))
	}
	if sm := applied.FindStringSubmatch(out); sm != nil {
		fmt.Sscan(sm[1], &r.Applied)
	}
	if r.Applied == 0 {
		return r, nil
	}
	if r.Changed, err = changedFiles(filepath.Join(pristine, "mod"), filepath.Join(fixed, "mod")); err != nil {
		return r, err
	}
	for _, f := range r.Changed {
		p := m.Path
		if d := filepath.ToSlash(filepath.Dir(f)); d != "." {
			p += "/" + d
		}
		if !slices.Contains(r.Packages, p) {
			r.Packages = append(r.Packages, p)
		}
	}
	// go vet builds the packages and their tests; a package that did not
	// vet cleanly before the fixes (go vet's own checks) is judged by its
	// tests alone.
	vet := append([]string{"go", "vet"}, r.Packages...)
	if _, err := goCommand(filepath.Join(pristine, "corpus"), vet); err == nil {
		if out, err := goCommand(filepath.Join(fixed, "corpus"), vet); err != nil {
			r.Build = firstLine(out)
		}
	}
	r.Before, r.After = map[string]string{}, map[string]string{}
	for _, p := range r.Packages {
		r.Before[p] = testOutcome(filepath.Join(pristine, "corpus"), p, timeout)
		r.After[p] = testOutcome(filepath.Join(fixed, "corpus"), p, timeout)
	}
	return r, nil
}

// replacedCopy copies m's directory to side/mod and the corpus module's
// go.mod and go.sum to side/corpus, adding a replace directive of m by
// ../mod.
func replacedCopy(corpus string, m module, side string) error {
	if err := copyTree(m.Dir, filepath.Join(side, "mod")); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Join(side, "corpus"), 0o755); err != nil {
		return err
	}
	for _, name := range []string{"go.mod", "go.sum"} {
		data, err := os.ReadFile(filepath.Join(corpus, name))
		if err != nil {
			return err
		}
		if name == "go.mod" {
			data = fmt.Appendf(data, "\nreplace %s => ../mod\n", m.Path)
		}
		if err := os.WriteFile(filepath.Join(side, "corpus", name), data, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// goCommand runs args in dir with module downloads allowed (a copied
// module's tests may need modules the corpus did not download) and returns
// its combined output.
func goCommand(dir string, args []string) (string, error) {
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOWORK=off")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return out.String(), err
}

// testOutcome runs go test -short on pkg in dir and sums up the outcome.
func testOutcome(dir, pkg string, timeout time.Duration) string {
	out, err := goCommand(dir, []string{"go", "test", "-short", "-count=1", "-timeout", timeout.String(), pkg})
	switch {
	case err == nil && strings.Contains(out, "[no test files]"):
		return "no tests"
	case err == nil:
		return "ok"
	}
	for line := range strings.SplitSeq(out, "\n") {
		if strings.Contains(line, "FAIL") || strings.Contains(line, "panic") || strings.Contains(line, ".go:") {
			return "FAIL: " + strings.TrimSpace(line)
		}
	}
	return "FAIL: " + firstLine(out)
}

// copyTree copies the regular files below src to dst, writable (the module
// cache's are not).
func copyTree(src, dst string) error {
	return filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, path)
		if err != nil {
			return err
		}
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		if !d.Type().IsRegular() {
			return nil
		}
		in, err := os.Open(path)
		if err != nil {
			return err
		}
		defer in.Close()
		out, err := os.OpenFile(target, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
		if err != nil {
			return err
		}
		if _, err := io.Copy(out, in); err != nil {
			out.Close()
			return err
		}
		return out.Close()
	})
}

// changedFiles returns the .go files of b that differ from those of a,
// relative to b.
func changedFiles(a, b string) ([]string, error) {
	var changed []string
	err := filepath.WalkDir(b, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") {
			return err
		}
		rel, err := filepath.Rel(b, path)
		if err != nil {
			return err
		}
		after, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		before, err := os.ReadFile(filepath.Join(a, rel))
		if err != nil || !bytes.Equal(before, after) {
			changed = append(changed, rel)
		}
		return nil
	})
	return changed, err
}

// writeFixes prints one Markdown row per changed package and returns the
// number of packages the fixes broke: that no longer build or vet, or
// whose tests passed before and fail after.
func writeFixes(w io.Writer, runs []fixRun) int {
	fmt.Fprintln(w, "| module | package | fixes in module | build + vet | tests before | tests after |")
	fmt.Fprintln(w, "|---|---|---:|---|---|---|")
	broken := 0
	for _, r := range runs {
		build := "ok"
		if r.Build != "" {
			build = "FAIL: " + r.Build
		}
		for _, p := range r.Packages {
			before, after := r.Before[p], r.After[p]
			if r.Build != "" || (before != after && !strings.HasPrefix(before, "FAIL")) {
				broken++
			}
			fmt.Fprintf(w, "| %s@%s | %s | %d | %s | %s | %s |\n", r.Module.Path, r.Module.Version,
				strings.TrimPrefix(p, r.Module.Path), r.Applied, cell(build), cell(before), cell(after))
		}
	}
	return broken
}

// cell escapes s for a Markdown table cell.
func cell(s string) string {
	return strings.ReplaceAll(s, "|", `\|`)
}
