package leakhound

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/leakhound/leakhound/report"
)

// The Go runtime ships its own goroutine leak corpus: micro tests, the leak
// patterns of the CGO'24 paper and GoKer kernels of real bugs, with the leaks
// each must show in goroutineleakprofile_test.go. This test builds those
// programs with every profile write replaced by leakhound.Find, and checks
// that leakhound finds every expected leak as proven, and nothing else.

var corpusRuns = flag.Int("corpus.runs", 3, "runs of each program of the runtime's leak corpus")

// corpusCase is one test case of the runtime's goroutineleakprofile_test.go.
type corpusCase struct {
	name  string
	goker bool // built from the goker directory
	flaky bool // leaks too flaky to be required, only allowed
	leaks []*regexp.Regexp
}

// readCorpusCases reads the cases from the runtime's own test, so they follow
// the installed Go version. Each is a call makeTest(name, leaks...) or
// makeFlakyTest(name, leaks...) inside the assignment of one of the lists.
func readCorpusCases(t *testing.T, path string) []corpusCase {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, path, nil, 0)
	if err != nil {
		t.Fatalf("read the runtime's leak expectations: %v", err)
	}
	var cases []corpusCase
	ast.Inspect(f, func(n ast.Node) bool {
		as, ok := n.(*ast.AssignStmt)
		if !ok || len(as.Lhs) != 1 {
			return true
		}
		list, ok := as.Lhs[0].(*ast.Ident)
		if !ok || !strings.HasSuffix(list.Name, "Cases") && list.Name != "microTests" {
			return true
		}
		ast.Inspect(as, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			fn, ok := call.Fun.(*ast.Ident)
			if !ok || (fn.Name != "makeTest" && fn.Name != "makeFlakyTest") {
				return true
			}
			var strs []string
			for _, a := range call.Args {
				lit, ok := a.(*ast.BasicLit)
				if !ok || lit.Kind != token.STRING {
					t.Fatalf("%s: unexpected argument in %s", fset.Position(a.Pos()), fn.Name)
				}
				s, err := strconv.Unquote(lit.Value)
				if err != nil {
					t.Fatal(err)
				}
				strs = append(strs, s)
			}
			c := corpusCase{name: strs[0], goker: list.Name == "gokerTestCases", flaky: fn.Name == "makeFlakyTest"}
			for _, s := range strs[1:] {
				c.leaks = append(c.leaks, regexp.MustCompile(s))
			}
			cases = append(cases, c)
			return false
		})
		return false
	})
	if len(cases) == 0 {
		t.Fatalf("no test cases found in %s: has its layout changed?", path)
	}
	return cases
}

// reportHook replaces the programs' profile writes.
const reportHook = `package main

import (
	"encoding/json"
	"fmt"
	"io"
	"runtime/pprof"

	"github.com/leakhound/leakhound"
)

func leakhoundReport(_ *pprof.Profile, w io.Writer) {
	if !leakhound.ProvenAvailable() {
		fmt.Fprintln(w, "leakhound: goroutineleak profile not available")
		return
	}
	r, err := leakhound.Find(leakhound.ProvenOnly())
	if err != nil {
		fmt.Fprintln(w, "leakhound:", err)
		return
	}
	json.NewEncoder(w).Encode(r)
}
`

