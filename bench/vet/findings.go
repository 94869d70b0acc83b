package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// A finding is one diagnostic of leakhound vet or of a peer on the corpus,
// with its position relative to its module: "module@version/path:line".
type finding struct {
	Module   string `json:"module"`
	Analyzer string `json:"analyzer"`
	Pos      string `json:"pos"`
	Message  string `json:"message"`
	Test     bool   `json:"test"` // in test code: see isTestCode
	// Leakhound, on a peer's finding, says that leakhound vet reports a
	// finding at the same file and line.
	Leakhound bool `json:"leakhound,omitempty"`
}

// A moduleRun is what leakhound vet, and the peers if they ran, found in
// one module, and how long each took.
type moduleRun struct {
	Module     module
	Wall       time.Duration
	Findings   []finding
	PeersWall  time.Duration
	Peers      []finding
	peersError string // the peers' first package error, if any
}

// analyzerNames are the columns of the findings table, in order; analyzers
// of the binary that are not listed get a column after them.
var analyzerNames = []string{"unclosed", "rawfd", "finalizer", "goroutineleak", "ignore"}

// runFindings runs the leakhound binary on each module's packages, with
// their test files if tests is set, one module at a time, and returns what
// it found.
func runFindings(bin, corpus string, mods []module, tests bool) ([]moduleRun, error) {
	var runs []moduleRun
	for _, m := range mods {
		report, err := os.CreateTemp("", "leakhound-vet-*.json")
		if err != nil {
			return nil, err
		}
		report.Close()
		args := append([]string{"vet", "-tests=" + strconv.FormatBool(tests), "-json", report.Name()}, m.Packages...)
		cmd := exec.Command(bin, args...)
		cmd.Dir = corpus
		var stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = io.Discard, &stderr
		start := time.Now()
		err = cmd.Run()
		wall := time.Since(start)
		var exit *exec.ExitError
		if err != nil && !(errors.As(err, &exit) && exit.ExitCode() == 1) {
			os.Remove(report.Name())
			return nil, fmt.Errorf("leakhound vet on %s: %v: %s", m.Path, err, firstLine(stderr.String()))
		}
		fs, err := readReport(report.Name(), m)
		os.Remove(report.Name())
		if err != nil {
			return nil, err
		}
		fmt.Fprintf(os.Stderr, "%s@%s: %d packages, %d findings, %.1fs\n", m.Path, m.Version, len(m.Packages), len(fs), wall.Seconds())
		runs = append(runs, moduleRun{Module: m, Wall: wall, Findings: fs})
	}
	return runs, nil
}

// readReport reads the findings of a leakhound.report/v1 file about m.
func readReport(name string, m module) ([]finding, error) {
	data, err := os.ReadFile(name)
	if err != nil {
		return nil, err
	}
	var r struct {
		Findings []struct {
			Reason, Message, Pos string
		}
	}
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, fmt.Errorf("read the report on %s: %w", m.Path, err)
	}
	var out []finding
	for _, f := range r.Findings {
		pos, test := modulePos(m, f.Pos)
		out = append(out, finding{Module: m.Path, Analyzer: f.Reason, Pos: pos, Message: f.Message, Test: test})
	}
	return out, nil
}

// modulePos turns "/abs/file.go:12:3" into "module@version/file.go:12" and
// reports whether the file is test code.
func modulePos(m module, pos string) (string, bool) {
	file, line := pos, ""
	if i := strings.LastIndex(file, ":"); i >= 0 {
		file = file[:i] // the column
	}
	if i := strings.LastIndex(file, ":"); i >= 0 {
		file, line = file[:i], file[i+1:]
	}
	rel, err := filepath.Rel(m.Dir, file)
	if err != nil || strings.HasPrefix(rel, "..") {
		rel = file
	}
	rel = filepath.ToSlash(rel)
	return m.Path + "@" + m.Version + "/" + rel + ":" + line, isTestCode(rel)
}

