package inspectcmd

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/leakhound/leakhound/agent"
	"github.com/leakhound/leakhound/internal/cmdutil"
	"github.com/leakhound/leakhound/report"
)

func fixture(name string) string { return filepath.Join("..", "inspect", "testdata", name) }

func run(args ...string) (stdout, stderr string, code int) {
	var out, errb bytes.Buffer
	err := Main(args, &out, &errb)
	code = cmdutil.Code(err)
	if code == 2 {
		fmt.Fprintf(&errb, "leakhound: %v\n", err) // as the cli package prints it
	}
	return out.String(), errb.String(), code
}

func TestMain_(t *testing.T) {
	tests := []struct {
		name       string
		give       []string
		wantCode   int
		wantStdout []string
		wantStderr []string
	}{
		{
			name: "proven leak in a dump", give: []string{fixture("goroutineleak.debug2.txt")}, wantCode: 1,
			wantStdout: []string{"#1 PROVEN LEAK: main.leakSend.func1 (gen.go:29) has 3 goroutine(s) blocked in chan send",
				"why: 3 goroutine(s) proven leaked by the garbage collector", "created by main.leakSend"},
		},
		{
			name: "nothing over the thresholds", give: []string{fixture("goroutine.pb.gz")}, wantCode: 0,
			wantStdout: []string{"no suspects"},
		},
		{
			name: "fleet of three", give: []string{"-min-count", "10", "a=" + fixture("goroutine.pb.gz"), "b=" + fixture("goroutine.debug1.txt"), "c=" + fixture("goroutine.pb.gz")},
			wantCode:   1,
			wantStdout: []string{"inspected 3 sample(s) of 3 instance(s)", "main.blockGlobal.func1 (gen.go:34) has 15 goroutine(s)", "across 3 of 3 instances", "instances: a (5), b (5), c (5)"},
		},
		{
			name: "growth between two samples of one instance", give: []string{"-min-count", "1000", "-min-growth", "3", "w=" + fixture("goroutineleak.pb.gz"), "w=" + fixture("goroutine.pb.gz")},
			wantCode:   1,
			wantStdout: []string{"main.blockGlobal.func1", "grew by 5"},
		},
		{
			name: "bad sources reported, good ones still reported", give: []string{fixture("garbage.gz"), fixture("missing.txt"), fixture("goroutineleak.pb.gz")},
			wantCode:   1,
			wantStdout: []string{"1 sample(s)", "2 source(s) could not be read", "PROVEN LEAK"},
			wantStderr: []string{"garbage.gz: gzip-compressed text: not a goroutine dump", "missing.txt: open"},
		},
		{name: "all sources bad", give: []string{fixture("garbage.gz")}, wantCode: 2, wantStderr: []string{"garbage.gz:"}},
		{name: "no source", give: nil, wantCode: 2},
		{name: "bad flag", give: []string{"-j", "0", "x"}, wantCode: 2},
		{name: "missing configuration", give: []string{"-config", "nosuch.yaml", "x"}, wantCode: 2, wantStderr: []string{"leakhound: inspect: read the leakhound configuration: open nosuch.yaml"}},
		{name: "missing baseline", give: []string{"-baseline", "nosuch.json", "x"}, wantCode: 2, wantStderr: []string{"leakhound: inspect: read the baseline: open nosuch.json"}},
		{name: "report and baseline on stdout", give: []string{"-json", "-", "-write-baseline", "-", "x"}, wantCode: 2, wantStderr: []string{"-json - and -write-baseline - both write to stdout"}},
		{name: "two reports on stdout", give: []string{"-json", "-", "-html", "-", "x"}, wantCode: 2},
		{name: "unknown flag", give: []string{"-nosuch", "x"}, wantCode: 2, wantStderr: []string{`leakhound: inspect: flag provided but not defined: -nosuch: run "leakhound inspect -h" for usage`}},
		{name: "bad flag value", give: []string{"-j", "many", "x"}, wantCode: 2, wantStderr: []string{`inspect: invalid value "many" for flag -j`}},
		{name: "help", give: []string{"-h"}, wantCode: 0, wantStdout: []string{"usage: leakhound inspect", "-min-growth N"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stdout, stderr, code := run(tt.give...)
			if code != tt.wantCode {
				t.Errorf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tt.wantCode, stdout, stderr)
			}
			for _, w := range tt.wantStdout {
				if !strings.Contains(stdout, w) {
					t.Errorf("stdout lacks %q:\n%s", w, stdout)
				}
			}
			for _, w := range tt.wantStderr {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr lacks %q:\n%s", w, stderr)
				}
			}
			if tt.wantCode == 2 {
				// One line for the tool error, after one line per bad
				// source at most: never a usage dump.
				for _, line := range strings.Split(strings.TrimSpace(stderr), "\n") {
					if !strings.HasPrefix(line, "leakhound: ") && !strings.HasPrefix(line, "leakhound inspect: ") {
						t.Errorf("stderr line %q is neither the tool error nor a source's error", line)
					}
				}
			}
		})
	}
}

