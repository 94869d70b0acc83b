package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"strings"
	"time"

	"github.com/ryanrolds/sqlclosecheck/pkg/analyzer"
	"github.com/timakin/bodyclose/passes/bodyclose"
	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/analysis/checker"
	"golang.org/x/tools/go/packages"

	"github.com/leakhound/leakhound/passes"
)

// peers are the analyzers leakhound vet is compared with, as golangci-lint
// and their own commands configure them.
func peers() []*analysis.Analyzer {
	return []*analysis.Analyzer{bodyclose.Analyzer, analyzer.NewAnalyzer()}
}

// A measurement is the time both sides took in one way of running them,
// over all modules and rounds, and what they reported.
type measurement struct {
	mode                string
	leakhound, peers    time.Duration
	perRound            [][2]time.Duration // leakhound and peers per round, over all modules
	leakhoundCPU        time.Duration      // user + system time of the commands and their children
	peersCPU            time.Duration
	leakhoundN, peersN  int // diagnostics (in process only)
	leakhoundByAnalyzer map[string]int
}

func newMeasurement(mode string, rounds int) *measurement {
	return &measurement{mode: mode, perRound: make([][2]time.Duration, rounds)}
}

// add adds the times of one module in one round.
func (m *measurement) add(round int, leakhound, peers time.Duration) {
	m.leakhound += leakhound
	m.peers += peers
	m.perRound[round][0] += leakhound
	m.perRound[round][1] += peers
}

func (m *measurement) ratio() float64 { return m.leakhound.Seconds() / m.peers.Seconds() }

func (m *measurement) medianRatio() float64 {
	var r []float64
	for _, pr := range m.perRound {
		r = append(r, pr[0].Seconds()/pr[1].Seconds())
	}
	slices.Sort(r)
	if len(r) == 0 {
		return 0
	}
	if len(r)%2 == 1 {
		return r[len(r)/2]
	}
	return (r[len(r)/2-1] + r[len(r)/2]) / 2
}

// abba calls first and second in the order first, second in even rounds
// and second, first in odd ones, so a drift of the machine's speed favors
// neither.
func abba(round int, first, second func() error) error {
	if round%2 == 1 {
		first, second = second, first
	}
	if err := first(); err != nil {
		return err
	}
	return second()
}

// inProcess loads each module's packages once and times leakhound's
// analyzers and the peers' on them with the same driver (checker.Analyze),
// alternating, for the given number of rounds. Loading is not timed: it is
// the same for both. tests loads the packages' test files too. With a
// profile file name, the comparison is
// CPU-profiled into it (go tool pprof -focus=leakhound/passes shows
// leakhound's analyzers).
func inProcess(corpus string, mods []module, rounds int, tests bool, profile string) (*measurement, error) {
	m := newMeasurement("same driver, in process (analysis only)", rounds)
	m.leakhoundByAnalyzer = map[string]int{}
	if profile != "" {
		f, err := os.Create(profile)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return nil, err
		}
		defer pprof.StopCPUProfile()
	}
	for _, mod := range mods {
		cfg := &packages.Config{Mode: packages.LoadAllSyntax | packages.NeedModule, Dir: corpus, Tests: tests}
		pkgs, err := packages.Load(cfg, mod.Packages...)
		if err != nil {
			return nil, fmt.Errorf("load %s: %w", mod.Path, err)
		}
		if n := packages.PrintErrors(pkgs); n > 0 {
			return nil, fmt.Errorf("load %s: %d errors: run go mod download in the corpus", mod.Path, n)
		}
		for r := range rounds {
			var lt, pt time.Duration
			var ln, pn int
			byAnalyzer := map[string]int{}
			err := abba(r,
				func() (err error) { lt, ln, err = analyze(passes.Analyzers, pkgs, byAnalyzer); return err },
				func() (err error) { pt, pn, err = analyze(peers(), pkgs, nil); return err })
			if err != nil {
				return nil, fmt.Errorf("%s: %w", mod.Path, err)
			}
			m.add(r, lt, pt)
			if r == 0 {
				m.leakhoundN += ln
				m.peersN += pn
				for k, v := range byAnalyzer {
					m.leakhoundByAnalyzer[k] += v
				}
			}
		}
		fmt.Fprintf(os.Stderr, "in process: %s done\n", mod.Path)
	}
	return m, nil
}

// analyze runs analyzers on pkgs and returns the time it took and the
// number of diagnostics on pkgs (counted by analyzer into byAnalyzer when it
// is not nil).
func analyze(analyzers []*analysis.Analyzer, pkgs []*packages.Package, byAnalyzer map[string]int) (time.Duration, int, error) {
	runtime.GC()
	start := time.Now()
	graph, err := checker.Analyze(analyzers, pkgs, nil)
	wall := time.Since(start)
	if err != nil {
		return 0, 0, err
	}
	n := 0
	seen := map[string]bool{}
	for _, act := range graph.Roots {
		if act.Err != nil {
			return 0, 0, fmt.Errorf("%s on %s: %w", act.Analyzer.Name, act.Package.PkgPath, act.Err)
		}
		for _, d := range act.Diagnostics {
			key := fmt.Sprint(act.Package.Fset.Position(d.Pos), act.Analyzer.Name, d.Message)
			if seen[key] {
				continue
			}
			seen[key] = true
			n++
			if byAnalyzer != nil {
				byAnalyzer[act.Analyzer.Name]++
			}
		}
	}
	return wall, n, nil
}

