package agent

import (
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime/pprof"
	"strings"
	"testing"
	"time"

	"github.com/leakhound/leakhound/report"
)

// startAgent starts the process's agent for one test.
func startAgent(t *testing.T, o Options) {
	t.Helper()
	if err := Start(o); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(Stop)
}

func get(t *testing.T, srv *httptest.Server, path string, header ...string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, srv.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(body)
}

func TestOptions(t *testing.T) {
	tests := []struct {
		name    string
		give    Options
		want    Options
		wantErr string
	}{
		{
			name: "defaults",
			want: Options{Interval: 10 * time.Second, ProvenInterval: time.Minute, History: 360, DumpGoroutines: 1000, MaxSites: 50,
				MinCount: 100, MinAge: 10 * time.Minute, MinGrowth: 10, ProcRoot: "/proc", RetainedInterval: time.Minute},
		},
		{
			name: "kept",
			give: Options{Interval: time.Second, ProvenInterval: -1, History: 10, DumpGoroutines: -1, MaxSites: 5, MinCount: -1, MinAge: time.Hour, MinGrowth: 3, Token: "t", ProcRoot: "/p", RetainedInterval: -1},
			want: Options{Interval: time.Second, ProvenInterval: -1, History: 10, DumpGoroutines: -1, MaxSites: 5, MinCount: -1, MinAge: time.Hour, MinGrowth: 3, Token: "t", ProcRoot: "/p", RetainedInterval: -1},
		},
		{name: "negative interval", give: Options{Interval: -time.Second}, wantErr: "must not be negative"},
		{name: "tiny interval", give: Options{Interval: time.Millisecond}, wantErr: "too short"},
		{name: "history of one", give: Options{History: 1}, wantErr: "at least 2 samples"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.give.withDefaults()
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("withDefaults() = %+v, %v; want %+v", got, err, tt.want)
			}
		})
	}
}

func TestStartStop(t *testing.T) {
	srv := httptest.NewServer(Handler())
	defer srv.Close()
	if resp, _ := get(t, srv, "/"); resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("before Start: status %d, want 503", resp.StatusCode)
	}
	if err := Start(Options{Interval: 20 * time.Millisecond, ProvenInterval: -1}); err != nil {
		t.Fatal(err)
	}
	if err := Start(Options{}); err != ErrStarted {
		t.Errorf("second Start = %v, want ErrStarted", err)
	}
	if resp, _ := get(t, srv, "/"); resp.StatusCode != http.StatusOK {
		t.Errorf("after Start: status %d, want 200", resp.StatusCode)
	}
	Stop()
	Stop() // a second Stop does nothing
	if resp, _ := get(t, srv, "/"); resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("after Stop: status %d, want 503", resp.StatusCode)
	}
	if err := Start(Options{Interval: 20 * time.Millisecond, ProvenInterval: -1}); err != nil {
		t.Fatalf("Start after Stop: %v", err)
	}
	Stop()
	if err := Start(Options{History: 1}); err == nil {
		Stop()
		t.Error("Start with bad options succeeded")
	}
}

