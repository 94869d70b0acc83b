package main

import (
	"fmt"
	"io"
	"slices"
	"text/tabwriter"
)

// tallies are one module's line of the table.
type tallies struct {
	tests     int // tests seen on either side (packages not counted)
	goFail    int // tests that failed or never ended in a go test run
	identical int
	diffLeak  int // differing, with a leak finding attributed to the test
	diffOther int // differing, without one
	flaky     int
	onlyGo    int
	onlyLH    int
	pkgDiff   int // packages whose own outcome differs or is missing on one side
	buildFail int // packages that failed to build in some run
	edits     int // runs that changed the module's go.mod, go.sum or go.work
	gFindings int // distinct goroutine findings
	gModule   int // of which the origin names a frame of the module

	goWarm, lhWarm, goCold, lhCold float64 // seconds; 0 when there was no such run
}

func tally(res result) tallies {
	var t tallies
	for _, r := range res.Tests {
		if r.Test == "" {
			if r.Verdict != identical && r.Verdict != flaky {
				t.pkgDiff++
			}
			if slices.Contains(r.Go, buildFail) || slices.Contains(r.Leakhound, buildFail) {
				t.buildFail++
			}
			continue
		}
		t.tests++
		if slices.Contains(r.Go, fail) || slices.Contains(r.Go, noResult) {
			t.goFail++
		}
		switch r.Verdict {
		case identical:
			t.identical++
		case differing:
			if len(r.Findings) > 0 {
				t.diffLeak++
			} else {
				t.diffOther++
			}
		case flaky:
			t.flaky++
		case onlyGo:
			t.onlyGo++
		case onlyLeakhound:
			t.onlyLH++
		}
	}
	for _, r := range res.Runs {
		if len(r.Edited) > 0 {
			t.edits++
		}
	}
	t.gFindings, t.gModule = res.GoroutineFindings, res.GoroutineFindings-len(res.ForeignOrigins)
	t.goCold, t.goWarm = times(res.Runs, "go")
	t.lhCold, t.lhWarm = times(res.Runs, "leakhound")
	return t
}

// times returns the wall time of a side's cold run and the median of its
// warm runs, in seconds.
func times(runs []runResult, side string) (cold, warm float64) {
	var ws []float64
	for _, r := range runs {
		switch {
		case r.Side != side:
		case r.Round == 0:
			cold = r.Seconds
		default:
			ws = append(ws, r.Seconds)
		}
	}
	if len(ws) > 0 {
		slices.Sort(ws)
		warm = ws[len(ws)/2]
	}
	return cold, warm
}

// printTable prints a line per module and a summary; with plain, go test's
// columns only.
func printTable(w io.Writer, results []result, plain bool) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	if plain {
		fmt.Fprintln(tw, "module\ttests\tgo fail\tbuild fail\tgo warm s\tgo cold s\t")
	} else {
		fmt.Fprintln(tw, "module\ttests\tgo fail\tidentical\tdiffering leak/other\tflaky\tmissing go/lh\tpkgs differing\tbuild fail\tgoroutine findings in module\tgo warm s\tlh warm s\tratio\tgo cold s\tlh cold s\t")
	}
	var sum tallies
	for _, res := range results {
		t := res.tallies
		if res.Error != "" {
			fmt.Fprintf(tw, "%s\terror: see above\t\n", res.Name)
			continue
		}
		if plain {
			fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%.1f\t%.1f\t\n", res.Name, t.tests, t.goFail, t.buildFail, t.goWarm, t.goCold)
		} else {
			fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d/%d\t%d\t%d/%d\t%d\t%d\t%d/%d\t%.1f\t%.1f\t%.2f\t%.1f\t%.1f\t\n",
				res.Name, t.tests, t.goFail, t.identical, t.diffLeak, t.diffOther, t.flaky, t.onlyLH, t.onlyGo,
				t.pkgDiff, t.buildFail, t.gModule, t.gFindings, t.goWarm, t.lhWarm, ratio(t.lhWarm, t.goWarm), t.goCold, t.lhCold)
		}
		sum = add(sum, t)
	}
	tw.Flush()
	if plain {
		fmt.Fprintf(w, "\nall: %d tests, %d failing under go test, %d packages failed to build; go test warm %.1f s\n",
			sum.tests, sum.goFail, sum.buildFail, sum.goWarm)
		return
	}
	fmt.Fprintf(w, "\nall: %d tests, %d identical (%.1f%%), %d differing (%d with a leak finding), %d flaky, %d missing; "+
		"%d packages differing, %d failed to build; %d runs edited go.mod/go.sum/go.work; "+
		"%d of %d goroutine findings (%.1f%%) have an origin in the module; warm time leakhound/go %.1f s / %.1f s = %.2f; "+
		"cold minus warm, leakhound: %.1f s summed, %.1f s at most\n",
		sum.tests, sum.identical, percent(sum.identical, sum.tests), sum.diffLeak+sum.diffOther, sum.diffLeak,
		sum.flaky, sum.onlyGo+sum.onlyLH, sum.pkgDiff, sum.buildFail, sum.edits,
		sum.gModule, sum.gFindings, percent(sum.gModule, sum.gFindings),
		sum.lhWarm, sum.goWarm, ratio(sum.lhWarm, sum.goWarm), sum.lhCold-sum.lhWarm, maxColdExtra(results))
}

func add(a, b tallies) tallies {
	a.tests += b.tests
	a.goFail += b.goFail
	a.identical += b.identical
	a.diffLeak += b.diffLeak
	a.diffOther += b.diffOther
	a.flaky += b.flaky
	a.onlyGo += b.onlyGo
	a.onlyLH += b.onlyLH
	a.pkgDiff += b.pkgDiff
	a.buildFail += b.buildFail
	a.edits += b.edits
	a.gFindings += b.gFindings
	a.gModule += b.gModule
	a.goWarm += b.goWarm
	a.lhWarm += b.lhWarm
	a.goCold += b.goCold
	a.lhCold += b.lhCold
	return a
}

func ratio(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}

func percent(n, of int) float64 {
	if of == 0 {
		return 0
	}
	return 100 * float64(n) / float64(of)
}

// maxColdExtra returns the most a module's cold leakhound run took over its
// warm one, in seconds.
func maxColdExtra(results []result) float64 {
	var m float64
	for _, res := range results {
		if t := res.tallies; t.lhWarm > 0 {
			m = max(m, t.lhCold-t.lhWarm)
		}
	}
	return m
}