// commands times two commands on each module's packages, alternating, for
// the given number of rounds. leakhound and peers return the command line
// for a module in a round.
func commands(mode, corpus string, mods []module, rounds int, leakhound, peers func(m module, round int) []string) (*measurement, error) {
	m := newMeasurement(mode, rounds)
	for r := range rounds {
		for _, mod := range mods {
			var lt, pt, lcpu, pcpu time.Duration
			err := abba(r,
				func() (err error) { lt, lcpu, err = timeCommand(corpus, leakhound(mod, r)); return err },
				func() (err error) { pt, pcpu, err = timeCommand(corpus, peers(mod, r)); return err })
			if err != nil {
				return nil, fmt.Errorf("%s: %w", mod.Path, err)
			}
			m.add(r, lt, pt)
			m.leakhoundCPU += lcpu
			m.peersCPU += pcpu
		}
		fmt.Fprintf(os.Stderr, "%s: round %d done\n", mode, r+1)
	}
	return m, nil
}

// timeCommand runs args in dir and returns its wall time and CPU time (user
// and system, its children's included: the CPU time does not depend on
// what else the machine runs, the wall time does). Exit status 1 and
// 3 mean diagnostics (leakhound, go vet; multichecker), not failure; a
// failure still prints an error line, which is returned as the error.
func timeCommand(dir string, args []string) (wall, cpu time.Duration, err error) {
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = io.Discard, &stderr
	start := time.Now()
	err = cmd.Run()
	wall = time.Since(start)
	var exit *exec.ExitError
	if err != nil && !(errors.As(err, &exit) && (exit.ExitCode() == 1 || exit.ExitCode() == 3)) {
		return 0, 0, fmt.Errorf("%s: %v: %s", filepath.Base(args[0]), err, firstLine(stderr.String()))
	}
	if msg := toolError(stderr.String()); msg != "" {
		return 0, 0, fmt.Errorf("%s: %s", filepath.Base(args[0]), msg)
	}
	return wall, cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime(), nil
}

// toolError returns the first line of stderr that reports an error of the
// tool rather than a diagnostic, or "".
func toolError(stderr string) string {
	for line := range strings.SplitSeq(stderr, "\n") {
		if strings.HasPrefix(line, "leakhound: ") || strings.Contains(line, "internal error") ||
			strings.HasPrefix(line, "go: ") || strings.Contains(line, "could not import") {
			return line
		}
	}
	return ""
}

// renamedCopy copies the executable bin to dir under a new name with tag
// appended after its end: the copy runs the same, but its content hash,
// which go vet uses as the tool's identity in its cache, differs, so go vet
// runs it again instead of replaying cached results.
func renamedCopy(bin, dir, tag string) (string, error) {
	data, err := os.ReadFile(bin)
	if err != nil {
		return "", err
	}
	name := filepath.Join(dir, filepath.Base(bin)+"-"+tag)
	data = append(data, "\n"+tag+"\n"...)
	return name, os.WriteFile(name, data, 0o755)
}

// writeRatios prints the measurements as a Markdown table.
func writeRatios(w io.Writer, ms []*measurement, rounds int) {
	fmt.Fprintf(w, "| how | leakhound | bodyclose + sqlclosecheck | ratio (all rounds) | median of %d rounds |\n", rounds)
	fmt.Fprintln(w, "|---|---:|---:|---:|---:|")
	for _, m := range ms {
		fmt.Fprintf(w, "| %s | %.1fs | %.1fs | %.2f | %.2f |\n", m.mode,
			m.leakhound.Seconds()/float64(rounds), m.peers.Seconds()/float64(rounds), m.ratio(), m.medianRatio())
	}
	for _, m := range ms {
		if m.leakhoundCPU > 0 && m.peersCPU > 0 {
			fmt.Fprintf(w, "\n%s, CPU time (user + system) per round: leakhound %.1fs, bodyclose + sqlclosecheck %.1fs, ratio %.2f.\n",
				m.mode, m.leakhoundCPU.Seconds()/float64(rounds), m.peersCPU.Seconds()/float64(rounds), m.leakhoundCPU.Seconds()/m.peersCPU.Seconds())
		}
	}
	for _, m := range ms {
		if m.leakhoundByAnalyzer == nil {
			continue
		}
		var parts []string
		for _, name := range slices.Sorted(maps.Keys(m.leakhoundByAnalyzer)) {
			parts = append(parts, fmt.Sprintf("%s %d", name, m.leakhoundByAnalyzer[name]))
		}
		fmt.Fprintf(w, "\nDiagnostics on the same packages: leakhound %d (%s), bodyclose + sqlclosecheck %d.\n",
			m.leakhoundN, strings.Join(parts, ", "), m.peersN)
	}
}
