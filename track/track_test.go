package track

import (
	"bufio"
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/json"
	"errors"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/leakhound/leakhound/report"
)

func TestGOROOTFromFrames(t *testing.T) {
	if goroot == "" {
		t.Fatal("goroot not found from the frame of os.Open")
	}
	if _, err := os.Stat(filepath.Join(goroot, "src", "os", "file.go")); err != nil {
		t.Errorf("goroot %q: %v", goroot, err)
	}
}

func TestIsStd(t *testing.T) {
	tests := []struct {
		name string
		give report.Frame
		want bool
	}{
		{"std by file", report.Frame{Func: "net.Dial", File: goroot + "/src/net/dial.go"}, true},
		{"program by file", report.Frame{Func: "main.main", File: "/home/u/p/main.go"}, false},
		{"module without dot by file", report.Frame{Func: "example/x.F", File: "/home/u/p/x/x.go"}, false},
		{"std without file", report.Frame{Func: "net/http.Get"}, true},
		{"module without file", report.Frame{Func: "github.com/a/b.F"}, false},
		{"main without file", report.Frame{Func: "main.main"}, false},
		{"external test without file", report.Frame{Func: "x_test.TestA"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := isStd(tt.give); got != tt.want {
				t.Errorf("isStd(%v) = %v, want %v", tt.give, got, tt.want)
			}
		})
	}
}

func TestPkgOf(t *testing.T) {
	tests := []struct{ give, want string }{
		{"net/http.(*Client).Do", "net/http"},
		{"main.main", "main"},
		{"github.com/a/b.(*T).M.func1", "github.com/a/b"},
		{"os.Open", "os"},
	}
	for _, tt := range tests {
		if got := pkgOf(tt.give); got != tt.want {
			t.Errorf("pkgOf(%q) = %q, want %q", tt.give, got, tt.want)
		}
	}
}

// openHere plays the standard library's hook: the tracker records the stack
// of its caller's caller.
func openHere(tr *tracker, key uintptr) {
	std(func() { tr.opened("os.File", key, 7, "/tmp/x", nil, nil) })
}

// std stands for the standard library's frames between the program's call
// and the hook; in this test they are the program's own.
func std(f func()) { f() }

