package vetcmd_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/leakhound/leakhound/report"
)

// buildLeakhound builds the real binary into a temporary directory.
func buildLeakhound(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds the leakhound binary")
	}
	bin := filepath.Join(t.TempDir(), "leakhound")
	cmd := exec.Command("go", "build", "-o", bin, "github.com/leakhound/leakhound/cmd/leakhound")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

type result struct {
	code           int
	stdout, stderr string
}

func runIn(t *testing.T, dir, name string, args ...string) result {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=-mod=mod")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	code := 0
	if errors.As(err, &exit) {
		code = exit.ExitCode()
	} else if err != nil {
		t.Fatalf("%s %v: %v", name, args, err)
	}
	return result{code, stdout.String(), stderr.String()}
}

// wantText are the diagnostics of "leakhound vet ./..." in testdata/leaky,
// in order: one per analyzer, and two directives that suppress nothing. The
// suppressed findings of leaky.go, rawfd.go and finalizer.go must not show.
var wantText = []string{
	`finalizer.go:10:2: finalizer blocks on a channel receive at line 10: all finalizers run on one goroutine, so every later finalizer \(and every file or socket the garbage collector closes\) waits behind it \(do blocking work in a new goroutine\) \(finalizer\)`,
	`finalizer.go:21:1: leakhound:ignore finalizer has no reason and suppresses nothing: say why the finding does not apply \(ignore\)`,
	`finalizer.go:24:1: leakhound:ignore names unknown analyzer "finaliser": use one of unclosed, rawfd, finalizer, goroutineleak, or all \(ignore\)`,
	`leaky.go:12:\d+: response body opened here is never closed on the path through line 17 \(connection and goroutines leak\) \(unclosed\)`,
	`rawfd.go:12:13: descriptor outlives the \*os.File from os.Open: the file is closed when this function returns \(deferred Close at line 11\) \(keep the file reachable as long as the descriptor is used, or use SyscallConn\) \(rawfd\)`,
}