func TestJSONReport(t *testing.T) {
	out := filepath.Join(t.TempDir(), "report.json")
	_, _, code := run("-json", out, fixture("goroutineleak.debug2.txt"))
	if code != 1 {
		t.Fatalf("exit %d, want 1", code)
	}
	r := readReportFile(t, out)
	if r.Schema != report.Schema || r.Mode != "inspect" || len(r.Findings) != 1 {
		t.Fatalf("report = %+v", r)
	}
	f := r.Findings[0]
	if f.Kind != "goroutine" || f.Reason != "unreachable-wait" || f.Certainty != "proven" || f.Count != 3 || f.Wait != "chan send" ||
		f.Origin[0].Func != "main.leakSend" || f.ID == "" || !strings.Contains(f.Detail, "ranked because") {
		t.Errorf("finding = %+v", f)
	}
	stdout, _, _ := run("-json", "-", fixture("goroutineleak.debug2.txt"))
	if !json.Valid([]byte(stdout)) {
		t.Errorf("-json - wrote more than the report on stdout:\n%s", stdout)
	}
}

func TestHTMLReport(t *testing.T) {
	out := filepath.Join(t.TempDir(), "report.html")
	stdout, stderr, code := run("-html", out, "a="+fixture("goroutineleak.debug2.txt"), "b="+fixture("goroutineleak.pb.gz"))
	if code != 1 || !strings.Contains(stdout, "PROVEN LEAK") {
		t.Fatalf("exit %d, want 1 with the text report too\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"<title>leakhound inspect report: 6 leak(s)</title>", `<article class="finding proven"`,
		"present on 2 of 2 instances", "main.leakSend.func1", "created at"} {
		if !strings.Contains(string(data), want) {
			t.Errorf("HTML report lacks %q", want)
		}
	}
	stdout, _, code = run("-html", "-", fixture("goroutineleak.debug2.txt"))
	if code != 1 || !strings.HasPrefix(stdout, "<!DOCTYPE html>") || strings.Contains(stdout, "PROVEN LEAK") {
		t.Errorf("-html - must write only the page on stdout; exit %d, stdout starts %.60q", code, stdout)
	}
}

// TestURLs reads the agent's leak profile and a plain pprof endpoint over
// HTTP, with a per-source timeout that bounds a hanging server.
func TestURLs(t *testing.T) {
	dump, err := os.ReadFile(fixture("goroutineleak.debug2.txt"))
	if err != nil {
		t.Fatal(err)
	}
	release := make(chan struct{})
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/goroutine", func(w http.ResponseWriter, r *http.Request) { w.Write(dump) })
	mux.HandleFunc("/hang", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	mux.Handle("/debug/leakhound/", agent.Handler())
	srv := httptest.NewServer(mux)
	defer srv.Close()
	defer close(release)
	if err := agent.Start(agent.Options{Interval: 50 * time.Millisecond, ProvenInterval: -1}); err != nil {
		t.Fatal(err)
	}
	defer agent.Stop()

	args := []string{"-timeout", "500ms", srv.URL + "/debug/pprof/goroutine?debug=2", srv.URL + "/hang", srv.URL + "/debug/leakhound/"}
	start := time.Now()
	stdout, stderr, code := run(args...)
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("took %v: the timeout did not bound the hanging source", d)
	}
	if code != 1 || !strings.Contains(stdout, "PROVEN LEAK") {
		t.Errorf("exit %d, stdout:\n%s", code, stdout)
	}
	for _, want := range []string{"/hang: no answer within 500ms", "/debug/leakhound/: got an HTML page"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	stdout, stderr, code = run("-min-count", "1", srv.URL+"/debug/leakhound/pprof/goroutine?debug=2", srv.URL+"/debug/leakhound/pprof/goroutine")
	if code != 1 || !strings.Contains(stdout, "inspected 2 sample(s) of 2 instance(s)") || !strings.Contains(stdout, "TestURLs") {
		t.Errorf("reading the agent's goroutine profile: exit %d\n%s\n%s", code, stdout, stderr)
	}
	stdout, stderr, code = run(srv.URL + "/debug/leakhound/pprof/goroutineleak")
	switch {
	case strings.Contains(stderr, "HTTP 501"):
		// Go 1.26 without the experiment: the agent says so, one line.
	case code != 0 && code != 1:
		t.Errorf("reading the agent's leak profile: exit %d\n%s\n%s", code, stdout, stderr)
	case !strings.Contains(stdout, "goroutineleak") && !strings.Contains(stdout, "inspected 1 sample"):
		t.Errorf("stdout:\n%s", stdout)
	}
}

// TestResample fetches a URL twice and ranks the site that grew between.
func TestResample(t *testing.T) {
	first, err := os.ReadFile(fixture("goroutineleak.debug1.txt"))
	if err != nil {
		t.Fatal(err)
	}
	second, err := os.ReadFile(fixture("goroutine.debug1.txt"))
	if err != nil {
		t.Fatal(err)
	}
	calls := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls++
		if calls == 1 {
			w.Write(first)
			return
		}
		w.Write(second)
	}))
	defer srv.Close()
	stdout, stderr, code := run("-resample", "50ms", "-min-count", "1000", "-min-growth", "5", "web="+srv.URL)
	if code != 1 || calls != 2 {
		t.Fatalf("exit %d after %d fetches, want 1 after 2\n%s\n%s", code, calls, stdout, stderr)
	}
	for _, want := range []string{"inspected 2 sample(s) of 1 instance(s)", "main.blockGlobal.func1", "grew by 5 in", "between two samples of web"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, stdout)
		}
	}
}

