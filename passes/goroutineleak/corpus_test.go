package goroutineleak_test

import (
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
	"testing"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/analysis/checker"
	"golang.org/x/tools/go/packages"
	"golang.org/x/tools/go/ssa"
	"golang.org/x/tools/go/ssa/ssautil"

	"github.com/leakhound/leakhound/passes/goroutineleak"
	"github.com/leakhound/leakhound/passes/internal/passutil"
)

// The runtime's goroutine leak profile is tested on small programs whose
// leaks are known: micro tests, the leak patterns of "Unveiling and
// Vanquishing Goroutine Leaks in Enterprise Microservices" (CGO 2024), and
// the GoKer kernels of GoBench. TestRuntimeCorpus runs the analyzer over the
// programs of the installed Go and measures how many of the expected leaks
// it reports at the go statement that starts the leaking goroutine, and how
// many findings it reports elsewhere.

// corpusGroups are the test case lists of the runtime's
// goroutineleakprofile_test.go, the directory of their programs, and the
// name of the group in the table.
var corpusGroups = []struct {
	list, dir, name string
	files           []string // the files of the group's programs in dir
}{
	{"microTests", "", "micro tests", []string{"simple.go"}},
	{"stressTestCases", "", "stress tests", []string{"stresstests.go"}},
	{"patternTestCases", "", "CGO'24 patterns", []string{"commonpatterns.go"}},
	{"gokerTestCases", "goker", "GoKer kernels", nil},
}

// floors are what the analyzer measured on the Go 1.26 corpus (the 1.27
// corpus adds one micro test, which it finds): the least number of leaks
// found at the right go statement, and the most findings elsewhere, per
// group. The one GoKer finding elsewhere is the leak of kubernetes1321.go,
// which the runtime test lists only in a comment because the kernel is
// racy.
var floors = map[string]struct{ found, elsewhere int }{
	"micro tests":     {12, 0},
	"stress tests":    {1, 0},
	"CGO'24 patterns": {5, 0},
	"GoKer kernels":   {21, 1},
}

// An expectedLeak is a goroutine the runtime test expects to leak: its test
// case and a pattern of the function the goroutine runs.
type expectedLeak struct {
	test string
	fn   *regexp.Regexp
}

// groupResult is one row of the table.
type groupResult struct {
	expected, found int
	hits            []string // found: the leak, and the finding
	elsewhere       []string
	missed          []string
	unmapped        []string // expected leaks no go statement of the corpus starts
}

func TestRuntimeCorpus(t *testing.T) {
	out, err := exec.Command("go", "env", "GOROOT").Output()
	if err != nil {
		t.Fatalf("go env GOROOT: %v", err)
	}
	goroot := strings.TrimSpace(string(out))
	src := filepath.Join(goroot, "src", "runtime", "testdata", "testgoroutineleakprofile")
	if _, err := os.Stat(src); err != nil {
		t.Skipf("no goroutine leak corpus in this Go: %v", err)
	}
	leaks, err := expectedLeaks(filepath.Join(goroot, "src", "runtime", "goroutineleakprofile_test.go"))
	if err != nil {
		t.Fatal(err)
	}

	results := map[string]*groupResult{}
	for _, dir := range []string{"", "goker"} {
		gos, findings := analyzeCorpus(t, filepath.Join(src, dir))
		// matched holds the go statements of expected leaks.
		matched := map[string]bool{}
		for _, g := range corpusGroups {
			if g.dir != dir {
				continue
			}
			r := &groupResult{}
			results[g.name] = r
			seen := map[string]bool{}
			for _, l := range leaks[g.list] {
				key := l.test + " " + l.fn.String()
				if seen[key] {
					continue // the same goroutine, in another wait state
				}
				seen[key] = true
				r.expected++
				hit, mapped := "", false
				for pos, name := range gos {
					if l.fn.MatchString(name + "(") {
						mapped = true
						matched[pos] = true
						if msg, ok := findings[pos]; ok {
							hit = key + " at " + pos + ": " + msg
						}
					}
				}
				if !mapped {
					r.unmapped = append(r.unmapped, key)
				}
				if hit != "" {
					r.found++
					r.hits = append(r.hits, hit)
				} else {
					r.missed = append(r.missed, key)
				}
			}
		}
		for pos, msg := range findings {
			if matched[pos] {
				continue
			}
			name := groupOfFile(dir, filepath.Base(strings.Split(pos, ":")[0]))
			if r := results[name]; r != nil {
				r.elsewhere = append(r.elsewhere, pos+": "+msg)
			}
		}
	}

	var table strings.Builder
	fmt.Fprintf(&table, "| group (Go %s corpus) | expected leaks | found at the right go statement | findings elsewhere |\n|---|---|---|---|\n", goVersion(goroot))
	for _, g := range corpusGroups {
		r := results[g.name]
		fmt.Fprintf(&table, "| %s | %d | %d | %d |\n", g.name, r.expected, r.found, len(r.elsewhere))
	}
	t.Logf("\n%s", table.String())
	for _, g := range corpusGroups {
		r := results[g.name]
		sort.Strings(r.hits)
		sort.Strings(r.missed)
		sort.Strings(r.elsewhere)
		for _, h := range r.hits {
			t.Logf("%s: found %s", g.name, h)
		}
		for _, m := range r.missed {
			t.Logf("%s: missed %s", g.name, m)
		}
		for _, m := range r.unmapped {
			t.Logf("%s: no go statement starts %s", g.name, m)
		}
		for _, e := range r.elsewhere {
			t.Logf("%s: elsewhere %s", g.name, e)
		}
		if f := floors[g.name]; r.found < f.found || len(r.elsewhere) > f.elsewhere {
			t.Errorf("%s: found %d (floor %d), elsewhere %d (ceiling %d)", g.name, r.found, f.found, len(r.elsewhere), f.elsewhere)
		}
	}
}