// buildCorpusProgram copies dir into a module that uses this repository,
// rewrites the profile writes and builds it.
func buildCorpusProgram(t *testing.T, dir, out string, env []string) string {
	root, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	mod := filepath.Join(t.TempDir(), filepath.Base(dir))
	if err := os.MkdirAll(mod, 0o755); err != nil {
		t.Fatal(err)
	}
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no Go files in %s: %v", dir, err)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		b = bytes.ReplaceAll(b, []byte("prof.WriteTo(os.Stdout, 2)"), []byte("leakhoundReport(prof, os.Stdout)"))
		if err := os.WriteFile(filepath.Join(mod, filepath.Base(f)), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	gomod := fmt.Sprintf("module corpus\n\ngo 1.26\n\nrequire github.com/leakhound/leakhound v0.0.0\n\nreplace github.com/leakhound/leakhound => %s\n", root)
	for name, text := range map[string]string{"go.mod": gomod, "leakhound_report.go": reportHook} {
		if err := os.WriteFile(filepath.Join(mod, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command("go", "build", "-mod=mod", "-o", out, ".")
	cmd.Dir = mod
	cmd.Env = append(os.Environ(), env...)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build %s: %v\n%s", dir, err, b)
	}
	return out
}

// runCorpusCase runs one case once and returns its leaks written as the
// runtime's test writes them: "outermost function(...) [wait reason]".
func runCorpusCase(exe string, c corpusCase) ([]string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, exe, c.name)
	cmd.Env = append(os.Environ(), "GODEBUG=asyncpreemptoff=1")
	if !c.flaky {
		cmd.Env = append(cmd.Env, "GOMAXPROCS=1")
	}
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("%s: %v\n%s", c.name, err, out)
	}
	var leaks []string
	reports := 0
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(nil, 64<<20)
	for sc.Scan() {
		line := sc.Bytes()
		if bytes.HasPrefix(line, []byte("leakhound:")) {
			return nil, fmt.Errorf("%s: %s", c.name, line)
		}
		var r Report
		if !bytes.HasPrefix(line, []byte("{")) || json.Unmarshal(line, &r) != nil {
			continue
		}
		reports++
		for _, f := range r.Findings {
			if f.Certainty != report.Proven || len(f.Stack) == 0 || len(f.Origin) == 0 {
				return nil, fmt.Errorf("%s: finding is not proven with a stack and an origin: %+v", c.name, f)
			}
			outer := strings.TrimPrefix(f.Stack[len(f.Stack)-1].Func, "main.")
			for range f.Count {
				leaks = append(leaks, outer+"(...) ["+f.Wait+"]")
			}
		}
	}
	if reports == 0 {
		return nil, fmt.Errorf("%s: no leakhound report in the output:\n%s", c.name, out)
	}
	return leaks, nil
}

func TestGoRuntimeLeakCorpus(t *testing.T) {
	goroot, err := exec.Command("go", "env", "GOROOT").Output()
	if err != nil {
		t.Fatal(err)
	}
	src := filepath.Join(strings.TrimSpace(string(goroot)), "src", "runtime")
	cases := readCorpusCases(t, filepath.Join(src, "goroutineleakprofile_test.go"))

	var env []string
	if !ProvenAvailable() {
		// Go 1.26: the profile is an experiment.
		env = append(env, "GOEXPERIMENT=goroutineleakprofile")
	}
	bin := t.TempDir()
	dir := filepath.Join(src, "testdata", "testgoroutineleakprofile")
	var exes [2]string
	var wg sync.WaitGroup
	wg.Go(func() { exes[0] = buildCorpusProgram(t, dir, filepath.Join(bin, "micro"), env) })
	wg.Go(func() { exes[1] = buildCorpusProgram(t, filepath.Join(dir, "goker"), filepath.Join(bin, "goker"), env) })
	wg.Wait()
	if t.Failed() {
		return
	}

	var mu sync.Mutex
	var table []string
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			exe := exes[0]
			if c.goker {
				exe = exes[1]
			}
			found := make([]int, len(c.leaks))
			var unexpected []string
			for range *corpusRuns {
				leaks, err := runCorpusCase(exe, c)
				if err != nil {
					t.Fatal(err)
				}
			leak:
				for _, l := range leaks {
					for i, re := range c.leaks {
						if re.MatchString(l) {
							found[i]++
							continue leak
						}
					}
					unexpected = append(unexpected, l)
				}
			}
			seen := 0
			for i, n := range found {
				if n > 0 {
					seen++
				} else if !c.flaky {
					t.Errorf("expected leak %s not found in %d runs", c.leaks[i], *corpusRuns)
				}
			}
			if len(unexpected) > 0 {
				t.Errorf("unexpected leaks: %s", strings.Join(unexpected, "; "))
			}
			kind := "stable"
			if c.flaky {
				kind = "flaky"
			}
			mu.Lock()
			table = append(table, fmt.Sprintf("%-40s %-6s %d/%d patterns found over %d runs, %d unexpected", c.name, kind, seen, len(c.leaks), *corpusRuns, len(unexpected)))
			mu.Unlock()
		})
	}
	t.Cleanup(func() {
		sort.Strings(table)
		t.Logf("runtime leak corpus, %d cases:\n%s", len(table), strings.Join(table, "\n"))
	})
}