func TestVetBinary(t *testing.T) {
	bin := buildLeakhound(t)
	dir, err := filepath.Abs(filepath.Join("testdata", "leaky"))
	if err != nil {
		t.Fatal(err)
	}

	t.Run("findings exit 1", func(t *testing.T) {
		r := runIn(t, dir, bin, "vet", "./...")
		lines := strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n")
		if r.code != 1 || len(lines) != len(wantText) {
			t.Fatalf("leakhound vet ./... = %d, %d lines, want 1 and %d\nstdout:\n%s\nstderr:\n%s", r.code, len(lines), len(wantText), r.stdout, r.stderr)
		}
		for i, want := range wantText {
			if !regexp.MustCompile("^" + want + "$").MatchString(lines[i]) {
				t.Errorf("line %d = %q\nwant match for %s", i+1, lines[i], want)
			}
		}
	})

	t.Run("clean exit 0", func(t *testing.T) {
		r := runIn(t, dir, bin, "vet", "./clean")
		if r.code != 0 || r.stdout != "" {
			t.Fatalf("leakhound vet ./clean = %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
		}
	})

	t.Run("json report", func(t *testing.T) {
		out := filepath.Join(t.TempDir(), "report.json")
		r := runIn(t, dir, bin, "vet", "-json", out, ".")
		if r.code != 1 {
			t.Fatalf("exit %d, want 1: %s", r.code, r.stderr)
		}
		data, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		var rep report.Report
		if err := json.Unmarshal(data, &rep); err != nil {
			t.Fatalf("report is not JSON: %v\n%s", err, data)
		}
		if err := rep.Validate(); err != nil {
			t.Errorf("the report breaks the format: %v\n%s", err, data)
		}
		if rep.Schema != report.Schema || rep.Mode != "vet" || len(rep.Findings) != len(wantText) {
			t.Fatalf("report = %+v, want %d findings", rep, len(wantText))
		}
		byReason := map[report.Reason]report.Finding{}
		for _, f := range rep.Findings {
			if f.Kind != "static" || f.Certainty != "suspected" || len(f.Origin) != 1 ||
				f.ID != report.FindingID("static", f.Reason, f.Origin) {
				t.Errorf("finding = %+v", f)
			}
			byReason[f.Reason] = f
		}
		for _, tt := range []struct {
			reason             report.Reason
			resource, file, fn string
			line               int
		}{
			{"unclosed", "http.Response.Body", "leaky.go", "example.com/leaky.Fetch", 12},
			{"rawfd", "os.File", "rawfd.go", "example.com/leaky.LockFd", 12},
			{"finalizer", "finalizer", "finalizer.go", "example.com/leaky.NewCache", 10},
			{"ignore", "", "finalizer.go", "example.com/leaky", 24},
		} {
			f := byReason[tt.reason]
			wantPos := regexp.MustCompile("/" + regexp.QuoteMeta(tt.file) + ":" + strconv.Itoa(tt.line) + `:\d+$`)
			if f.Resource != tt.resource || !wantPos.MatchString(f.Pos) || f.Origin[0].Func != tt.fn || f.Origin[0].Line != tt.line {
				t.Errorf("%s finding = %+v, want resource %q at %s:%d in %s", tt.reason, f, tt.resource, tt.file, tt.line, tt.fn)
			}
		}
	})

	t.Run("html report", func(t *testing.T) {
		out := filepath.Join(t.TempDir(), "report.html")
		r := runIn(t, dir, bin, "vet", "-html", out, ".")
		if r.code != 1 {
			t.Fatalf("exit %d, want 1: %s", r.code, r.stderr)
		}
		data, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		page := string(data)
		for _, want := range []string{fmt.Sprintf("<title>leakhound vet report: %d leak(s)</title>", len(wantText)), `id="kind-static"`,
			`<span class="resource">http.Response.Body</span> <span class="reason">unclosed</span>`, "example.com/leaky.Fetch"} {
			if !strings.Contains(page, want) {
				t.Errorf("HTML report lacks %s:\n%s", want, page)
			}
		}
	})

	t.Run("sarif log", func(t *testing.T) {
		r := runIn(t, dir, bin, "vet", "-sarif", "-", ".")
		var log struct {
			Version string
			Runs    []struct {
				Tool struct {
					Driver struct{ Rules []struct{ ID string } }
				}
				Results []struct {
					RuleID    string
					Locations []struct {
						PhysicalLocation struct {
							ArtifactLocation struct{ URI string }
							Region           struct{ StartLine int }
						}
					}
				}
			}
		}
		// With the log on stdout, the text diagnostics go to stderr.
		if r.code != 1 || !strings.Contains(r.stderr, "leaky.go:12") {
			t.Fatalf("exit %d, stderr:\n%s", r.code, r.stderr)
		}
		if err := json.Unmarshal([]byte(r.stdout), &log); err != nil {
			t.Fatalf("stdout is not only the SARIF log: %v\n%s", err, r.stdout)
		}
		if log.Version != "2.1.0" || len(log.Runs) != 1 || len(log.Runs[0].Results) != len(wantText) {
			t.Fatalf("log = %+v", log)
		}
		var rules, results []string
		for _, rule := range log.Runs[0].Tool.Driver.Rules {
			rules = append(rules, rule.ID)
		}
		for _, res := range log.Runs[0].Results {
			loc := res.Locations[0].PhysicalLocation
			results = append(results, fmt.Sprintf("%s %s:%d", res.RuleID, loc.ArtifactLocation.URI, loc.Region.StartLine))
		}
		wantRules := "unclosed rawfd finalizer goroutineleak ignore"
		wantResults := "finalizer finalizer.go:10, ignore finalizer.go:21, ignore finalizer.go:24, unclosed leaky.go:12, rawfd rawfd.go:12"
		if strings.Join(rules, " ") != wantRules || strings.Join(results, ", ") != wantResults {
			t.Errorf("rules %v, results %v\nwant rules %s, results %s", rules, results, wantRules, wantResults)
		}
	})

	t.Run("usage errors exit 2", func(t *testing.T) {
		for _, args := range [][]string{
			{"vet", "-json", "-", "-html", "-", "."},
			{"vet", "-sarif", "-", "-json", "-", "."},
			{"vet", "-nosuchflag", "."},
			{"vet", "./nosuchdir"},
		} {
			r := runIn(t, dir, bin, args...)
			if r.code != 2 || strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 || !strings.HasPrefix(r.stderr, "leakhound: vet: ") {
				t.Errorf("leakhound %v = %d, stderr:\n%s", args, r.code, r.stderr)
			}
		}
	})

	t.Run("go vet -vettool", func(t *testing.T) {
		r := runIn(t, dir, "go", "vet", "-vettool="+bin, "./...")
		if r.code == 0 {
			t.Fatalf("go vet -vettool = 0, want failure\nstderr:\n%s", r.stderr)
		}
		for _, want := range wantText {
			want = strings.TrimSuffix(want, ` \(`+analyzerOf(want)+`\)`)
			if !regexp.MustCompile(`(?m)^(\./)?` + want + `$`).MatchString(r.stderr) {
				t.Errorf("go vet -vettool output lacks %s\nstderr:\n%s", want, r.stderr)
			}
		}
		for _, suppressed := range []string{"rawfd.go:23:", "finalizer.go:17:", "leaky.go:25:"} {
			if strings.Contains(r.stderr, suppressed) {
				t.Errorf("go vet -vettool reports the suppressed %s\nstderr:\n%s", suppressed, r.stderr)
			}
		}
		r = runIn(t, dir, "go", "vet", "-vettool="+bin, "./clean")
		if r.code != 0 {
			t.Fatalf("go vet -vettool ./clean = %d\nstderr:\n%s", r.code, r.stderr)
		}
	})
}

// analyzerOf returns the analyzer name a wantText line ends with.
func analyzerOf(want string) string {
	i := strings.LastIndex(want, `\(`)
	return strings.TrimSuffix(want[i+2:], `\)`)
}
