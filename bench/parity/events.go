package main

import (
	"bufio"
	"encoding/json"
	"io"
	"regexp"
	"slices"
	"strings"
)

// Outcomes of a test or a package in one run of go test -json.
const (
	pass      = "pass"
	fail      = "fail"
	skip      = "skip"
	buildFail = "build-fail" // a package whose test binary did not build
	noResult  = "no-result"  // started but never ended: the binary crashed or timed out
)

// key names a test, or with Test "" the package itself.
type key struct {
	Package, Test string
}

// event is the part of a go test -json event (cmd/test2json) the harness
// reads.
type event struct {
	Action      string
	Package     string
	Test        string
	Output      string
	FailedBuild string
}

// maxOutput is how much of a test's output a stream keeps: its last bytes,
// where go test prints why it failed.
const maxOutput = 4 << 10

// stream is what one run's go test -json output says.
type stream struct {
	Outcome map[key]string
	Output  map[key]string // the last maxOutput bytes each test printed
	Junk    int            // lines that were not JSON events
}

// parseStream reads a go test -json stream. Lines that are not events
// (leakhound's own messages, a go command error) are counted in Junk and
// otherwise ignored. The outcome of a test is its last pass, fail or skip
// event; a test that started and never ended is noResult. Tests are keyed
// by their stableName.
func parseStream(r io.Reader) (stream, error) {
	s := stream{Outcome: map[key]string{}, Output: map[key]string{}}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	for sc.Scan() {
		line := sc.Bytes()
		var e event
		if len(line) == 0 || line[0] != '{' || json.Unmarshal(line, &e) != nil || e.Action == "" {
			s.Junk++
			continue
		}
		if e.Package == "" { // build-output events name ImportPath instead
			continue
		}
		k := key{e.Package, stableName(e.Test)}
		switch e.Action {
		case "run", "start":
			if _, ok := s.Outcome[k]; !ok {
				s.Outcome[k] = noResult
			}
		case pass, skip, fail:
			o := e.Action
			if e.FailedBuild != "" && e.Test == "" {
				o = buildFail
			}
			if old := s.Outcome[k]; old == noResult || rank[o] > rank[old] {
				s.Outcome[k] = o // the worst of the tests whose stable names collide
			}
		case "output":
			out := s.Output[k] + e.Output
			if len(out) > maxOutput {
				out = out[len(out)-maxOutput:]
			}
			s.Output[k] = out
		}
	}
	return s, sc.Err()
}

var rank = map[string]int{skip: 1, pass: 2, fail: 3, buildFail: 4}

// Parts of test names that change from run to run or binary to binary: the
// subtests of testify's table tests are named after the values they
// compare, pointers and the current time included.
var (
	pointer = regexp.MustCompile(`0x[0-9a-f]+`)
	date    = regexp.MustCompile(`time\.Date\([^)]*\)`)
)

// stableName replaces the parts of a test name that change from run to run
// with "?", so that the same test lines up across runs.
func stableName(name string) string {
	name = pointer.ReplaceAllLiteralString(name, "0x?")
	return date.ReplaceAllLiteralString(name, "time.Date(?)")
}

// Verdicts of a test over all runs of both sides.
const (
	identical     = "identical"      // every run of both sides had the same outcome
	differing     = "differing"      // go test agreed with itself, leakhound test did not agree with it
	flaky         = "flaky"          // go test's own runs disagree (or it is missing from some), so leakhound cannot be judged
	onlyGo        = "only-go"        // missing from every leakhound test run
	onlyLeakhound = "only-leakhound" // missing from every go test run
)

// row is the comparison of one test (or package, with Test "").
type row struct {
	Package   string   `json:"package"`
	Test      string   `json:"test,omitempty"`
	Verdict   string   `json:"verdict"`
	Go        []string `json:"go"`        // outcome in each go test run, "" where it was missing
	Leakhound []string `json:"leakhound"` // the same for each leakhound test run
	Findings  []string `json:"findings,omitempty"`
	Output    string   `json:"output,omitempty"` // leakhound test's output of the test, when not identical
}

// compare lines up the outcomes of go test's runs and leakhound test's runs
// test by test, in package and test order.
func compare(goRuns, lhRuns []map[key]string) []row {
	keys := map[key]bool{}
	for _, run := range append(slices.Clone(goRuns), lhRuns...) {
		for k := range run {
			keys[k] = true
		}
	}
	var rows []row
	for k := range keys {
		r := row{Package: k.Package, Test: k.Test, Go: outcomes(goRuns, k), Leakhound: outcomes(lhRuns, k)}
		r.Verdict = verdict(r.Go, r.Leakhound)
		rows = append(rows, r)
	}
	slices.SortFunc(rows, func(a, b row) int {
		return strings.Compare(a.Package+"\x00"+a.Test, b.Package+"\x00"+b.Test)
	})
	return rows
}

func outcomes(runs []map[key]string, k key) []string {
	out := make([]string, len(runs))
	for i, run := range runs {
		out[i] = run[k]
	}
	return out
}

func verdict(goOut, lhOut []string) string {
	switch {
	case len(slices.Compact(slices.Sorted(slices.Values(goOut)))) > 1:
		return flaky
	case !slices.ContainsFunc(lhOut, isSet):
		return onlyGo
	case !slices.ContainsFunc(goOut, isSet):
		return onlyLeakhound
	case slices.ContainsFunc(lhOut, func(o string) bool { return o != goOut[0] }):
		return differing
	}
	return identical
}

func isSet(o string) bool { return o != "" }
