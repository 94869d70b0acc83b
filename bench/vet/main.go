// Command vet runs leakhound vet over a corpus of widely used modules and
// compares its speed with bodyclose and sqlclosecheck on the same packages.
//
// A corpus is a module in testdata: its go.mod pins the version of every
// module listed in its modules.txt, and its go.sum makes the download
// reproducible. testdata/corpus holds the modules the analyzers were tuned
// on; testdata/blind, testdata/fresh and testdata/fresh2 hold modules chosen
// to measure them on code they were never tuned on (never change an
// analyzer for a finding there; a set stops being blind once fixes are made
// looking at it, so each was measured in turn). -corpus names one of them
// (default corpus) or gives a corpus directory. The
// packages checked in a module are those that build, without test files,
// test helpers, examples and benchmarks (a path element below the module
// root containing "test", "e2e", "example", "interop" or "benchmark").
//
//	cd bench && go run ./vet findings -out findings.json -sample 60
//
// runs leakhound vet on each module, one at a time, prints the findings per
// module and analyzer with the wall time as a Markdown table, writes every
// finding to -out, and prints a sample of -sample findings, stratified by
// analyzer, module and test code with the seed -seed, for triage.
//
//	cd bench && go run ./vet findings -corpus blind -tests -peers \
//		-out findings.json -peersout peers.json
//
// checks every package of each module that builds, test files included
// (leakhound vet -tests, the multichecker of package peers -test), runs
// bodyclose and sqlclosecheck on the same packages, writes their findings
// to -peersout and adds their counts to the table. A finding is test code
// when its file is a test file or lies in a directory below the module
// root whose name contains "test" or "e2e"; a peer finding is marked
// "leakhound" when leakhound vet reports the same file and line.
//
//	cd bench && go run ./vet ratio -rounds 3
//
// compares the wall time of leakhound's analyzers with bodyclose +
// sqlclosecheck on the same packages, in three ways, each in rounds that
// alternate which side runs first:
//
//   - same driver, in process: each module's packages are loaded once and
//     both sets of analyzers run on them with checker.Analyze (loading is
//     not timed);
//   - the commands as users run them: leakhound vet -tests=false against a
//     multichecker of bodyclose and sqlclosecheck (package peers) with
//     -test=false (with -tests: leakhound vet -tests=true against the
//     multichecker with -test=true); leakhound loads every package from
//     source, because its analyzers export facts (the standard library
//     without function bodies), while the multichecker reads the
//     dependencies' export data;
//   - go vet -vettool with each binary, the builds cached and the vet
//     results not (each round runs a copy of the tool with a new identity).
//
// By default the test files are left out (go vet -vettool checks them all
// the same); with -tests, both sides check them in every comparison.
//
// It prints a Markdown table of the times, per round over all modules, and
// the ratios leakhound/peers over all rounds and as the median of the rounds.
//
//	cd bench && go run ./vet fixes
//
// applies leakhound vet -fix to a copy of each module (the same packages as
// above, their test files included unless -tests=false) and, in each module where fixes were applied, checks that the
// packages holding changed files still pass go vet (which builds them), and
// that go test -short passes on each after the fixes where it passed
// before. It prints one row per changed package and fails when a fix broke
// one. Copied modules may download test dependencies the corpus lacks.
//
// The subcommands build leakhound from this checkout unless -leakhound
// names a binary. The first run downloads the corpus from the module proxy.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/leakhound/leakhound/bench/internal/gobuild"
)

func main() {
	log.SetFlags(0)
	log.SetPrefix("vet: ")
	if len(os.Args) < 2 {
		log.Fatal("usage: vet findings|ratio|fixes [flags]: see go doc ./vet")
	}
	var err error
	switch os.Args[1] {
	case "findings":
		err = findingsMain(os.Args[2:])
	case "ratio":
		err = ratioMain(os.Args[2:])
	case "fixes":
		err = fixesMain(os.Args[2:])
	default:
		err = fmt.Errorf("unknown subcommand %q: use findings, ratio or fixes", os.Args[1])
	}
	if err != nil {
		log.Fatal(err)
	}
}

// common are the flags of both subcommands.
type common struct {
	corpus, leakhound, modules string
	tests                      bool // check every package, test files included
}

func (c *common) register(fs *flag.FlagSet) {
	fs.StringVar(&c.corpus, "corpus", "corpus", "corpus: `corpus`, blind, fresh or fresh2 (in vet/testdata of this module), or the directory of a corpus module")
	fs.StringVar(&c.leakhound, "leakhound", "", "leakhound binary (default: built from this checkout)")
	fs.StringVar(&c.modules, "modules", "", "comma-separated modules of the corpus to use (default: all)")
}