// TestTokenToAgent scans an agent started with a token: refused without
// it, read with -token-file or LEAKHOUND_TOKEN, and the token never shows.
func TestTokenToAgent(t *testing.T) {
	const token = "fleet-t0ken"
	mux := http.NewServeMux()
	mux.Handle("/debug/leakhound/", agent.Handler())
	srv := httptest.NewServer(mux)
	defer srv.Close()
	if err := agent.Start(agent.Options{Interval: 50 * time.Millisecond, ProvenInterval: -1, Token: token}); err != nil {
		t.Fatal(err)
	}
	defer agent.Stop()
	url := srv.URL + "/debug/leakhound/pprof/goroutine?debug=2"
	file := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(file, []byte(token+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	defer func(old func(string) string) { getenv = old }(getenv)
	env := ""
	getenv = func(k string) string {
		if k == "LEAKHOUND_TOKEN" {
			return env
		}
		return ""
	}

	// A goroutine parked on a channel for the scans to find, whatever
	// state the test's own goroutine is in while it waits for the dump.
	release := make(chan struct{})
	defer close(release)
	go parkedForScan(release)

	stdout, stderr, code := run("-min-count", "1", url)
	if code != 2 || !strings.Contains(stderr, "HTTP 401") || !strings.Contains(stderr, "-token-file") {
		t.Errorf("without a token: exit %d\n%s\n%s", code, stdout, stderr)
	}
	stdout, stderr, code = run("-min-count", "1", "-token-file", file, url)
	if code != 1 || !strings.Contains(stdout, "parkedForScan") {
		t.Errorf("-token-file: exit %d\n%s\n%s", code, stdout, stderr)
	}
	env = token
	stdout, stderr, code = run("-min-count", "1", url)
	if code != 1 || !strings.Contains(stdout, "parkedForScan") {
		t.Errorf("LEAKHOUND_TOKEN: exit %d\n%s\n%s", code, stdout, stderr)
	}
	if strings.Contains(stdout+stderr, token) {
		t.Errorf("the token is shown:\n%s\n%s", stdout, stderr)
	}
	empty := filepath.Join(t.TempDir(), "empty")
	os.WriteFile(empty, nil, 0o600)
	if _, stderr, code := run("-token-file", empty, url); code != 2 || !strings.Contains(stderr, "is empty") {
		t.Errorf("empty token file: exit %d\n%s", code, stderr)
	}
	// A password in a URL never shows, even in errors.
	env = ""
	pw := strings.Replace(url, "http://", "http://ops:pa55word@", 1)
	stdout, stderr, _ = run("-json", "-", pw)
	if strings.Contains(stdout+stderr, "pa55word") || !strings.Contains(stderr, "ops:xxxxx@") {
		t.Errorf("password shown or URL not named:\n%s\n%s", stdout, stderr)
	}
}

// parkedForScan waits on release: a goroutine blocked at a site of its own.
func parkedForScan(release <-chan struct{}) { <-release }

// TestTruncatedDump inspects a dump cut in the middle of a goroutine: the
// goroutines before the cut are ranked, and stderr, stdout and the report
// say the counts are lower bounds.
func TestTruncatedDump(t *testing.T) {
	dump, err := os.ReadFile(fixture("goroutineleak.debug2.txt"))
	if err != nil {
		t.Fatal(err)
	}
	last := bytes.LastIndex(dump, []byte("\ngoroutine "))
	file := filepath.Join(t.TempDir(), "cut.txt")
	if err := os.WriteFile(file, dump[:last+30], 0o644); err != nil {
		t.Fatal(err)
	}
	stdout, stderr, code := run("-min-count", "1", file)
	if code != 1 || !strings.Contains(stderr, "the dump is truncated") || !strings.Contains(stderr, "lower bounds") ||
		!strings.Contains(stdout, "1 truncated dump(s): counts are lower bounds") {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	stdout, _, _ = run("-min-count", "1", "-json", "-", file)
	var rep report.Report
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
		t.Fatal(err)
	}
	if len(rep.Findings) == 0 || !strings.Contains(rep.Findings[0].Detail, "(dump truncated)") {
		t.Errorf("findings do not say the dump was truncated: %+v", rep.Findings)
	}
}
