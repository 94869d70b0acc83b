package htmlreport

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"

	"github.com/leakhound/leakhound/report"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden.html")

// thisLine returns the file and line of its caller, for frames whose source
// line the report must show.
func thisLine() report.Frame {
	_, file, line, _ := runtime.Caller(1)
	return report.Frame{Func: "htmlreport.sourceMarker", File: file, Line: line}
}

// sampleReport has one finding of every kind, in an order the report must
// regroup: static, goroutine, an unknown kind, resource, finalizer.
func sampleReport() *report.Report {
	deep := make([]report.Frame, 14)
	for i := range deep {
		deep[i] = report.Frame{Func: "main.recurse", File: "/src/app/deep.go", Line: 10 + i}
	}
	return &report.Report{
		Schema: report.Schema, Go: "go1.27.4", Mode: "test",
		Findings: []report.Finding{
			{ID: "5c0ffee5c0ffee00", Kind: "static", Certainty: "suspected", Reason: "unclosed", Resource: "os.File", Count: 1,
				Message: "file opened here is never closed on the path through line 42",
				Stack:   []report.Frame{{Func: "app.load", File: "/src/app/load.go", Line: 40}},
				Origin:  []report.Frame{{Func: "app.load", File: "/src/app/load.go", Line: 40}},
				Pos:     "/src/app/load.go:40:13"},
			{ID: "0123456789abcdef", Kind: "goroutine", Certainty: "proven", Reason: "unreachable-wait", Resource: "goroutine", Count: 3,
				Message: "3 goroutine(s) blocked at main.worker can never run again", Wait: "chan send", Test: "TestWorker/sub",
				Stack:  []report.Frame{{Func: "main.worker.func1", File: "/src/app/worker.go", Line: 17}},
				Origin: []report.Frame{{Func: "main.worker", File: "/src/app/worker.go", Line: 14}}, RetainedBytes: 10 << 20},
			{ID: "00000000000000ff", Kind: "mystery", Certainty: "suspected", Reason: "odd", Resource: "thing", Count: 1, Message: "a kind this page does not know"},
			{ID: "fedcba9876543210", Kind: "resource", Certainty: "proven", Reason: "closed-by-gc", Resource: "net.TCPConn", Count: 2,
				Message: "2 connections were closed by the garbage collector", Detail: "127.0.0.1:54321 -> 127.0.0.1:5432",
				Stack:  []report.Frame{{Func: "net.(*netFD).Close", File: "/go/src/net/fd_posix.go", Line: 36}},
				Origin: deep},
			{ID: "aaaaaaaaaaaaaaaa", Kind: "finalizer", Certainty: "suspected", Reason: "blocked", Resource: "finalizer", Count: 1,
				Message: "a finalizer is blocked", Wait: "sync.Mutex.Lock", Detail: "4 finalizer(s) queued behind it",
				Stack: []report.Frame{thisLine()}}, // sourceMarker: the report shows this line
		},
	}
}

func render(t *testing.T, r *report.Report) string {
	t.Helper()
	var b bytes.Buffer
	if err := Write(&b, r); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestWriteGroupsAndCounts(t *testing.T) {
	page := render(t, sampleReport())
	// Sections come in the fixed kind order, unknown kinds last.
	var order []string
	for _, m := range regexp.MustCompile(`<section class="kind" id="kind-([a-z]+)">`).FindAllStringSubmatch(page, -1) {
		order = append(order, m[1])
	}
	if got, want := strings.Join(order, ","), "goroutine,resource,finalizer,static,mystery"; got != want {
		t.Errorf("sections %s, want %s", got, want)
	}
	for _, want := range []string{
		`<title>leakhound test report: 8 leak(s)</title>`,
		`<strong>8</strong> leak(s) in <strong>5</strong> finding(s), <strong class="proven">5 proven</strong>`,
		`<tr><td><a href="#kind-goroutine">goroutine</a></td><td class="num">3 in 1 finding(s)</td><td class="num">–</td></tr>`,
		`<article class="finding proven" id="f-0123456789abcdef">`,
		`<span class="count">3 ×</span> <span class="resource">goroutine</span> <span class="reason">unreachable-wait</span> <span class="wait">(chan send)</span> <span class="test">in TestWorker/sub</span>`,
		`<dt>retains</dt><dd class="retained">10485760 bytes</dd>`,
		`<div class="frames-title">created at</div>`,
		`<div class="frames-title">opened at</div>`,
		`<dt>detail</dt><dd class="detail">127.0.0.1:54321 -&gt; 127.0.0.1:5432</dd>`,
		`<dt>at</dt><dd class="pos">/src/app/load.go:40:13</dd>`,
		`<details><summary>6 more frame(s)</summary><ol start="9">`,
		`<code class="src">Stack: []report.Frame{thisLine()}}, // sourceMarker: the report shows this line</code>`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %s", want)
		}
	}
	// A static finding's origin repeats its one frame: shown once.
	static := page[strings.Index(page, `id="kind-static"`):]
	static = static[:strings.Index(static, "</section>")]
	if n := strings.Count(static, "app.load"); n != 1 {
		t.Errorf("static finding shows its frame %d times, want once", n)
	}
}