// writeTable prints the findings per module and analyzer as a Markdown
// table, with how many are in test code and, if withPeers, the peers'
// findings per analyzer.
func writeTable(w io.Writer, runs []moduleRun, withPeers bool) {
	names := slices.Clone(analyzerNames)
	for _, r := range runs {
		for _, f := range r.Findings {
			if !slices.Contains(names, f.Analyzer) {
				names = append(names, f.Analyzer)
			}
		}
	}
	head := fmt.Sprintf("| module | version | packages | %s | total | in tests | wall time |", strings.Join(names, " | "))
	rule := fmt.Sprintf("|---|---|---:|%s---:|---:|---:|", strings.Repeat("---:|", len(names)))
	if withPeers {
		head += fmt.Sprintf(" %s | peers total | peers in tests | leakhound at the same line | peers wall time |", strings.Join(peerNames, " | "))
		rule += strings.Repeat("---:|", len(peerNames)+4)
	}
	fmt.Fprintln(w, head)
	fmt.Fprintln(w, rule)
	pkgs := 0
	var sum moduleRun
	for _, r := range runs {
		fmt.Fprintf(w, "| %s | %s | %d | %s |\n", r.Module.Path, r.Module.Version, len(r.Module.Packages), rowCells(names, r, withPeers))
		pkgs += len(r.Module.Packages)
		sum.Wall += r.Wall
		sum.PeersWall += r.PeersWall
		sum.Findings = append(sum.Findings, r.Findings...)
		sum.Peers = append(sum.Peers, r.Peers...)
	}
	fmt.Fprintf(w, "| **%d modules** | | %d | %s |\n", len(runs), pkgs, rowCells(names, sum, withPeers))
	for _, r := range runs {
		if r.peersError != "" {
			fmt.Fprintf(w, "\nThe peers did not check every package of %s: %s\n", r.Module.Path, r.peersError)
		}
	}
}

// rowCells returns the cells of a row of the findings table after the
// module's packages.
func rowCells(names []string, r moduleRun, withPeers bool) string {
	cells := fmt.Sprintf("%s | %d | %d | %.1fs", countCells(names, byAnalyzer(r.Findings)), len(r.Findings), countTests(r.Findings), r.Wall.Seconds())
	if withPeers {
		both := 0
		for _, f := range r.Peers {
			if f.Leakhound {
				both++
			}
		}
		cells += fmt.Sprintf(" | %s | %d | %d | %d | %.1fs", countCells(peerNames, byAnalyzer(r.Peers)), len(r.Peers), countTests(r.Peers), both, r.PeersWall.Seconds())
	}
	return cells
}

func byAnalyzer(fs []finding) map[string]int {
	counts := map[string]int{}
	for _, f := range fs {
		counts[f.Analyzer]++
	}
	return counts
}

func countTests(fs []finding) int {
	n := 0
	for _, f := range fs {
		if f.Test {
			n++
		}
	}
	return n
}

func countCells(names []string, counts map[string]int) string {
	cells := make([]string, len(names))
	for i, n := range names {
		cells[i] = strconv.Itoa(counts[n])
	}
	return strings.Join(cells, " | ")
}

// sample picks n findings, stratified by analyzer, module and test code:
// the findings are grouped by (analyzer, module, test code or not), each
// group is shuffled with a generator seeded by seed, and the groups, in
// sorted order, give one finding each in turn until n are picked. With n
// at least the number of findings, it returns them all. The result is
// sorted by analyzer, module and position.
func sample(all []finding, n int, seed uint64) []finding {
	groups := map[string][]finding{}
	var keys []string
	for _, f := range all {
		k := f.Analyzer + " " + f.Module
		if f.Test {
			k += " test"
		}
		if _, ok := groups[k]; !ok {
			keys = append(keys, k)
		}
		groups[k] = append(groups[k], f)
	}
	slices.Sort(keys)
	rng := rand.New(rand.NewPCG(seed, seed))
	for _, k := range keys {
		g := groups[k]
		slices.SortFunc(g, func(a, b finding) int { return strings.Compare(a.Pos, b.Pos) })
		rng.Shuffle(len(g), func(i, j int) { g[i], g[j] = g[j], g[i] })
	}
	var out []finding
	for len(out) < n {
		picked := false
		for _, k := range keys {
			if len(groups[k]) > 0 && len(out) < n {
				out = append(out, groups[k][0])
				groups[k] = groups[k][1:]
				picked = true
			}
		}
		if !picked {
			break
		}
	}
	slices.SortFunc(out, func(a, b finding) int {
		return strings.Compare(a.Analyzer+" "+a.Module+" "+a.Pos, b.Analyzer+" "+b.Module+" "+b.Pos)
	})
	return out
}
