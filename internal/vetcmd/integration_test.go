package vetcmd_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/leakhound/leakhound"
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

var leakLine = regexp.MustCompile(`(?m)^leaky\.go:12:\d+: response body opened here is never closed on the path through line 17 \(connection and goroutines leak\) \(unclosed\)$`)

func TestVetBinary(t *testing.T) {
	bin := buildLeakhound(t)
	dir, err := filepath.Abs(filepath.Join("testdata", "leaky"))
	if err != nil {
		t.Fatal(err)
	}

	t.Run("findings exit 1", func(t *testing.T) {
		r := runIn(t, dir, bin, "vet", "./...")
		if r.code != 1 || !leakLine.MatchString(r.stdout) {
			t.Fatalf("leakhound vet ./... = %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
		}
		if n := strings.Count(r.stdout, "\n"); n != 1 {
			t.Errorf("got %d diagnostics, want 1 (the suppressed one must not show):\n%s", n, r.stdout)
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
		var rep leakhound.Report
		if err := json.Unmarshal(data, &rep); err != nil {
			t.Fatalf("report is not JSON: %v\n%s", err, data)
		}
		if rep.Schema != leakhound.Schema || rep.Mode != "vet" || len(rep.Findings) != 1 {
			t.Fatalf("report = %+v", rep)
		}
		f := rep.Findings[0]
		wantPos := regexp.MustCompile(`/leaky\.go:12:\d+$`)
		if f.Kind != "static" || f.Certainty != "suspected" || f.Reason != "unclosed" ||
			f.Resource != "http.Response.Body" || !wantPos.MatchString(f.Pos) ||
			len(f.Origin) != 1 || f.Origin[0].Func != "example.com/leaky.Fetch" || f.Origin[0].Line != 12 ||
			f.ID != leakhound.FindingID("static", "unclosed", f.Origin) {
			t.Errorf("finding = %+v", f)
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
		for _, want := range []string{"<title>leakhound vet report: 1 leak(s)</title>", `id="kind-static"`,
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
		// The text diagnostics come first on stdout; the log is the JSON object after them.
		start := strings.Index(r.stdout, "{")
		if r.code != 1 || start < 0 {
			t.Fatalf("exit %d, stdout:\n%s", r.code, r.stdout)
		}
		if err := json.Unmarshal([]byte(r.stdout[start:]), &log); err != nil {
			t.Fatalf("SARIF is not JSON: %v", err)
		}
		if log.Version != "2.1.0" || len(log.Runs) != 1 || len(log.Runs[0].Results) != 1 {
			t.Fatalf("log = %+v", log)
		}
		loc := log.Runs[0].Results[0].Locations[0].PhysicalLocation
		if log.Runs[0].Results[0].RuleID != "unclosed" || loc.ArtifactLocation.URI != "leaky.go" || loc.Region.StartLine != 12 {
			t.Errorf("result = %+v", log.Runs[0].Results[0])
		}
	})

	t.Run("usage errors exit 2", func(t *testing.T) {
		for _, args := range [][]string{
			{"vet", "-json", "-", "-html", "-", "."},
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
		if r.code == 0 || !strings.Contains(r.stderr, "leaky.go:12:") ||
			!strings.Contains(r.stderr, "response body opened here is never closed on the path through line 17") {
			t.Fatalf("go vet -vettool = %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
		}
		r = runIn(t, dir, "go", "vet", "-vettool="+bin, "./clean")
		if r.code != 0 {
			t.Fatalf("go vet -vettool ./clean = %d\nstderr:\n%s", r.code, r.stderr)
		}
	})
}
