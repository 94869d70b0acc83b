package inspectcmd

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/leakhound/leakhound/report"
)

// The sites of the dumps testdata/dump-first.txt and dump-later.txt (see
// testdata/gen.go), by the function each blocks in. With -min-count 4 all
// three are suspects.
const (
	leakSend    = "main.leakSend.func1"    // proven leaked, created by main.leakSend
	blockGlobal = "main.blockGlobal.func1" // long-blocked, created by main.blockGlobal
	poolWait    = "main.(*pool).wait"      // long-blocked, in main.worker, created by main.startPool
)

var (
	dumpFirst = filepath.Join("testdata", "dump-first.txt")
	dumpLater = filepath.Join("testdata", "dump-later.txt")
)

// readReportFile reads the JSON report at path and checks its format.
func readReportFile(t *testing.T, path string) *report.Report {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var r report.Report
	if err := json.Unmarshal(data, &r); err != nil {
		t.Fatal(err)
	}
	if err := r.Validate(); err != nil {
		t.Fatalf("the report breaks the format: %v", err)
	}
	return &r
}

// sites returns the blocking function of each finding of r, sorted.
func sites(r *report.Report) []string {
	var out []string
	for _, f := range r.Findings {
		out = append(out, f.Stack[0].Func)
	}
	slices.Sort(out)
	return out
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestIgnoreRules applies one rule of each matcher to the suspects of a
// dump: each ignores what it names and nothing else; a rule that matched
// nothing is reported stale only when it could have matched in inspect
// (no test, package or resource finding there).
func TestIgnoreRules(t *testing.T) {
	all := []string{blockGlobal, leakSend, poolWait}
	tests := []struct {
		name  string
		give  string // the rule's matchers, YAML
		want  []string
		stale bool
	}{
		{"top_function", "top_function: main.blockGlobal.func1", []string{leakSend, poolWait}, false},
		{"top_function prefix", `top_function: "main.*"`, nil, false},
		{"created_by", "created_by: main.leakSend", []string{blockGlobal, poolWait}, false},
		{"created_by is not the blocking function", "created_by: main.leakSend.func1", all, true},
		{"any_function", "any_function: main.worker", []string{blockGlobal, leakSend}, false},
		{"kind", "kind: goroutine", nil, false},
		{"resource", "resource: goroutine", nil, false},
		{"finding_reason proven", "finding_reason: unreachable-wait", []string{blockGlobal, poolWait}, false},
		{"finding_reason suspected", "finding_reason: long-blocked", []string{leakSend}, false},
		{"all matchers must match", "{kind: goroutine, created_by: main.startPool}", []string{blockGlobal, leakSend}, false},
		{"a function that is not there", "any_function: main.gone", all, true},
		{"test: inspect has no tests", `test: "."`, all, false},
		{"package: inspect has no packages", "package: main", all, false},
		{"kind inspect does not report", "kind: resource", all, false},
		{"reason inspect does not report", "finding_reason: closed-by-gc", all, false},
		{"resource inspect does not report", "resource: os.File", all, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			cfg := filepath.Join(dir, "lh.yaml")
			rule := strings.TrimSuffix(strings.TrimPrefix(tt.give, "{"), "}")
			writeFile(t, cfg, "ignore:\n  - "+strings.ReplaceAll(rule, ", ", "\n    ")+"\n    reason: the test says so\n")
			out := filepath.Join(dir, "report.json")
			stdout, stderr, code := run("-config", cfg, "-json", out, "-min-count", "4", dumpFirst)
			got := sites(readReportFile(t, out))
			slices.Sort(tt.want)
			wantCode := 0
			if len(tt.want) > 0 {
				wantCode = 1
			}
			if !slices.Equal(got, tt.want) || code != wantCode {
				t.Errorf("exit %d, sites %q; want %d, %q\nstdout:\n%s\nstderr:\n%s", code, got, wantCode, tt.want, stdout, stderr)
			}
			for _, site := range all {
				if shown := strings.Contains(stdout, site+" ("); shown != slices.Contains(tt.want, site) {
					t.Errorf("stdout shows %s: %v, want %v\n%s", site, shown, !shown, stdout)
				}
			}
			if ignored := len(all) - len(tt.want); ignored > 0 && !strings.Contains(stderr, "leakhound: "+strconv.Itoa(ignored)+" finding(s) ignored by the rules of "+cfg) {
				t.Errorf("stderr does not say %d finding(s) were ignored:\n%s", ignored, stderr)
			}
			if stale := strings.Contains(stderr, cfg+":2: stale ignore rule"); stale != tt.stale {
				t.Errorf("reported stale: %v, want %v\n%s", stale, tt.stale, stderr)
			}
			if len(tt.want) == 0 && !strings.Contains(stdout, "no new suspects: the 3 found are ignored") {
				t.Errorf("stdout does not say every suspect was ignored:\n%s", stdout)
			}
		})
	}
}

