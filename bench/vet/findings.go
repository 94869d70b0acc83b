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

// A finding is one diagnostic of leakhound vet on the corpus, with its
// position relative to its module: "module@version/path:line".
type finding struct {
	Module   string `json:"module"`
	Analyzer string `json:"analyzer"`
	Pos      string `json:"pos"`
	Message  string `json:"message"`
}

// A moduleRun is what leakhound vet found in one module, and how long it took.
type moduleRun struct {
	Module   module
	Wall     time.Duration
	Findings []finding
}

// analyzerNames are the columns of the findings table, in order; analyzers
// of the binary that are not listed get a column after them.
var analyzerNames = []string{"unclosed", "rawfd", "finalizer", "goroutineleak", "ignore"}

// runFindings runs the leakhound binary on each module's packages (without
// test files), one module at a time, and returns what it found.
func runFindings(bin, corpus string, mods []module) ([]moduleRun, error) {
	var runs []moduleRun
	for _, m := range mods {
		report, err := os.CreateTemp("", "leakhound-vet-*.json")
		if err != nil {
			return nil, err
		}
		report.Close()
		args := append([]string{"vet", "-tests=false", "-json", report.Name()}, m.Packages...)
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
		out = append(out, finding{Module: m.Path, Analyzer: f.Reason, Pos: modulePos(m, f.Pos), Message: f.Message})
	}
	return out, nil
}

// modulePos turns "/abs/file.go:12:3" into "module@version/file.go:12".
func modulePos(m module, pos string) string {
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
	return m.Path + "@" + m.Version + "/" + filepath.ToSlash(rel) + ":" + line
}

// writeTable prints the findings per module and analyzer as a Markdown table.
func writeTable(w io.Writer, runs []moduleRun) {
	names := slices.Clone(analyzerNames)
	for _, r := range runs {
		for _, f := range r.Findings {
			if !slices.Contains(names, f.Analyzer) {
				names = append(names, f.Analyzer)
			}
		}
	}
	fmt.Fprintf(w, "| module | version | packages | %s | total | wall time |\n", strings.Join(names, " | "))
	fmt.Fprintf(w, "|---|---|---:|%s---:|---:|\n", strings.Repeat("---:|", len(names)))
	total := map[string]int{}
	var pkgs, all int
	var wall time.Duration
	for _, r := range runs {
		counts := map[string]int{}
		for _, f := range r.Findings {
			counts[f.Analyzer]++
			total[f.Analyzer]++
		}
		fmt.Fprintf(w, "| %s | %s | %d | %s | %d | %.1fs |\n", r.Module.Path, r.Module.Version, len(r.Module.Packages),
			countCells(names, counts), len(r.Findings), r.Wall.Seconds())
		pkgs += len(r.Module.Packages)
		all += len(r.Findings)
		wall += r.Wall
	}
	fmt.Fprintf(w, "| **%d modules** | | %d | %s | %d | %.1fs |\n", len(runs), pkgs, countCells(names, total), all, wall.Seconds())
}

func countCells(names []string, counts map[string]int) string {
	cells := make([]string, len(names))
	for i, n := range names {
		cells[i] = strconv.Itoa(counts[n])
	}
	return strings.Join(cells, " | ")
}

// sample picks n findings, stratified by analyzer and module: the findings
// are grouped by (analyzer, module), each group is shuffled with a
// generator seeded by seed, and the groups, in sorted order, give one
// finding each in turn until n are picked. With n at least the number of
// findings, it returns them all. The result is sorted by analyzer, module
// and position.
func sample(all []finding, n int, seed uint64) []finding {
	groups := map[string][]finding{}
	var keys []string
	for _, f := range all {
		k := f.Analyzer + " " + f.Module
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
