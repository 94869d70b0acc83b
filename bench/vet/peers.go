package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"time"
)

// peerNames are the analyzers of the peers' multichecker, the columns of
// their counts in the findings table.
var peerNames = []string{"bodyclose", "sqlclosecheck"}

// runPeers runs the peers' multichecker bin on the packages of each run's
// module, with their test files if tests is set, and fills in the run's
// peer findings and wall time. A package variant the multichecker checks
// more than once (a package and its test variant) gives each finding once.
func runPeers(bin, corpus string, runs []moduleRun, tests bool) error {
	for i := range runs {
		r := &runs[i]
		args := append([]string{"-json", "-test=" + strconv.FormatBool(tests)}, r.Module.Packages...)
		cmd := exec.Command(bin, args...)
		cmd.Dir = corpus
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		start := time.Now()
		err := cmd.Run()
		r.PeersWall = time.Since(start)
		if err != nil { // with -json, diagnostics do not make it fail
			return fmt.Errorf("peers on %s: %v: %s", r.Module.Path, err, firstLine(stderr.String()))
		}
		fs, pkgErr, err := readPeers(stdout.Bytes(), r.Module)
		if err != nil {
			return fmt.Errorf("peers on %s: %v: %s", r.Module.Path, err, firstLine(stderr.String()))
		}
		r.Peers, r.peersError = fs, pkgErr
		at := map[string]bool{}
		for _, f := range r.Findings {
			at[f.Pos] = true
		}
		for j := range r.Peers {
			r.Peers[j].Leakhound = at[r.Peers[j].Pos]
		}
		fmt.Fprintf(os.Stderr, "%s@%s: peers: %d findings, %.1fs\n", r.Module.Path, r.Module.Version, len(r.Peers), r.PeersWall.Seconds())
	}
	return nil
}

// readPeers reads the multichecker's -json output about m: for each package
// and analyzer, a list of diagnostics or an error. It returns the findings,
// each once, sorted by position, and the first analyzer error.
func readPeers(out []byte, m module) ([]finding, string, error) {
	var tree map[string]map[string]json.RawMessage
	if err := json.Unmarshal(out, &tree); err != nil {
		return nil, "", fmt.Errorf("read the JSON output: %w", err)
	}
	seen := map[finding]bool{}
	var fs []finding
	var firstErr string
	for pkg, byAnalyzer := range tree {
		for name, raw := range byAnalyzer {
			var diags []struct{ Posn, Message string }
			if err := json.Unmarshal(raw, &diags); err != nil {
				var e struct{ Error string }
				if json.Unmarshal(raw, &e) == nil && e.Error != "" {
					if firstErr == "" || pkg+": "+e.Error < firstErr {
						firstErr = pkg + ": " + e.Error
					}
					continue
				}
				return nil, "", fmt.Errorf("read the diagnostics of %s on %s: %w", name, pkg, err)
			}
			for _, d := range diags {
				pos, test := modulePos(m, d.Posn)
				f := finding{Module: m.Path, Analyzer: name, Pos: pos, Message: d.Message, Test: test}
				if !seen[f] {
					seen[f] = true
					fs = append(fs, f)
				}
			}
		}
	}
	slices.SortFunc(fs, func(a, b finding) int {
		return strings.Compare(a.Pos+" "+a.Analyzer+" "+a.Message, b.Pos+" "+b.Analyzer+" "+b.Message)
	})
	return fs, firstErr, nil
}