func TestEndpoints(t *testing.T) {
	startAgent(t, Options{Interval: 20 * time.Millisecond, ProvenInterval: -1, Token: "s3cret"})
	srv := httptest.NewServer(Handler())
	defer srv.Close()
	auth := []string{"Authorization", "Bearer s3cret"}
	leakStatus := http.StatusNotImplemented
	if pprof.Lookup("goroutineleak") != nil {
		leakStatus = http.StatusOK
	}
	tests := []struct {
		name       string
		path       string
		header     []string
		wantStatus int
		wantType   string
		wantBody   string
	}{
		{name: "page", path: "/", header: auth, wantStatus: 200, wantType: "text/html", wantBody: "chart-goroutines"},
		{name: "report", path: "/report.json", header: auth, wantStatus: 200, wantType: "application/json", wantBody: `"schema": "leakhound.report/v1"`},
		{name: "report filtered", path: "/report.json?certainty=proven", header: auth, wantStatus: 200, wantBody: `"findings": [`},
		{name: "report bad certainty", path: "/report.json?certainty=maybe", header: auth, wantStatus: 400, wantBody: "want one of proven, suspected"},
		{name: "series", path: "/series.json?last=1", header: auth, wantStatus: 200, wantBody: `"goroutines"`},
		{name: "series bad last", path: "/series.json?last=-3", header: auth, wantStatus: 400, wantBody: "positive number"},
		{name: "descriptors", path: "/fds.json", header: auth, wantStatus: 200, wantType: "application/json", wantBody: `"kind": "`},
		{name: "descriptors of a kind", path: "/fds.json?kind=epoll", header: auth, wantStatus: 200, wantBody: `"kind": "epoll"`},
		{name: "descriptors bad kind", path: "/fds.json?kind=sockets", header: auth, wantStatus: 400, wantBody: "want one of tcp, tcp6"},
		{name: "series bad number", path: "/series.json?last=x", header: auth, wantStatus: 400, wantBody: "positive number"},
		{name: "page with a parameter", path: "/?x=1", header: auth, wantStatus: 400, wantBody: `unknown query parameter "x"`},
		{name: "leak profile text", path: "/pprof/goroutineleak?debug=1", header: auth, wantStatus: leakStatus},
		{name: "goroutine profile", path: "/pprof/goroutine", header: auth, wantStatus: 200, wantType: "application/octet-stream"},
		{name: "goroutine dump", path: "/pprof/goroutine?debug=2", header: auth, wantStatus: 200, wantType: "text/plain", wantBody: "goroutine "},
		{name: "goroutine profile bad debug", path: "/pprof/goroutine?debug=3", header: auth, wantStatus: 400, wantBody: "want one of 0, 1, 2"},
		{name: "unknown parameter", path: "/metrics?verbose=1", header: auth, wantStatus: 400, wantBody: `unknown query parameter "verbose"`},
		{name: "repeated parameter", path: "/report.json?certainty=proven&certainty=proven", header: auth, wantStatus: 400, wantBody: "given 2 times"},
		{name: "bad query", path: "/report.json?%zz", header: auth, wantStatus: 400, wantBody: "bad query string"},
		{name: "metrics", path: "/metrics", header: auth, wantStatus: 200, wantType: "text/plain; version=0.0.4", wantBody: "# TYPE leakhound_goroutines gauge"},
		{name: "leak profile", path: "/pprof/goroutineleak", header: auth, wantStatus: leakStatus},
		{name: "leak profile bad debug", path: "/pprof/goroutineleak?debug=7", header: auth, wantStatus: 400, wantBody: "want one of 0, 1, 2"},
		{name: "not found", path: "/nope", header: auth, wantStatus: 404, wantBody: "no such page"},
		{name: "a suffix is not a route", path: "/foo/metrics", header: auth, wantStatus: 404, wantBody: "no such page"},
		{name: "a directory is not the page", path: "/foo/", header: auth, wantStatus: 404, wantBody: "no such page"},
		{name: "an endpoint is not a directory", path: "/metrics/", header: auth, wantStatus: 404},
		{name: "lower-case scheme", path: "/metrics", header: []string{"Authorization", "bearer s3cret"}, wantStatus: 200, wantBody: "leakhound_goroutines"},
		{name: "upper-case scheme", path: "/metrics", header: []string{"Authorization", "BEARER s3cret"}, wantStatus: 200},
		{name: "other scheme", path: "/metrics", header: []string{"Authorization", "Basic s3cret"}, wantStatus: 401},
		{name: "no token", path: "/report.json", wantStatus: 401, wantBody: "bearer token"},
		{name: "wrong token", path: "/metrics", header: []string{"Authorization", "Bearer nope"}, wantStatus: 401},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := get(t, srv, tt.path, tt.header...)
			if resp.StatusCode != tt.wantStatus {
				t.Fatalf("status %d, want %d; body: %s", resp.StatusCode, tt.wantStatus, body)
			}
			if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, tt.wantType) {
				t.Errorf("Content-Type %q, want prefix %q", ct, tt.wantType)
			}
			if !strings.Contains(body, tt.wantBody) {
				t.Errorf("body does not contain %q:\n%s", tt.wantBody, body)
			}
		})
	}
	t.Run("post", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodPost, srv.URL+"/report.json", nil)
		req.Header.Set(auth[0], auth[1])
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusMethodNotAllowed {
			t.Errorf("POST status %d, want 405", resp.StatusCode)
		}
	})
}

// blockAt parks n goroutines on a channel the test releases at its end.
func blockAt(t *testing.T, n int) {
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	for range n {
		go func() { <-release }()
	}
}

// waitFor polls cond every 10ms for up to 5s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// waitForLongBlocked polls the report until it has a long-blocked finding
// of count goroutines whose message names fn, and returns it.
func waitForLongBlocked(t *testing.T, srv *httptest.Server, fn string, count int) report.Finding {
	t.Helper()
	var found report.Finding
	waitFor(t, "a long-blocked finding at "+fn, func() bool {
		_, body := get(t, srv, "/report.json?certainty=suspected")
		var r report.Report
		if err := json.Unmarshal([]byte(body), &r); err != nil {
			t.Fatalf("report: %v\n%s", err, body)
		}
		if err := r.Validate(); err != nil {
			t.Errorf("the report breaks the format: %v\n%s", err, body)
		}
		for _, f := range r.Findings {
			if f.Reason == report.ReasonLongBlocked && strings.Contains(f.Message, fn) && f.Count == count {
				found = f
				return true
			}
		}
		return false
	})
	return found
}