// setup makes a temporary directory (cleanup removes it), resolves the
// corpus, builds what is missing into the directory and lists the modules.
func (c *common) setup() (tmp string, mods []module, cleanup func(), err error) {
	tmp, err = os.MkdirTemp("", "leakhound-bench-vet-")
	if err != nil {
		return "", nil, nil, err
	}
	cleanup = func() { os.RemoveAll(tmp) }
	mods, err = c.resolve(tmp)
	if err != nil {
		cleanup()
		return "", nil, nil, err
	}
	return tmp, mods, cleanup, nil
}

func (c *common) resolve(tmp string) ([]module, error) {
	if !strings.ContainsRune(c.corpus, filepath.Separator) && c.corpus != "." && c.corpus != ".." {
		dir, err := packageDir("github.com/leakhound/leakhound/bench/vet")
		if err != nil {
			return nil, err
		}
		named := filepath.Join(dir, "testdata", c.corpus)
		if _, err := os.Stat(filepath.Join(named, "modules.txt")); err != nil {
			return nil, fmt.Errorf("no corpus named %q: use corpus, blind, fresh, fresh2 or a directory holding modules.txt", c.corpus)
		}
		c.corpus = named
	}
	if c.leakhound == "" {
		// Built in leakhound's own module, whose go.sum has every
		// dependency of the command (this module's lists only its own).
		bin := filepath.Join(tmp, "leakhound")
		if err := gobuild.Build("..", bin, "./cmd/leakhound"); err != nil {
			return nil, err
		}
		c.leakhound = bin
	}
	var only []string
	if c.modules != "" {
		only = strings.Split(c.modules, ",")
	}
	return readModules(c.corpus, only, c.tests)
}

func findingsMain(args []string) error {
	fs := flag.NewFlagSet("findings", flag.ExitOnError)
	var c common
	c.register(fs)
	out := fs.String("out", "", "write every finding to `FILE` as JSON")
	n := fs.Int("sample", 0, "print a stratified sample of `N` findings for triage")
	seed := fs.Uint64("seed", 1, "seed of the sample")
	fs.BoolVar(&c.tests, "tests", false, "check every package that builds, test files included, instead of library and command code only")
	withPeers := fs.Bool("peers", false, "also run bodyclose and sqlclosecheck on the same packages")
	peersOut := fs.String("peersout", "", "write every finding of the peers to `FILE` as JSON (with -peers)")
	fs.Parse(args)
	if *peersOut != "" && !*withPeers {
		return fmt.Errorf("-peersout needs -peers")
	}
	tmp, mods, cleanup, err := c.setup()
	if err != nil {
		return err
	}
	defer cleanup()
	if c.tests {
		if mods, err = withLoadableTests(c.corpus, mods); err != nil {
			return err
		}
	}
	runs, err := runFindings(c.leakhound, c.corpus, mods, c.tests)
	if err != nil {
		return err
	}
	if *withPeers {
		bin, err := build(tmp, "peers", "github.com/leakhound/leakhound/bench/vet/peers")
		if err != nil {
			return err
		}
		if err := runPeers(bin, c.corpus, runs, c.tests); err != nil {
			return err
		}
	}
	writeTable(os.Stdout, runs, *withPeers)
	var all, peers []finding
	for _, r := range runs {
		all = append(all, r.Findings...)
		peers = append(peers, r.Peers...)
	}
	if err := writeJSON(*out, all); err != nil {
		return err
	}
	if err := writeJSON(*peersOut, peers); err != nil {
		return err
	}
	if *n > 0 {
		s := sample(all, *n, *seed)
		fmt.Printf("\nSample of %d of %d findings (seed %d):\n\n", len(s), len(all), *seed)
		writeSample(os.Stdout, s)
	}
	return nil
}

// writeJSON writes fs to the file name as indented JSON, unless name is empty.
func writeJSON(name string, fs []finding) error {
	if name == "" {
		return nil
	}
	data, err := json.MarshalIndent(fs, "", "\t")
	if err != nil {
		return err
	}
	return os.WriteFile(name, append(data, '\n'), 0o644)
}

