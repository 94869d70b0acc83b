// Command parity checks that "leakhound test" is a drop-in for "go test": it
// runs the tests of widely used public modules (pinned in modules.go) with
// both, and compares the outcome (pass, fail, skip) of every test and
// package. Leaks are the only difference allowed: a test that passes under
// go test and fails under leakhound test should have a finding attributed to
// it in leakhound's report.
//
//	cd bench && go run ./parity
//	go run ./parity -modules zap,chi -rounds 3 -json parity.json
//
// For each module it copies the module's source out of the module cache
// (go mod download -json) into a writable temporary directory, runs go mod
// download there, then runs in that directory
//
//	go test -json -count=1 -timeout D [flags] PKGS
//	leakhound test -json REPORT PKGS -- -json -count=1 -timeout D [flags]
//
// once each "cold" (the first run on the fresh copy: the module's packages
// are compiled; the go build cache and leakhound's cache stay as they are, so
// only the first module pays for leakhound's instrumented standard library
// if it was not built before), then -rounds times each "warm", alternating
// which side goes first. -count=1 keeps go test from answering from its test
// cache. Both commands get the environment as it is: the reference is the go
// test a user runs.
//
// It parses both go test -json event streams and gives each test (and each
// package, whose own outcome also counts) a verdict over all runs: identical (every run of both sides had the same outcome),
// differing (go test's runs agreed, a leakhound run did not), flaky (go
// test's own runs disagreed), or missing on one side. For a test that is not
// identical, the raw results keep the findings of leakhound's reports
// attributed to it (same package, and the same test or one of its subtests;
// for a package, any finding of the package) and the end of its output.
//
// It also checks that no run changes the copy's go.mod, go.sum, go.work or
// go.work.sum.
//
// It prints a table with a line per module (tests; those that failed in a go
// test run, by its event stream; the verdicts, differing ones split into
// those with a leak finding and the others; packages whose own outcome
// differs; packages that failed to build; the goroutine findings whose
// origin names a frame of the module; the median warm and the cold wall
// time of each side and the ratio of the warm ones) and a summary line.
// Test names that change from run to run (pointers, the current time) are
// made stable first, see stableName.
//
// Flags:
//
//	-modules a,b   run only these modules (names from modules.go; default all)
//	-rounds N      warm runs of each side after the cold one (default 1)
//	-timeout D     go test's -timeout; a run still going D+1m later is killed (default 10m)
//	-leakhound P   use this leakhound binary instead of building ../cmd/leakhound
//	-plain         run only plain go test, to check that the modules pass here
//	-json FILE     write the raw results, test by test, to FILE
//	-keep          keep the temporary directory (copies, streams, reports)
//	-fresh         give leakhound an empty cache (LEAKHOUND_CACHE): the cold run of
//	               the first module builds the instrumented GOROOT; its compiled
//	               standard library still comes from the go build cache when that
//	               has it (for a first run on a machine, use an empty GOCACHE too)
//
// The exit status is 0 when the harness ran, whatever it found; 1 when it
// could not run.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/leakhound/leakhound/bench/internal/gobuild"
)

// config is what the flags ask for.
type config struct {
	modules   []module
	rounds    int
	timeout   time.Duration
	leakhound string
	plain     bool
	jsonOut   string
	keep      bool
	fresh     bool
}