func TestTrackerLifecycle(t *testing.T) {
	out := filepath.Join(t.TempDir(), "report.jsonl")
	f, err := os.Create(out)
	if err != nil {
		t.Fatal(err)
	}
	tr := newTracker()
	tr.quiet = true
	tr.out = f

	openHere(tr, 1) // closed: nothing
	tr.closed(1)
	openHere(tr, 2) // collected: closed-by-gc
	tr.collected(2)
	openHere(tr, 3) // handed out, then collected: fd-used-after-gc
	tr.handedOut(3)
	tr.collected(3)
	tr.collected(4) // unknown (already closed): nothing
	openHere(tr, 5) // still open at the end

	if len(tr.open) != 1 || tr.open[5] == nil {
		t.Fatalf("open table = %v, want only key 5", tr.open)
	}
	left := []*entry{tr.open[5]}
	ended := tr.group(left, report.ReasonOpenAtEnd)
	for i := range ended {
		tr.emit(Event{Finding: &ended[i]})
	}
	f.Close()

	var got []string
	for _, ev := range readEvents(t, out) {
		fd := ev.Finding
		// The hook's caller, openHere's function literal (inlined or not).
		if !strings.Contains(fd.Origin[0].Func, "openHere.func") {
			t.Errorf("origin starts at %s", fd.Origin[0].Func)
		}
		got = append(got, fd.Resource+" "+string(fd.Reason)+" "+fd.Detail)
	}
	want := []string{
		"os.File closed-by-gc /tmp/x (fd 7)",
		"os.File fd-used-after-gc /tmp/x (fd 7)",
		"os.File open-at-end /tmp/x (fd 7)",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("events:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// quietTracker returns a tracker that writes its report to a file, and
// the path of the file.
func quietTracker(t *testing.T) (*tracker, string) {
	out := filepath.Join(t.TempDir(), "report.jsonl")
	f, err := os.Create(out)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	tr := newTracker()
	tr.quiet = true
	tr.out = f
	return tr, out
}

// readEvents reads the report file at path.
func readEvents(t *testing.T, path string) []Event {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var evs []Event
	sc := bufio.NewScanner(strings.NewReader(string(data)))
	for sc.Scan() {
		var ev Event
		if err := json.Unmarshal(sc.Bytes(), &ev); err != nil {
			t.Fatal(err)
		}
		evs = append(evs, ev)
	}
	return evs
}

// openKind plays the standard library's hook for a resource of kind.
func openKind(tr *tracker, key uintptr, kind string) {
	std(func() { tr.opened(kind, key, -1, "detail", nil, nil) })
}

func TestHeldTooLong(t *testing.T) {
	const held = 20 * time.Millisecond
	tests := []struct {
		name string
		kind string
		held time.Duration
		// hold runs between open and close; the tracker's entry is given.
		hold func(*entry)
		want int // held-too-long findings
	}{
		{"conn held past the threshold", "sql.Conn", held, func(*entry) { time.Sleep(5 * held) }, 1},
		{"tx held past the threshold", "sql.Tx", held, func(*entry) { time.Sleep(5 * held) }, 1},
		{"closed at once", "sql.Conn", held, func(*entry) {}, 0},
		{"closed past the threshold before the timer ran", "sql.Tx", time.Hour, func(e *entry) { e.since = time.Now().Add(-2 * time.Hour) }, 1},
		{"rows are not checked out", "sql.Rows", held, func(*entry) { time.Sleep(5 * held) }, 0},
		{"threshold off", "sql.Conn", 0, func(*entry) { time.Sleep(5 * held) }, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tr, out := quietTracker(t)
			tr.held = tt.held
			openKind(tr, 1, tt.kind)
			tr.mu.Lock()
			e := tr.open[1]
			tr.mu.Unlock()
			tt.hold(e)
			tr.closed(1)
			time.Sleep(2 * held) // a timer that fires late must not report
			n := 0
			for _, ev := range readEvents(t, out) {
				f := ev.Finding
				if f.Reason != report.ReasonHeldTooLong || f.Certainty != report.Suspected || f.Resource != tt.kind {
					t.Errorf("finding %s %s %s, want a suspected %s held-too-long", f.Resource, f.Reason, f.Certainty, tt.kind)
				}
				if !strings.Contains(f.Message, "more than "+tt.held.String()) {
					t.Errorf("message does not give the threshold %v: %s", tt.held, f.Message)
				}
				n++
			}
			if n != tt.want {
				t.Errorf("%d held-too-long findings, want %d", n, tt.want)
			}
		})
	}
}

// TestRootOfTests checks that the testing package's root runner, which has
// no name, does not own what is opened outside tests (in TestMain).
func TestRootOfTests(t *testing.T) {
	tr, _ := quietTracker(t)
	openHere(tr, 1)
	if msg := tr.testStarted("")(); msg != "" {
		t.Errorf("root of tests reported %q", msg)
	}
	if tr.open[1] == nil {
		t.Error("the root of tests took a resource opened outside tests")
	}
}

// TestTestEndedOnce checks that what a test leaves open is reported when it
// ends, and is then no longer in the table (so not reported again at exit).
func TestTestEndedOnce(t *testing.T) {
	tr, out := quietTracker(t)
	openHere(tr, 1)
	tr.tests[7] = &testRun{name: "TestX"}
	tr.open[1].owner, tr.open[1].test = 7, "TestX"
	if msg := tr.testEnded(7); !strings.Contains(msg, "open-at-end") {
		t.Errorf("testEnded = %q, want the open file", msg)
	}
	if len(tr.open) != 0 {
		t.Errorf("%d entries left after the test ended", len(tr.open))
	}
	if evs := readEvents(t, out); len(evs) != 1 || evs[0].Finding.Test != "TestX" {
		t.Errorf("events %+v, want one finding of TestX", evs)
	}
}

// stackConnector is a database/sql driver connector that records the stack
// database/sql connects it from.
type stackConnector struct{ pcs []uintptr }

func (c *stackConnector) Connect(context.Context) (driver.Conn, error) {
	var buf [maxDepth]uintptr
	c.pcs = append([]uintptr(nil), buf[:runtime.Callers(1, buf[:])]...)
	return nil, errors.New("no database")
}

func (c *stackConnector) Driver() driver.Driver { return nil }

func TestPooled(t *testing.T) {
	c := &stackConnector{}
	db := sql.OpenDB(c)
	defer db.Close()
	db.Ping()
	if len(c.pcs) == 0 {
		t.Fatal("database/sql did not connect")
	}
	var here [maxDepth]uintptr
	tests := []struct {
		name string
		give *entry
		want bool
	}{
		{"file a database driver opened", &entry{kind: "os.File", pcs: c.pcs}, true},
		{"socket a database driver opened", &entry{kind: "net.TCPConn", pcs: c.pcs}, true},
		{"file this test opened", &entry{kind: "os.File", pcs: here[:runtime.Callers(1, here[:])]}, false},
	}
	for _, tt := range tests {
		if got := pooled(tt.give); got != tt.want {
			t.Errorf("%s: pooled = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestSQLMessages(t *testing.T) {
	for _, kind := range []string{"sql.Rows", "sql.Stmt", "sql.Tx", "sql.Conn"} {
		for _, reason := range []report.Reason{report.ReasonClosedByGC, report.ReasonOpenAtEnd} {
			m := message(kind, reason, -1, false)
			if !strings.HasPrefix(m, kind+" opened here") || sqlEffect[kind] == "" || !strings.HasSuffix(m, sqlFix[kind]) {
				t.Errorf("message(%s, %s) = %q", kind, reason, m)
			}
		}
	}
}

// TestHTTP2Body checks that an HTTP/2 body (net/http gives its protocol in
// place of a local address) says so in its detail, and what it holds in its
// message, while an HTTP/1 body keeps its own.
func TestHTTP2Body(t *testing.T) {
	h1 := &entry{kind: "http.Response.Body", fd: -1, name: "GET https://example.com/"}
	h2 := &entry{kind: "http.Response.Body", fd: -1, name: "GET https://example.com/", local: "HTTP/2"}
	if got, want := h2.detail(), "GET https://example.com/ (HTTP/2)"; got != want {
		t.Errorf("HTTP/2 detail = %q, want %q", got, want)
	}
	if got, want := h1.detail(), "GET https://example.com/"; got != want {
		t.Errorf("HTTP/1 detail = %q, want %q", got, want)
	}
	for _, reason := range []report.Reason{report.ReasonClosedByGC, report.ReasonOpenAtEnd} {
		m := message(h2.kind, reason, h2.fd, h2.http2())
		if !strings.HasPrefix(m, "HTTP/2 response body opened here") || !strings.Contains(m, "flow-control window") {
			t.Errorf("HTTP/2 message(%s) = %q", reason, m)
		}
		if m1 := message(h1.kind, reason, h1.fd, h1.http2()); strings.Contains(m1, "HTTP/2") {
			t.Errorf("HTTP/1 message(%s) = %q", reason, m1)
		}
	}
	if m := message(h2.kind, report.ReasonOpenAtEnd, -1, true); !strings.Contains(m, "concurrent streams") {
		t.Errorf("HTTP/2 open-at-end message does not name the stream slot: %q", m)
	}
}

func TestGroupCounts(t *testing.T) {
	tr := newTracker()
	for key := uintptr(1); key <= 3; key++ {
		openHere(tr, key) // same line: one group
	}
	var es []*entry
	for _, e := range tr.open {
		es = append(es, e)
	}
	fs := tr.group(es, report.ReasonOpenAtEnd)
	if len(fs) != 1 || fs[0].Count != 3 || !strings.HasSuffix(fs[0].Detail, "and 2 more") {
		t.Errorf("group = %+v, want one finding with count 3", fs)
	}
}

func TestDetail(t *testing.T) {
	l := &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 80}
	r := &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 5555}
	tests := []struct {
		name string
		give entry
		want string
	}{
		{"file", entry{kind: "os.File", name: "/tmp/a", fd: 3}, "/tmp/a (fd 3)"},
		{"listener", entry{kind: "net.TCPListener", name: "tcp", local: l, fd: 4}, "tcp 127.0.0.1:80 (fd 4)"},
		{"conn", entry{kind: "net.TCPConn", name: "tcp", local: l, remote: r, fd: 5}, "tcp 127.0.0.1:80 -> 127.0.0.1:5555 (fd 5)"},
		{"body", entry{kind: "http.Response.Body", name: "GET http://127.0.0.1/", fd: -1}, "GET http://127.0.0.1/"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.give.detail(); got != tt.want {
				t.Errorf("detail = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestInstrumented(t *testing.T) {
	// go test builds this test binary with the plain standard library;
	// leakhound test (which sets EnvReport) with the instrumented one.
	want := os.Getenv(EnvReport) != ""
	if got := Instrumented(); got != want {
		t.Errorf("Instrumented() = %v, want %v", got, want)
	}
}

func TestIsWrapper(t *testing.T) {
	tests := []struct {
		give runtime.Frame
		want bool
	}{
		{runtime.Frame{Function: "main.main.gowrap1", File: "/p/main.go"}, true},
		{runtime.Frame{Function: "testing.(*T).Run.gowrap12", File: "/go/src/testing/testing.go"}, true},
		{runtime.Frame{Function: "main.(*T).M", File: "<autogenerated>"}, true},
		{runtime.Frame{Function: "main.gowrap", File: "/p/main.go"}, false},
		{runtime.Frame{Function: "main.gowrapper1", File: "/p/main.go"}, false},
		{runtime.Frame{Function: "main.nogowrap1", File: "/p/main.go"}, false},
		{runtime.Frame{Function: "main.main.func1", File: "/p/main.go"}, false},
	}
	for _, tt := range tests {
		if got := isWrapper(tt.give); got != tt.want {
			t.Errorf("isWrapper(%s) = %v, want %v", tt.give.Function, got, tt.want)
		}
	}
}

// TestCallerPCs checks that the instrumented runtime's frame-pointer walk
// sees the same frames as runtime.Callers, wrappers aside. It needs the
// instrumented standard library: internal/runcmd's TestTrackUnderLeakhound
// runs it under leakhound test.
func TestCallerPCs(t *testing.T) {
	if !Instrumented() {
		t.Skip("compares the instrumented runtime's stack capture with runtime.Callers: run it with leakhound test")
	}
	if runtimeCallers == nil {
		t.Fatal("the standard library is instrumented but its runtime has no stack capture")
	}
	var fp, rt []uintptr
	done := make(chan struct{})
	go func() { // started by a go statement: its wrapper is in the stack
		defer close(done)
		fp, rt = capturePCs()
	}()
	<-done
	names := func(pcs []uintptr) []string {
		var out []string
		frames := runtime.CallersFrames(pcs)
		for {
			fr, more := frames.Next()
			if !isWrapper(fr) {
				out = append(out, fr.Function)
			}
			if !more {
				return out
			}
		}
	}
	if got, want := names(fp), names(rt); !slices.Equal(got, want) {
		t.Errorf("callerPCs frames:\n%s\nruntime.Callers frames:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if len(fp) < 2 {
		t.Errorf("callerPCs found %d frames", len(fp))
	}
}

// capturePCs returns its caller's stack from callerPCs and from
// runtime.Callers.
//
//go:noinline
func capturePCs() (fp, rt []uintptr) {
	var b [maxDepth]uintptr
	fp = callerPCs()
	m := runtime.Callers(2, b[:])
	return fp, b[:m]
}

// BenchmarkStack compares the two ways of capturing an opener's stack, each
// into a slice of its own. Only an instrumented runtime has the frame-pointer
// walk (plain go test times runtime.Callers twice):
//
//	leakhound test ./track -- -run XXX -bench Stack
func BenchmarkStack(b *testing.B) {
	var buf [maxDepth]uintptr
	b.ReportAllocs()
	b.Run("callerPCs", func(b *testing.B) {
		for b.Loop() {
			callerPCs()
		}
	})
	b.Run("runtime.Callers", func(b *testing.B) {
		for b.Loop() {
			_ = slices.Clone(buf[:runtime.Callers(2, buf[:])])
		}
	})
}

// BenchmarkOpenClose times what the tracker does for one resource opened
// and closed (an HTTP response body): its stack, its entry, the table.
//
//	leakhound test ./track -- -run XXX -bench OpenClose -benchmem
func BenchmarkOpenClose(b *testing.B) {
	tr := newTracker()
	var key uintptr
	for b.Loop() {
		key++
		tr.opened("http.Response.Body", key, -1, "GET https://127.0.0.1:8443/", "HTTP/2", nil)
		tr.closed(key)
	}
}