// TestConfigFound checks that without -config inspect reads the
// .leakhound.yaml of the current directory, or of a directory above it up
// to the module root.
func TestConfigFound(t *testing.T) {
	first, err := filepath.Abs(dumpFirst)
	if err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	writeFile(t, filepath.Join(root, "go.mod"), "module example.com/m\n")
	writeFile(t, filepath.Join(root, ".leakhound.yaml"), "ignore:\n  - finding_reason: long-blocked\n    reason: the pools block by design\n")
	sub := filepath.Join(root, "ops", "dumps")
	if err := os.MkdirAll(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Chdir(sub)
	out := filepath.Join(root, "report.json")
	_, stderr, code := run("-json", out, "-min-count", "4", first)
	if got := sites(readReportFile(t, out)); code != 1 || !slices.Equal(got, []string{leakSend}) {
		t.Errorf("exit %d, sites %q; want 1 and only %s\n%s", code, got, leakSend, stderr)
	}
	if !strings.Contains(stderr, "2 finding(s) ignored by the rules of "+filepath.Join(root, ".leakhound.yaml")) {
		t.Errorf("stderr does not name the file found:\n%s", stderr)
	}
}

// TestBaseline writes a baseline of one dump and applies it to a later dump
// of the same leaks (other goroutine ids, addresses and wait times): all
// known, exit 0; to a run where a suspect is gone: its entry reported
// fixed; to a run with suspects the baseline does not list: they fail.
func TestBaseline(t *testing.T) {
	dir := t.TempDir()
	base := filepath.Join(dir, "baseline.json")
	if _, stderr, code := run("-min-count", "4", "-write-baseline", base, dumpFirst); code != 1 {
		t.Fatalf("writing the baseline: exit %d, want 1 (the suspects are not known yet)\n%s", code, stderr)
	}
	data, err := os.ReadFile(base)
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(data), `"stable_id"`); n != 3 || !strings.Contains(string(data), `"func": "main.startPool"`) {
		t.Fatalf("the baseline has %d entries, want 3, one of main.startPool:\n%s", n, data)
	}

	t.Run("same leaks, later dump", func(t *testing.T) {
		out := filepath.Join(t.TempDir(), "report.json")
		stdout, stderr, code := run("-min-count", "4", "-baseline", base, "-json", out, dumpLater)
		r := readReportFile(t, out)
		if code != 0 || len(r.Findings) != 3 {
			t.Errorf("exit %d, %d findings; want 0 and 3\nstdout:\n%s\nstderr:\n%s", code, len(r.Findings), stdout, stderr)
		}
		for _, f := range r.Findings {
			if !f.Known {
				t.Errorf("finding at %s is not known", f.Stack[0].Func)
			}
		}
		if !strings.Contains(stderr, "leakhound: 12 known leak(s) in 3 group(s) listed in the baseline "+base+": not failing") ||
			strings.Contains(stderr, "no longer found") || !strings.Contains(stdout, "no new suspects: the 3 found") {
			t.Errorf("want one line of 12 known leaks, none fixed, no suspect shown\nstdout:\n%s\nstderr:\n%s", stdout, stderr)
		}
	})
	t.Run("a suspect gone", func(t *testing.T) {
		// With -min-count 5, the pool's 4 goroutines are no suspect.
		_, stderr, code := run("-min-count", "5", "-baseline", base, dumpLater)
		if code != 0 || !regexp.MustCompile(`leakhound: 1 baseline entry no longer found \(fixed, or not run this time\): [0-9a-f]{16} \(main\.startPool\)`).MatchString(stderr) {
			t.Errorf("exit %d, want 0 and the pool's entry fixed\n%s", code, stderr)
		}
	})
	t.Run("new suspects", func(t *testing.T) {
		proven := filepath.Join(t.TempDir(), "proven.json")
		run("-write-baseline", proven, dumpFirst) // only the proven leak ranks by default
		stdout, stderr, code := run("-min-count", "4", "-baseline", proven, dumpLater)
		if code != 1 || !strings.Contains(stderr, "3 known leak(s) in 1 group(s)") ||
			strings.Contains(stdout, leakSend) || !strings.Contains(stdout, blockGlobal) || !strings.Contains(stdout, poolWait) {
			t.Errorf("exit %d: want 1, the proven leak known, the two others shown\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
		}
	})
	t.Run("rewrite in place", func(t *testing.T) {
		// One file for both flags: the baseline shrinks as suspects go.
		same := filepath.Join(t.TempDir(), "baseline.json")
		if err := os.WriteFile(same, data, 0o644); err != nil {
			t.Fatal(err)
		}
		run("-min-count", "5", "-baseline", same, "-write-baseline", same, dumpLater)
		shrunk, err := os.ReadFile(same)
		if err != nil {
			t.Fatal(err)
		}
		if n := strings.Count(string(shrunk), `"stable_id"`); n != 2 || strings.Contains(string(shrunk), "main.startPool") {
			t.Errorf("the rewritten baseline has %d entries, want 2 without main.startPool:\n%s", n, shrunk)
		}
	})
	t.Run("baseline on stdout", func(t *testing.T) {
		stdout, _, _ := run("-min-count", "4", "-write-baseline", "-", dumpFirst)
		if !json.Valid([]byte(stdout)) || !strings.Contains(stdout, "leakhound.baseline/v1") {
			t.Errorf("-write-baseline - wrote more than the baseline on stdout:\n%s", stdout)
		}
	})
}

// TestStableIDAcrossDumps checks that the findings of two dumps of the
// same leaks, taken from two runs of the program, have the same ids,
// although the dumps differ in goroutine ids, argument addresses and wait
// minutes: none of these is hashed.
func TestStableIDAcrossDumps(t *testing.T) {
	first, err := os.ReadFile(dumpFirst)
	if err != nil {
		t.Fatal(err)
	}
	later, err := os.ReadFile(dumpLater)
	if err != nil {
		t.Fatal(err)
	}
	goroutineIDs := regexp.MustCompile(`(?m)^goroutine \d+ `)
	addresses := regexp.MustCompile(`0x[0-9a-f]{6,}`)
	minutes := regexp.MustCompile(`, \d+ minutes\]`)
	same := func(re *regexp.Regexp) bool {
		return slices.Equal(re.FindAllString(string(first), -1), re.FindAllString(string(later), -1))
	}
	if same(goroutineIDs) || same(addresses) ||
		minutes.Match(first) || !minutes.Match(later) {
		t.Fatal("the fixtures must differ in goroutine ids, addresses and wait minutes: regenerate them with testdata/gen.go")
	}
	ids := func(path string) map[string][2]string {
		out := filepath.Join(t.TempDir(), "report.json")
		run("-min-count", "4", "-json", out, path)
		m := map[string][2]string{}
		for _, f := range readReportFile(t, out).Findings {
			m[f.Stack[0].Func+" "+string(f.Reason)] = [2]string{f.ID, f.StableID}
		}
		return m
	}
	a, b := ids(dumpFirst), ids(dumpLater)
	if len(a) != 3 {
		t.Fatalf("want 3 findings, got %v", a)
	}
	for site, id := range a {
		if b[site] != id {
			t.Errorf("%s: id and stable_id %v in the first dump, %v in the later one", site, id, b[site])
		}
	}
}