func main() {
	log.SetFlags(0)
	var c config
	names := flag.String("modules", "", "comma-separated `names` of the modules to run (default all)")
	flag.IntVar(&c.rounds, "rounds", 1, "warm runs of each side after the cold one")
	flag.DurationVar(&c.timeout, "timeout", 10*time.Minute, "go test's -timeout; a run still going a minute later is killed")
	flag.StringVar(&c.leakhound, "leakhound", "", "leakhound binary `path` (default: built from ../cmd/leakhound)")
	flag.BoolVar(&c.plain, "plain", false, "run only plain go test")
	flag.StringVar(&c.jsonOut, "json", "", "write the raw results to `FILE`")
	flag.BoolVar(&c.keep, "keep", false, "keep the temporary directory")
	flag.BoolVar(&c.fresh, "fresh", false, "give leakhound an empty cache, so that its first run builds its instrumented GOROOT")
	flag.Parse()
	if c.rounds < 1 || c.rounds > 20 || c.timeout < time.Second || flag.NArg() > 0 {
		log.Fatal("bad flags: need 1 <= -rounds <= 20, -timeout >= 1s and no arguments (see go doc ./parity)")
	}
	var err error
	if c.modules, err = selectModules(*names); err != nil {
		log.Fatal(err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, c); err != nil {
		log.Fatal(err)
	}
}

// selectModules returns the modules named in the comma-separated list, or
// all of them.
func selectModules(names string) ([]module, error) {
	if names == "" {
		return modules, nil
	}
	var sel []module
	for name := range strings.SplitSeq(names, ",") {
		i := slices.IndexFunc(modules, func(m module) bool { return m.Name == name })
		if i < 0 {
			var all []string
			for _, m := range modules {
				all = append(all, m.Name)
			}
			return nil, fmt.Errorf("-modules: no module %q; known: %s", name, strings.Join(all, ","))
		}
		sel = append(sel, modules[i])
	}
	return sel, nil
}

// results is what -json writes.
type results struct {
	Go      string   `json:"go"`
	Rounds  int      `json:"rounds"`
	Timeout string   `json:"timeout"`
	Modules []result `json:"modules"`
}

func run(ctx context.Context, c config) error {
	tmp, err := os.MkdirTemp("", "leakhound-parity-")
	if err != nil {
		return err
	}
	if c.keep {
		log.Printf("keeping %s", tmp)
	} else {
		defer os.RemoveAll(tmp)
	}
	if c.fresh {
		os.Setenv("LEAKHOUND_CACHE", filepath.Join(tmp, "cache"))
	}
	if c.leakhound == "" && !c.plain {
		c.leakhound = filepath.Join(tmp, "leakhound")
		if err := gobuild.Build("..", c.leakhound, "./cmd/leakhound"); err != nil {
			return fmt.Errorf("%v (run from bench/, or pass -leakhound)", err)
		}
	}
	version, err := exec.Command("go", "env", "GOVERSION").Output()
	if err != nil {
		return fmt.Errorf("go env GOVERSION: %v (is go on PATH?)", err)
	}
	all := results{Go: strings.TrimSpace(string(version)), Rounds: c.rounds, Timeout: c.timeout.String()}
	for _, m := range c.modules {
		if ctx.Err() != nil {
			return errors.New("interrupted")
		}
		res := runModule(ctx, c, m, filepath.Join(tmp, m.Name))
		if res.Error != "" {
			log.Printf("%s: %s", m.Name, res.Error)
		}
		all.Modules = append(all.Modules, res)
	}
	fmt.Printf("%s, %d warm round(s), go test -count=1 -timeout %s\n\n", all.Go, c.rounds, c.timeout)
	printTable(os.Stdout, all.Modules, c.plain)
	if c.jsonOut != "" {
		data, err := json.MarshalIndent(all, "", "  ")
		if err != nil {
			return err
		}
		return os.WriteFile(c.jsonOut, append(data, '\n'), 0o666)
	}
	return nil
}

// result is what the harness learned about one module.
type result struct {
	Name   string      `json:"name"`
	Module string      `json:"module"` // path@version
	Flags  []string    `json:"flags,omitempty"`
	Error  string      `json:"error,omitempty"` // why it could not be compared
	Runs   []runResult `json:"runs"`
	Tests  []row       `json:"tests"`
	// Goroutine findings (distinct ids over all runs), and those whose
	// origin names no frame of the module.
	GoroutineFindings int      `json:"goroutine_findings"`
	ForeignOrigins    []string `json:"foreign_origins,omitempty"`
	tallies           tallies
}

// runModule copies module m into work, runs both sides there and compares
// them.
func runModule(ctx context.Context, c config, m module, work string) result {
	res := result{Name: m.Name, Module: m.Path + "@" + m.Version, Flags: m.Flags}
	dir := filepath.Join(work, m.Name) // some tests match their directory's name against [a-z0-9_-]+
	if err := copyModule(m, dir); err != nil {
		res.Error = err.Error()
		return res
	}
	if out, err := goCommand(dir, "mod", "download").CombinedOutput(); err != nil {
		res.Error = fmt.Sprintf("go mod download in %s: %s", dir, strings.TrimSpace(string(out)))
		return res
	}
	sides := []string{"go", "leakhound"}
	if c.plain {
		sides = sides[:1]
	}
	for round := range c.rounds + 1 {
		order := slices.Clone(sides)
		if round%2 == 1 {
			slices.Reverse(order)
		}
		for _, side := range order {
			r := runOnce(ctx, c, m, side, round, work, dir)
			log.Printf("%-16s %-9s %-6s %7.1fs exit %d, %d tests and packages%s%s",
				m.Name, side, r.label(), r.Seconds, r.Exit, len(r.stream.Outcome), edited(r.Edited), suffix(r.Error))
			res.Runs = append(res.Runs, r)
			if ctx.Err() != nil {
				res.Error = "interrupted"
				return res
			}
		}
	}
	var goRuns, lhRuns []map[key]string
	for _, r := range res.Runs {
		if r.Side == "go" {
			goRuns = append(goRuns, r.stream.Outcome)
		} else {
			lhRuns = append(lhRuns, r.stream.Outcome)
		}
	}
	res.Tests = compare(goRuns, lhRuns)
	for i := range res.Tests {
		if res.Tests[i].Verdict != identical {
			explain(&res.Tests[i], res.Runs)
		}
	}
	res.GoroutineFindings, res.ForeignOrigins = origins(res.Runs, m.Path)
	res.tallies = tally(res)
	return res
}

func edited(files []string) string {
	if len(files) == 0 {
		return ""
	}
	return ", EDITED " + strings.Join(files, " ")
}

func suffix(err string) string {
	if err == "" {
		return ""
	}
	return ": " + err
}

// copyModule copies the source of m from the module cache to dir, writable.
func copyModule(m module, dir string) error {
	if err := os.MkdirAll(filepath.Dir(dir), 0o777); err != nil {
		return err
	}
	out, err := goCommand(filepath.Dir(dir), "mod", "download", "-json", m.Path+"@"+m.Version).Output()
	var info struct{ Dir, Error string }
	json.Unmarshal(out, &info) // on failure, go mod download -json still prints the Error field
	if info.Dir == "" || info.Error != "" {
		return fmt.Errorf("go mod download %s@%s: %s%v (check the version in modules.go, and GOPROXY)", m.Path, m.Version, info.Error, err)
	}
	if err := os.CopyFS(dir, os.DirFS(info.Dir)); err != nil { // files 0666, directories 0777
		return fmt.Errorf("copy %s: %v", info.Dir, err)
	}
	return nil
}

// goCommand returns a go command run in dir.
func goCommand(dir string, args ...string) *exec.Cmd {
	cmd := exec.Command("go", args...)
	cmd.Dir = dir
	return cmd
}

// runResult is one run of one side.
type runResult struct {
	Side     string   `json:"side"` // "go" or "leakhound"
	Round    int      `json:"round"`
	Seconds  float64  `json:"seconds"`
	Exit     int      `json:"exit"`
	Events   int      `json:"tests_and_packages"`
	Junk     int      `json:"non_event_lines,omitempty"`
	Findings int      `json:"findings,omitempty"`
	Error    string   `json:"error,omitempty"`
	Edited   []string `json:"edited,omitempty"` // moduleFileNames the run changed, created or removed
	Args     []string `json:"args"`

	stream   stream
	findings []finding
}

// label says whether r is the cold run (round 0) or a warm one.
func (r runResult) label() string {
	if r.Round == 0 {
		return "cold"
	}
	return fmt.Sprintf("warm%d", r.Round)
}

// runOnce runs one side once in dir, its output kept in work.
func runOnce(ctx context.Context, c config, m module, side string, round int, work, dir string) runResult {
	base := filepath.Join(work, fmt.Sprintf("%s-%d", side, round))
	report := base + ".report.json"
	pkgs := m.Pkgs
	if len(pkgs) == 0 {
		pkgs = []string{"./..."}
	}
	goFlags := append([]string{"-json", "-count=1", "-timeout=" + c.timeout.String()}, m.Flags...)
	args := append(append([]string{"go", "test"}, goFlags...), pkgs...)
	if side == "leakhound" {
		args = append(append(append([]string{c.leakhound, "test", "-json", report}, pkgs...), "--"), goFlags...)
	}
	r := runResult{Side: side, Round: round, Args: args}
	before := moduleFiles(dir)
	stderr, d, code, err := execute(ctx, dir, base+".stream.json", c.timeout+time.Minute, args)
	r.Seconds, r.Exit = d.Seconds(), code
	after := moduleFiles(dir)
	for _, name := range moduleFileNames {
		if before[name] != after[name] {
			r.Edited = append(r.Edited, name)
		}
	}
	if err != nil {
		r.Error = err.Error()
		return r
	}
	f, err := os.Open(base + ".stream.json")
	if err != nil {
		r.Error = err.Error()
		return r
	}
	defer f.Close()
	if r.stream, err = parseStream(f); err != nil {
		r.Error = "reading go test -json: " + err.Error()
	}
	r.Events, r.Junk = len(r.stream.Outcome), r.stream.Junk
	if side == "leakhound" {
		r.findings, err = readFindings(report)
		r.Findings = len(r.findings)
		if err != nil && r.Error == "" {
			r.Error = err.Error()
		}
	}
	if r.Error == "" && (r.Events == 0 || side == "leakhound" && code == 2) {
		r.Error = "failed: " + lastLine(stderr)
	}
	return r
}

// moduleFileNames are the files of a module's root that define its build:
// neither go test nor leakhound test may change them.
var moduleFileNames = []string{"go.mod", "go.sum", "go.work", "go.work.sum"}

// moduleFiles returns the contents of the moduleFileNames in dir; a missing
// file reads as "".
func moduleFiles(dir string) map[string]string {
	files := map[string]string{}
	for _, name := range moduleFileNames {
		data, _ := os.ReadFile(filepath.Join(dir, name))
		files[name] = string(data)
	}
	return files
}

// execute runs args in dir with stdout to the file out and returns the end
// of stderr, the wall time and the exit status. The command and everything
// it starts (test binaries) are killed after limit or when ctx is done.
func execute(ctx context.Context, dir, out string, limit time.Duration, args []string) (string, time.Duration, int, error) {
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	stdout, err := os.Create(out)
	if err != nil {
		return "", 0, 0, err
	}
	defer stdout.Close()
	var stderr tail
	cmd := exec.CommandContext(ctx, args[0], args[1:]...)
	cmd.Dir, cmd.Stdout, cmd.Stderr = dir, stdout, &stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 10 * time.Second
	start := time.Now()
	err = cmd.Run()
	d := time.Since(start)
	var exit *exec.ExitError
	switch {
	case ctx.Err() == context.DeadlineExceeded:
		return stderr.String(), d, -1, fmt.Errorf("killed after %s (raise -timeout)", limit)
	case ctx.Err() != nil:
		return stderr.String(), d, -1, errors.New("interrupted")
	case errors.As(err, &exit):
		return stderr.String(), d, exit.ExitCode(), nil
	case err != nil:
		return stderr.String(), d, -1, err
	}
	return stderr.String(), d, 0, nil
}

// tail keeps the last 8 KB written to it.
type tail struct{ b []byte }

func (t *tail) Write(p []byte) (int, error) {
	t.b = append(t.b, p...)
	if len(t.b) > 8<<10 {
		t.b = t.b[len(t.b)-8<<10:]
	}
	return len(p), nil
}

func (t *tail) String() string { return string(t.b) }

func lastLine(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return "no test events and nothing on stderr"
	}
	return s[strings.LastIndexByte(s, '\n')+1:]
}