func TestLongBlockedSuspect(t *testing.T) {
	startAgent(t, Options{Interval: 20 * time.Millisecond, ProvenInterval: -1, MinCount: 40, MinGrowth: 1000})
	blockAt(t, 50)
	srv := httptest.NewServer(Handler())
	defer srv.Close()
	found := waitForLongBlocked(t, srv, "blockAt", 50)
	if found.Count != 50 || found.Wait != "chan receive" || found.Certainty != report.Suspected {
		t.Errorf("finding = %d x %q %s, want 50 x \"chan receive\" suspected", found.Count, found.Wait, found.Certainty)
	}
	if len(found.Origin) == 0 || !strings.Contains(found.Origin[0].Func, "blockAt") {
		t.Errorf("origin = %v, want the go statement in blockAt", found.Origin)
	}
	_, metrics := get(t, srv, "/metrics")
	if !strings.Contains(metrics, `leakhound_findings{kind="goroutine",reason="long-blocked",certainty="suspected"} 50`) {
		t.Errorf("metrics lack the finding count:\n%s", metrics)
	}
	if !strings.Contains(metrics, `wait="chan receive"} 50`) || !strings.Contains(metrics, "blockAt.func") {
		t.Errorf("metrics lack the blocked site:\n%s", metrics)
	}
	_, page := get(t, srv, "/")
	if !strings.Contains(page, "long-blocked") || !strings.Contains(page, "&lt;-release") {
		t.Errorf("page lacks the finding with its source line")
	}
}

// TestProfileSampling samples through the goroutine profile: the site and
// its inferred wait are found, without a creator.
func TestProfileSampling(t *testing.T) {
	startAgent(t, Options{Interval: 20 * time.Millisecond, ProvenInterval: -1, DumpGoroutines: -1, MinCount: 40, MinGrowth: 1000})
	blockAt(t, 50)
	srv := httptest.NewServer(Handler())
	defer srv.Close()
	found := waitForLongBlocked(t, srv, "blockAt", 50)
	if found.Count != 50 || found.Wait != "chan receive" || len(found.Origin) != 0 || !strings.Contains(found.Stack[0].Func, "blockAt.func") {
		t.Errorf("finding = %d x %q, stack %v, origin %v; want 50 x \"chan receive\" at blockAt.func1, no origin", found.Count, found.Wait, found.Stack, found.Origin)
	}
	_, page := get(t, srv, "/")
	if !strings.Contains(page, "goroutine profile") {
		t.Errorf("the page does not say samples read the goroutine profile")
	}
}

func TestGrowth(t *testing.T) {
	startAgent(t, Options{Interval: 20 * time.Millisecond, ProvenInterval: -1, MinCount: 1000, MinGrowth: 30, History: 500})
	srv := httptest.NewServer(Handler())
	defer srv.Close()
	time.Sleep(50 * time.Millisecond) // a few samples without the goroutines
	blockAt(t, 40)
	waitFor(t, "a growth finding", func() bool {
		_, body := get(t, srv, "/report.json")
		return strings.Contains(body, "grew by 40")
	})
}

func TestDescriptorsInMetrics(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	startAgent(t, Options{Interval: 20 * time.Millisecond, ProvenInterval: -1})
	srv := httptest.NewServer(Handler())
	defer srv.Close()
	_, body := get(t, srv, "/metrics")
	for _, want := range []string{`leakhound_open_fds{kind="tcp"} `, `leakhound_tcp_sockets{state="LISTEN"} `, "leakhound_finalizer_queue ", "leakhound_cleanup_queue "} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %q:\n%s", want, body)
		}
	}
}

func TestProvenCycle(t *testing.T) {
	if pprof.Lookup("goroutineleak") == nil {
		startAgent(t, Options{Interval: 20 * time.Millisecond})
		srv := httptest.NewServer(Handler())
		defer srv.Close()
		if _, page := get(t, srv, "/"); !strings.Contains(page, "proven detection is not available") {
			t.Errorf("page does not say proven detection is unavailable")
		}
		return
	}
	startAgent(t, Options{Interval: 20 * time.Millisecond, ProvenInterval: 30 * time.Millisecond})
	leakForever()
	srv := httptest.NewServer(Handler())
	defer srv.Close()
	waitFor(t, "a proven finding", func() bool {
		_, body := get(t, srv, "/report.json?certainty=proven")
		return strings.Contains(body, "unreachable-wait") && strings.Contains(body, "leakForever")
	})
}