// writeSample prints findings as rows of the triage table, verdict empty.
func writeSample(w io.Writer, fs []finding) {
	fmt.Fprintln(w, "| # | finding | analyzer | test | message | verdict | reason |")
	fmt.Fprintln(w, "|---:|---|---|---|---|---|---|")
	for i, f := range fs {
		fmt.Fprintf(w, "| %d | `%s` | %s | %s | %s | | |\n", i+1, f.Pos, f.Analyzer, yesNo(f.Test), cell(f.Message))
	}
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func ratioMain(args []string) error {
	fs := flag.NewFlagSet("ratio", flag.ExitOnError)
	var c common
	c.register(fs)
	rounds := fs.Int("rounds", 3, "rounds of each comparison")
	modes := fs.String("modes", "inprocess,commands,govet", "comparisons to run, comma-separated")
	tests := fs.Bool("tests", false, "check the packages' test files too, on both sides (go vet -vettool always does)")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of leakhound's analyzers in the in-process comparison to `FILE`")
	fs.Parse(args)
	if *rounds < 1 || *rounds > 20 {
		return fmt.Errorf("bad -rounds %d: use 1 to 20", *rounds)
	}
	tmp, mods, cleanup, err := c.setup()
	if err != nil {
		return err
	}
	defer cleanup()
	if *tests {
		if mods, err = withLoadableTests(c.corpus, mods); err != nil {
			return err
		}
	}
	peersBin, err := build(tmp, "peers", "github.com/leakhound/leakhound/bench/vet/peers")
	if err != nil {
		return err
	}
	var ms []*measurement
	for mode := range strings.SplitSeq(*modes, ",") {
		var m *measurement
		switch mode {
		case "inprocess":
			m, err = inProcess(c.corpus, mods, *rounds, *tests, *cpuProfile)
		case "commands":
			m, err = commands("leakhound vet vs multichecker", c.corpus, mods, *rounds,
				func(mod module, _ int) []string {
					return append([]string{c.leakhound, "vet", fmt.Sprintf("-tests=%t", *tests)}, mod.Packages...)
				},
				func(mod module, _ int) []string {
					return append([]string{peersBin, fmt.Sprintf("-test=%t", *tests)}, mod.Packages...)
				})
		case "govet":
			m, err = goVet(tmp, c.corpus, mods, *rounds, c.leakhound, peersBin)
		default:
			err = fmt.Errorf("unknown mode %q: use inprocess, commands or govet", mode)
		}
		if err != nil {
			return err
		}
		ms = append(ms, m)
	}
	testFiles := "test files left out (go vet -vettool checks them all the same)"
	if *tests {
		testFiles = "test files included"
	}
	fmt.Printf("%d modules, %d packages, %d rounds, %s\n\n", len(mods), countPackages(mods), *rounds, testFiles)
	writeRatios(os.Stdout, ms, *rounds)
	return nil
}

// goVet times go vet -vettool with each binary. A first, untimed go vet
// with the peers builds the packages; every timed run uses a copy of the
// tool with a new identity, so go vet runs it instead of replaying its
// cached results.
func goVet(tmp, corpus string, mods []module, rounds int, leakhound, peers string) (*measurement, error) {
	for _, mod := range mods {
		if _, _, err := timeCommand(corpus, append([]string{"go", "vet", "-vettool=" + peers}, mod.Packages...)); err != nil {
			return nil, fmt.Errorf("warm up: %w", err)
		}
	}
	tool := func(bin string) func(module, int) []string {
		copies := map[int]string{}
		return func(mod module, round int) []string {
			if copies[round] == "" {
				name, err := renamedCopy(bin, tmp, fmt.Sprintf("round%d", round))
				if err != nil {
					log.Fatal(err)
				}
				copies[round] = name
			}
			return append([]string{"go", "vet", "-vettool=" + copies[round]}, mod.Packages...)
		}
	}
	return commands("go vet -vettool", corpus, mods, rounds, tool(leakhound), tool(peers))
}

// build builds the command pkg into dir and returns the binary's path.
func build(dir, name, pkg string) (string, error) {
	bin := filepath.Join(dir, name)
	out, err := exec.Command("go", "build", "-o", bin, pkg).CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("build %s: %v: %s", pkg, err, firstLine(string(out)))
	}
	return bin, nil
}

// packageDir returns the directory of the package with import path pkg.
func packageDir(pkg string) (string, error) {
	out, err := exec.Command("go", "list", "-f", "{{.Dir}}", pkg).Output()
	if err != nil {
		return "", fmt.Errorf("find %s: %v: run this from the bench module", pkg, err)
	}
	return strings.TrimSpace(string(out)), nil
}

func countPackages(mods []module) int {
	n := 0
	for _, m := range mods {
		n += len(m.Packages)
	}
	return n
}