// finding is the part of a leakhound.report/v1 finding the harness reads.
type finding struct {
	ID, Kind, Reason, Resource, Message, Test, Package string
	Origin                                             []frame
}

// frame is the part of a report frame the harness reads.
type frame struct{ Func string }

// namesModule reports whether one of f's origin frames is a function of
// the module whose path is mod (its tests included).
func (f finding) namesModule(mod string) bool {
	return slices.ContainsFunc(f.Origin, func(fr frame) bool {
		rest, ok := strings.CutPrefix(fr.Func, mod)
		return ok && (strings.HasPrefix(rest, "/") || strings.HasPrefix(rest, ".") || strings.HasPrefix(rest, "_test."))
	})
}

// origins returns the goroutine findings of every leakhound run, counted
// once by id, and the ones among them whose origin names no frame of the
// module whose path is mod.
func origins(runs []runResult, mod string) (n int, foreign []string) {
	seen := map[string]bool{}
	for _, r := range runs {
		for _, f := range r.findings {
			if f.Kind != "goroutine" || seen[f.ID] {
				continue
			}
			seen[f.ID] = true
			n++
			if !f.namesModule(mod) {
				foreign = append(foreign, f.String())
			}
		}
	}
	return n, foreign
}

// about reports whether f is attributed to the test or package k.
func (f finding) about(k key) bool {
	return f.Package == k.Package && (k.Test == "" || f.Test == k.Test || strings.HasPrefix(f.Test, k.Test+"/"))
}

func (f finding) String() string {
	return fmt.Sprintf("%s %s %s (%s): %s", f.Kind, f.Reason, f.Resource, f.Test, f.Message)
}

// readFindings reads the findings of a leakhound report.
func readFindings(path string) ([]finding, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("leakhound wrote no report: %v", err)
	}
	var rep struct {
		Schema   string
		Findings []finding
	}
	if err := json.Unmarshal(data, &rep); err != nil || rep.Schema != "leakhound.report/v1" {
		return nil, fmt.Errorf("%s: not a leakhound.report/v1 report (%v)", path, err)
	}
	return rep.Findings, nil
}

// maxFindings is how many distinct findings a row keeps.
const maxFindings = 5

// explain adds to a row that is not identical the findings attributed to it
// and its output in the last leakhound run that printed any.
func explain(r *row, runs []runResult) {
	k := key{r.Package, r.Test}
	for _, run := range runs {
		for _, f := range run.findings {
			if s := f.String(); f.about(k) && !slices.Contains(r.Findings, s) && len(r.Findings) < maxFindings {
				r.Findings = append(r.Findings, s)
			}
		}
		if out := run.stream.Output[k]; run.Side == "leakhound" && out != "" {
			r.Output = out
		}
	}
}
