package agent

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/leakhound/leakhound/internal/testutil/freshproc"
	"github.com/leakhound/leakhound/internal/verdict"
	"github.com/leakhound/leakhound/report"
)

// pinForever blocks forever on a channel nobody else has, keeping buf alive.
func pinForever(buf []byte) {
	ch := make(chan int)
	<-ch
	runtime.KeepAlive(buf)
}

// startPinned starts n pinForever goroutines with a buffer of size bytes
// each. The buffers are made here, so that no stale copy of a pointer to one
// stays in the test's own frame, which would keep it reachable.
func startPinned(n, size int) {
	for range n {
		go pinForever(make([]byte, size))
	}
}

func TestRetainedOnDemand(t *testing.T) {
	if !verdict.ProvenAvailable() {
		startAgent(t, Options{Interval: 20 * time.Millisecond, ProvenInterval: -1})
		srv := httptest.NewServer(Handler())
		defer srv.Close()
		if resp, body := get(t, srv, "/report.json?retained=1"); resp.StatusCode != http.StatusNotImplemented {
			t.Errorf("without the goroutineleak profile: status %d, want 501: %s", resp.StatusCode, body)
		}
		return
	}
	if !freshproc.Run(t) {
		return
	}
	const mb = 1 << 20
	startAgent(t, Options{Interval: 20 * time.Millisecond, ProvenInterval: -1, RetainedInterval: time.Hour})
	startPinned(5, 10*mb)
	waitFor(t, "5 blocked goroutines", func() bool {
		d, _, err := dumpGoroutines(nil)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, g := range d.Goroutines {
			if len(g.Frames) > 0 && strings.HasSuffix(g.Frames[0].Func, ".pinForever") && g.State == "chan receive" {
				n++
			}
		}
		return n == 5
	})
	srv := httptest.NewServer(Handler())
	defer srv.Close()

	resp, body := get(t, srv, "/report.json?retained=1")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d, want 200: %s", resp.StatusCode, body)
	}
	f := pinned(t, body)
	if f.Count != 5 || f.RetainedBytes < 50*mb*95/100 || f.RetainedBytes > 50*mb*105/100 {
		t.Errorf("%d goroutines retain %d bytes, want 5 and 50 MB +/- 5%%; detail %s", f.Count, f.RetainedBytes, f.Detail)
	}

	resp, body = get(t, srv, "/report.json?retained=1")
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" {
		t.Errorf("second measurement within the interval: status %d, Retry-After %q, want 429 with a Retry-After: %s", resp.StatusCode, resp.Header.Get("Retry-After"), body)
	}

	// The goroutines are now marked leaked: a later proven cycle reports
	// them with the measured memory, and no new measurement is possible.
	s := running().state
	s.prove(time.Now())
	_, body = get(t, srv, "/report.json")
	if f := pinned(t, body); f.RetainedBytes < 50*mb*95/100 || !strings.Contains(f.Detail, "retained_bytes measured at") {
		t.Errorf("later report: retained %d bytes, want the measured 50 MB; detail %s", f.RetainedBytes, f.Detail)
	}
	s.mu.Lock()
	s.retained.tried = time.Time{} // lift the rate limit
	s.mu.Unlock()
	resp, body = get(t, srv, "/report.json?retained=1")
	if resp.StatusCode != http.StatusConflict || !strings.Contains(body, "already proven leaked") {
		t.Errorf("measurement after the leaks were marked: status %d, want 409: %s", resp.StatusCode, body)
	}
}

// pinned returns the proven finding of the pinForever goroutines in a report.
func pinned(t *testing.T, body string) report.Finding {
	t.Helper()
	var r report.Report
	if err := json.Unmarshal([]byte(body), &r); err != nil {
		t.Fatalf("report: %v\n%s", err, body)
	}
	if err := r.Validate(); err != nil {
		t.Errorf("the report breaks the format: %v\n%s", err, body)
	}
	for _, f := range r.Findings {
		if f.Certainty == report.Proven && len(f.Stack) > 0 && strings.HasSuffix(f.Stack[0].Func, ".pinForever") {
			return f
		}
	}
	t.Fatalf("no proven finding of pinForever in\n%s", body)
	return report.Finding{}
}

func TestRetainedDisabled(t *testing.T) {
	startAgent(t, Options{Interval: 20 * time.Millisecond, ProvenInterval: -1, RetainedInterval: -1})
	srv := httptest.NewServer(Handler())
	defer srv.Close()
	if resp, body := get(t, srv, "/report.json?retained=1"); resp.StatusCode != http.StatusForbidden {
		t.Errorf("status %d, want 403: %s", resp.StatusCode, body)
	}
	if resp, body := get(t, srv, "/report.json?retained=yes"); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("bad value: status %d, want 400: %s", resp.StatusCode, body)
	}
}

func TestRetainedFill(t *testing.T) {
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	m := retainedMeasure{at: at, byID: map[string]report.Finding{"a": {ID: "a", Count: 5, RetainedBytes: 1000}}}
	fs := []report.Finding{
		{ID: "a", Count: 7, Detail: "goroutines 1, 2"},
		{ID: "b", Count: 1},
		{ID: "a", Count: 5, RetainedBytes: 900, Detail: "measured now"},
	}
	got := m.fill(fs)
	if got[0].RetainedBytes != 1000 || got[0].Detail != "goroutines 1, 2; retained_bytes measured at 2026-01-02T03:04:05Z for 5 goroutine(s)" {
		t.Errorf("earlier measurement: %+v", got[0])
	}
	if got[1].RetainedBytes != 0 || got[2].RetainedBytes != 900 || got[2].Detail != "measured now" {
		t.Errorf("unmeasured or measured now: %+v, %+v", got[1], got[2])
	}
	if fs[0].RetainedBytes != 0 {
		t.Error("fill changed its input")
	}
}