// groupOfFile returns the group of the programs in file of the corpus
// directory dir.
func groupOfFile(dir, file string) string {
	for _, g := range corpusGroups {
		if g.dir == dir && (g.files == nil || contains(g.files, file)) {
			return g.name
		}
	}
	return ""
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func goVersion(goroot string) string {
	data, err := os.ReadFile(filepath.Join(goroot, "VERSION"))
	if err != nil {
		return "?"
	}
	v, _, _ := strings.Cut(string(data), "\n")
	return strings.TrimPrefix(v, "go")
}

// expectedLeaks reads the runtime test and returns, per test case list, the
// leaks its cases expect (flaky ones included: they are real leaks whose
// detection at run time is unreliable).
func expectedLeaks(file string) (map[string][]expectedLeak, error) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, file, nil, 0)
	if err != nil {
		return nil, fmt.Errorf("parse the runtime's leak test: %w", err)
	}
	leaks := map[string][]expectedLeak{}
	var errs []string
	ast.Inspect(f, func(n ast.Node) bool {
		as, ok := n.(*ast.AssignStmt)
		if !ok || len(as.Lhs) != 1 || len(as.Rhs) != 1 {
			return true
		}
		id, ok := as.Lhs[0].(*ast.Ident)
		lit, ok2 := as.Rhs[0].(*ast.CompositeLit)
		if !ok || !ok2 {
			return true
		}
		for _, elt := range lit.Elts {
			call, ok := elt.(*ast.CallExpr)
			if !ok || len(call.Args) == 0 {
				continue
			}
			fun, _ := call.Fun.(*ast.Ident)
			if fun == nil || !strings.HasPrefix(fun.Name, "make") {
				continue
			}
			test, err := strconv.Unquote(call.Args[0].(*ast.BasicLit).Value)
			if err != nil {
				errs = append(errs, err.Error())
				continue
			}
			for _, a := range call.Args[1:] {
				bl, ok := a.(*ast.BasicLit)
				if !ok || bl.Kind != token.STRING {
					continue
				}
				pat, err := strconv.Unquote(bl.Value)
				if err != nil {
					errs = append(errs, err.Error())
					continue
				}
				fn, _, _ := strings.Cut(pat, ` \[`)
				re, err := regexp.Compile(fn)
				if err != nil {
					errs = append(errs, err.Error())
					continue
				}
				leaks[id.Name] = append(leaks[id.Name], expectedLeak{test: test, fn: re})
			}
		}
		return true
	})
	if len(errs) > 0 {
		return nil, fmt.Errorf("read the runtime's leak test: %s", strings.Join(errs, "; "))
	}
	if len(leaks) == 0 {
		return nil, fmt.Errorf("read the runtime's leak test: no test cases found")
	}
	return leaks, nil
}

// analyzeCorpus copies the corpus package in dir into a module, runs the
// analyzer on it, and returns the go statements (by "file:line", the name
// of the function the goroutine runs as the runtime prints it) and the
// findings (by "file:line").
func analyzeCorpus(t *testing.T, dir string) (gos, findings map[string]string) {
	t.Helper()
	mod := t.TempDir()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".go") {
			continue
		}
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(mod, e.Name()), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(mod, "go.mod"), []byte("module corpus\n\ngo 1.26\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	// The analyzer exports no facts: dependencies need no syntax.
	cfg := &packages.Config{Mode: packages.LoadSyntax | packages.NeedModule, Dir: mod, Env: append(os.Environ(), "GOWORK=off", "GOFLAGS=")}
	pkgs, err := packages.Load(cfg, ".")
	if err != nil || packages.PrintErrors(pkgs) > 0 {
		t.Fatalf("load the corpus in %s: %v", dir, err)
	}

	gos = map[string]string{}
	prog, spkgs := ssautil.Packages(pkgs, 0)
	prog.Build()
	for fn := range ssautil.AllFunctions(prog) {
		if fn.Pkg != spkgs[0] {
			continue
		}
		for _, b := range fn.Blocks {
			for _, instr := range b.Instrs {
				g, ok := instr.(*ssa.Go)
				if !ok {
					continue
				}
				if target := g.Call.StaticCallee(); target != nil {
					gos[shortPos(prog.Fset, g.Pos())] = passutil.RuntimeName(target)
				}
			}
		}
	}

	graph, err := checker.Analyze([]*analysis.Analyzer{goroutineleak.Analyzer}, pkgs, nil)
	if err != nil {
		t.Fatal(err)
	}
	findings = map[string]string{}
	for _, act := range graph.Roots {
		if act.Err != nil {
			t.Fatal(act.Err)
		}
		for _, d := range act.Diagnostics {
			findings[shortPos(act.Package.Fset, d.Pos)] = d.Message
		}
	}
	return gos, findings
}

func shortPos(fset *token.FileSet, pos token.Pos) string {
	p := fset.Position(pos)
	return fmt.Sprintf("%s:%d", filepath.Base(p.Filename), p.Line)
}
