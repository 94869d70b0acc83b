package main

import (
	"bufio"
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
)

// A module is one module of the corpus with the packages that are checked.
type module struct {
	Path     string
	Version  string
	Dir      string // the module's directory in the module cache
	Packages []string
}

// notLibrary matches the path elements, below the module root, of packages
// that are tests, test helpers, examples or benchmarks rather than library
// or command code.
var notLibrary = regexp.MustCompile(`(^|/)[^/]*(test|e2e|example|interop|benchmark)[^/]*(/|$)`)

// testCode matches the paths, below the module root, of files that are test
// code: test files and the files of packages that are tests or test helpers.
var testCode = regexp.MustCompile(`(_test\.go$)|((^|/)[^/]*(test|e2e)[^/]*/)`)

// isTestCode reports whether the file at rel, a slash-separated path below
// its module's root, is test code.
func isTestCode(rel string) bool { return testCode.MatchString(rel) }

// readModules returns the modules listed in dir/modules.txt (one module path
// a line), each with its version in the corpus module at dir and its
// packages: those of the module that build, except, unless every is set,
// tests, test helpers, examples and benchmarks. only, when not empty,
// selects modules by path.
func readModules(dir string, only []string, every bool) ([]module, error) {
	f, err := os.Open(filepath.Join(dir, "modules.txt"))
	if err != nil {
		return nil, fmt.Errorf("read the corpus: %w", err)
	}
	defer f.Close()
	var mods []module
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		path := strings.TrimSpace(sc.Text())
		if path == "" || strings.HasPrefix(path, "#") {
			continue
		}
		if len(only) > 0 && !slices.Contains(only, path) {
			continue
		}
		mods = append(mods, module{Path: path})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read the corpus: %w", err)
	}
	for _, name := range only {
		if !slices.ContainsFunc(mods, func(m module) bool { return m.Path == name }) {
			return nil, fmt.Errorf("module %s is not in %s: see modules.txt", name, filepath.Join(dir, "modules.txt"))
		}
	}
	for i := range mods {
		if err := listPackages(dir, &mods[i], every); err != nil {
			return nil, err
		}
	}
	return mods, nil
}

// listPackages fills in the version and packages of m: every package that
// builds if every is set, else those that are not tests, test helpers,
// examples or benchmarks.
func listPackages(dir string, m *module, every bool) error {
	// -compiled runs cgo, so a package whose C headers are missing on this
	// machine reports its error here rather than fail the run.
	cmd := exec.Command("go", "list", "-e", "-compiled", "-json=ImportPath,Module,Error,DepsErrors", m.Path+"/...")
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return fmt.Errorf("list the packages of %s: %v: %s", m.Path, err, firstLine(stderr.String()))
	}
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p struct {
			ImportPath string
			Module     *struct{ Path, Version, Dir string }
			Error      *struct{ Err string }
			DepsErrors []struct{ Err string }
		}
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return fmt.Errorf("list the packages of %s: %w", m.Path, err)
		}
		if p.Error != nil || len(p.DepsErrors) > 0 || p.Module == nil || p.Module.Path != m.Path {
			continue // another module below this path, or a package that does not build
		}
		m.Version, m.Dir = p.Module.Version, p.Module.Dir
		if every || !notLibrary.MatchString(strings.TrimPrefix(p.ImportPath, m.Path)) {
			m.Packages = append(m.Packages, p.ImportPath)
		}
	}
	if len(m.Packages) == 0 {
		return fmt.Errorf("module %s has no packages to check in the corpus: run go mod download in %s", m.Path, dir)
	}
	return nil
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(strings.TrimSpace(s), "\n")
	return line
}

// withLoadableTests returns mods with only the packages whose test files
// load in the corpus at dir, and without the modules left with none: the
// corpus pins what the packages import, not always what their tests import
// (go.sum may lack a test-only dependency). It says on stderr what it left
// out.
func withLoadableTests(dir string, mods []module) ([]module, error) {
	var out []module
	for _, m := range mods {
		broken, err := brokenTests(dir, m.Packages)
		if err != nil {
			return nil, fmt.Errorf("list the tests of %s: %w", m.Path, err)
		}
		kept := slices.DeleteFunc(slices.Clone(m.Packages), func(p string) bool { return broken[p] })
		if n := len(m.Packages) - len(kept); n > 0 {
			fmt.Fprintf(os.Stderr, "tests: %s: %d of %d packages left out, their tests do not load in the corpus\n",
				m.Path, n, len(m.Packages))
		}
		if len(kept) > 0 {
			m.Packages = kept
			out = append(out, m)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no package of the modules chosen has tests that load in the corpus: choose others with -modules")
	}
	return out, nil
}

// brokenTests returns the packages among pkgs whose test variants do not
// load in the corpus at dir.
func brokenTests(dir string, pkgs []string) (map[string]bool, error) {
	cmd := exec.Command("go", append([]string{"list", "-e", "-test", "-json=ImportPath,ForTest,Incomplete"}, pkgs...)...)
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("%v: %s", err, firstLine(stderr.String()))
	}
	broken := map[string]bool{}
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p struct {
			ImportPath, ForTest string
			Incomplete          bool
		}
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return nil, err
		}
		if p.Incomplete {
			broken[cmp.Or(p.ForTest, p.ImportPath)] = true
		}
	}
	return broken, nil
}