// TestSelfContained checks that the page needs nothing but itself: no
// script, no external stylesheet, image, font or frame.
func TestSelfContained(t *testing.T) {
	page := render(t, sampleReport())
	for _, bad := range []string{"<script", "<link", "<img", "<iframe", "src=", "@import", "url(", "http://", "https://"} {
		if strings.Contains(page, bad) {
			t.Errorf("page contains %q: it must not load anything", bad)
		}
	}
}

func TestEscapesHostileStrings(t *testing.T) {
	const evil = `</textarea></style><script>alert("x")</script><img src=x onerror=alert(1)>`
	r := &report.Report{Schema: report.Schema, Go: evil, Mode: evil, Findings: []report.Finding{{
		ID: `" onmouseover="alert(1)`, Kind: evil, Certainty: `proven" onclick="alert(1)`, Reason: evil, Resource: evil, Count: 1,
		Message: evil, Wait: evil, Detail: evil, Test: evil, Pos: evil,
		Stack:  []report.Frame{{Func: evil, File: evil + ".go", Line: 1}},
		Origin: []report.Frame{{Func: "javascript:alert(1)", File: evil, Line: 2}},
	}}}
	page := render(t, r)
	for _, bad := range []string{"<script", "<img", `onmouseover="`, `onclick="`, "</textarea>", "</style><"} {
		if strings.Contains(page, bad) {
			t.Errorf("hostile input reached the page unescaped: %q", bad)
		}
	}
	if n := strings.Count(page, "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;"); n < 8 {
		t.Errorf("escaped text shown %d times, want every field shown escaped", n)
	}
	if !strings.Contains(page, `<article class="finding suspected"`) {
		t.Errorf("an unknown certainty must fall back to the suspected style")
	}
}

func TestEmptyReport(t *testing.T) {
	page := render(t, &report.Report{Schema: report.Schema, Go: "go1.26.8", Mode: "run", Findings: []report.Finding{}})
	for _, want := range []string{"<title>leakhound run report: no leaks</title>", `<p id="no-findings">No findings`} {
		if !strings.Contains(page, want) {
			t.Errorf("empty report page lacks %s", want)
		}
	}
	for _, bad := range []string{"<table", `class="kind"`} {
		if strings.Contains(page, bad) {
			t.Errorf("empty report page contains %s", bad)
		}
	}
	if err := Write(&bytes.Buffer{}, nil); err == nil {
		t.Error("Write(nil) succeeded, want an error")
	}
}

func TestGolden(t *testing.T) {
	r := sampleReport()
	r.Findings[4].Stack = []report.Frame{{Func: "main.(*pool).finalize", File: "/src/app/pool.go", Line: 88}} // no local source: stable output
	page := render(t, r)
	golden := filepath.Join("testdata", "report.golden.html")
	if *update {
		if err := os.WriteFile(golden, []byte(page), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v: run go test -update", err)
	}
	if page != string(want) {
		t.Errorf("page differs from %s; run go test -update and review the diff", golden)
	}
}

func TestSection(t *testing.T) {
	frag, err := Section(sampleReport().Findings[:2])
	if err != nil {
		t.Fatal(err)
	}
	s := string(frag)
	if strings.Contains(s, "<html") || strings.Contains(s, "<style") || !strings.Contains(s, `<div class="lh-findings">`) || !strings.Contains(s, `id="kind-static"`) {
		t.Errorf("Section is not a findings fragment:\n%s", s)
	}
	empty, err := Section(nil)
	if err != nil || !strings.Contains(string(empty), `id="no-findings"`) {
		t.Errorf("Section(nil) = %q, %v; want the no-findings note", empty, err)
	}
}