// TestFirstProvenCycleSoon checks that the first proven cycle does not wait
// for a whole ProvenInterval.
func TestFirstProvenCycleSoon(t *testing.T) {
	if pprof.Lookup("goroutineleak") == nil {
		t.Skip("this binary cannot prove leaks (Go 1.26 without GOEXPERIMENT=goroutineleakprofile)")
	}
	defer func(d time.Duration) { firstProvenDelay = d }(firstProvenDelay)
	firstProvenDelay = 50 * time.Millisecond
	leakForever()
	startAgent(t, Options{Interval: 20 * time.Millisecond, ProvenInterval: time.Hour})
	srv := httptest.NewServer(Handler())
	defer srv.Close()
	waitFor(t, "a proven finding long before ProvenInterval", func() bool {
		_, body := get(t, srv, "/report.json?certainty=proven")
		return strings.Contains(body, "leakForever")
	})
}

// leakForever leaks one goroutine on a channel nobody else can reach.
func leakForever() {
	ch := make(chan int)
	go func() { ch <- 1 }()
}

func TestListenLoopbackDefault(t *testing.T) {
	tests := []struct {
		name, give, wantHost, wantErr string
	}{
		{name: "no host", give: ":0", wantHost: "127.0.0.1"},
		{name: "explicit loopback", give: "127.0.0.1:0", wantHost: "127.0.0.1"},
		{name: "no port", give: "127.0.0.1", wantErr: "use host:port"},
		{name: "empty port", give: "127.0.0.1:", wantErr: "no port"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ln, err := listen(tt.give)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer ln.Close()
			if host, _, _ := net.SplitHostPort(ln.Addr().String()); host != tt.wantHost {
				t.Errorf("bound to %s, want host %s", ln.Addr(), tt.wantHost)
			}
		})
	}
}

func TestRingBounded(t *testing.T) {
	r := ring{buf: make([]point, 3)}
	for i := range 10 {
		r.add(point{Goroutines: i})
	}
	pts := r.points()
	if len(pts) != 3 || pts[0].Goroutines != 7 || pts[2].Goroutines != 9 {
		t.Errorf("points = %+v, want the 3 latest, oldest first", pts)
	}
}

// TestNoInitRegistration checks that importing the agent serves nothing by
// itself: no handler on http.DefaultServeMux (net/http/pprof would add
// /debug/pprof/ there in its init).
func TestNoInitRegistration(t *testing.T) {
	srv := httptest.NewServer(http.DefaultServeMux)
	defer srv.Close()
	for _, path := range []string{"/", "/debug/leakhound/", "/debug/leakhound/metrics", "/debug/pprof/", "/metrics"} {
		if resp, _ := get(t, srv, path); resp.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s on http.DefaultServeMux = %d, want 404: the agent must be mounted on purpose", path, resp.StatusCode)
		}
	}
}

// TestMounts serves the handler mounted in the ways Handler documents: the
// endpoints answer exactly at the mount point, and nowhere else.
func TestMounts(t *testing.T) {
	startAgent(t, Options{Interval: 20 * time.Millisecond, ProvenInterval: -1})
	mux := http.NewServeMux()
	mux.Handle("/debug/leakhound/", Handler())
	mux.Handle("GET /lh/{rest...}", Handler())
	mux.Handle("/stripped/", http.StripPrefix("/stripped", Handler()))
	mux.Handle("/only/metrics", Handler())
	srv := httptest.NewServer(mux)
	defer srv.Close()
	tests := []struct {
		path       string
		wantStatus int
		wantBody   string
	}{
		{"/debug/leakhound/", 200, "chart-goroutines"},
		{"/debug/leakhound/metrics", 200, "leakhound_goroutines"},
		{"/debug/leakhound/pprof/goroutine?debug=1", 200, "goroutine profile"},
		{"/debug/leakhound/foo/metrics", 404, "no such page"},
		{"/debug/leakhound/nope", 404, "no such page"},
		{"/debug/leakhound/metrics/x", 404, "no such page"},
		{"/lh/", 200, "chart-goroutines"},
		{"/lh/series.json", 200, "points"},
		{"/lh/x/series.json", 404, "no such page"},
		{"/stripped/", 200, "chart-goroutines"},
		{"/stripped/report.json", 200, "leakhound.report/v1"},
		{"/stripped/a/report.json", 404, "no such page"},
		{"/only/metrics", 200, "leakhound_goroutines"},
	}
	for _, tt := range tests {
		resp, body := get(t, srv, tt.path)
		if resp.StatusCode != tt.wantStatus || !strings.Contains(body, tt.wantBody) {
			t.Errorf("GET %s: status %d, want %d with %q; body: %.200s", tt.path, resp.StatusCode, tt.wantStatus, tt.wantBody, body)
		}
	}
}
