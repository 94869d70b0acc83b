package browsertest

import (
	"net"
	"net/http/httptest"
	"regexp"
	"testing"
	"time"

	"github.com/leakhound/leakhound/agent"
	"github.com/leakhound/leakhound/internal/testutil/chromiumtest"
)

// startAgent starts the agent with 25 goroutines parked at one site (over
// MinCount, so a finding shows) and a listener with one accepted
// connection, and serves its handler.
func startAgent(t *testing.T) *httptest.Server {
	if err := agent.Start(agent.Options{Interval: 50 * time.Millisecond, ProvenInterval: -1, MinCount: 20}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(agent.Stop)
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	for range 25 {
		go func() { <-release }() // a blocking site over MinCount: a finding on the page
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	time.Sleep(200 * time.Millisecond) // a few samples for the charts
	srv := httptest.NewServer(agent.Handler())
	t.Cleanup(srv.Close)
	return srv
}

// TestPageDOM loads the page, lets its script fetch series.json and draw,
// and checks the resulting DOM.
func TestPageDOM(t *testing.T) {
	b := chromiumtest.Find(t)
	srv := startAgent(t)
	dom := b.DOM(t, srv.URL+"/")
	checks := []struct {
		name string
		re   string
	}{
		{name: "script fetched series.json", re: `<body data-live="ok"`},
		{name: "goroutine chart drawn", re: `<svg id="chart-goroutines"[^>]*>.*?<polyline points="[0-9.]+,[0-9.]+ [0-9.]+,`},
		{name: "blocked series drawn", re: `<svg id="chart-goroutines"[^>]*>(.*?<polyline){2}`},
		{name: "time span under the chart", re: `<svg id="chart-goroutines".*?>−[0-9.]+[smh]</text>`},
		{name: "descriptor chart drawn", re: `<svg id="chart-fds"[^>]*>.*?<polyline`},
		{name: "queue chart drawn", re: `<svg id="chart-queues"[^>]*>.*?<polyline`},
		{name: "current goroutines shown", re: `<span class="now" id="now-goroutines">[1-9][0-9]*</span>`},
		{name: "finding with stack", re: `<article class="finding suspected"[^>]*>.*?<span class="count">25 ×</span> <span class="resource">goroutine</span> <span class="reason">long-blocked</span>`},
		{name: "source line", re: `<code class="src">go func\(\) \{ &lt;-release \}\(\)`},
		{name: "listening socket with its address", re: `<td>tcp</td><td>LISTEN</td><td>listening</td><td class="addr">127\.0\.0\.1:[0-9]+</td>`},
		{name: "dialed socket", re: `<td>tcp</td><td>ESTABLISHED</td><td>dialed</td>`},
	}
	for _, c := range checks {
		if !regexp.MustCompile("(?s)" + c.re).MatchString(dom) {
			t.Errorf("%s: DOM does not match %s", c.name, c.re)
		}
	}
	if t.Failed() {
		t.Logf("DOM:\n%s", dom)
	}
}

// TestPageScreenshot renders the page to a PNG and checks it is a real,
// non-blank picture with the charts drawn and the finding marked.
// LEAKHOUND_SCREENSHOT=FILE keeps the PNG.
func TestPageScreenshot(t *testing.T) {
	b := chromiumtest.Find(t)
	srv := startAgent(t)
	img := b.Screenshot(t, srv.URL+"/", 1200, 900, "LEAKHOUND_SCREENSHOT")
	if distinct, _ := chromiumtest.ColorStats(img, 0); distinct < 16 {
		t.Errorf("screenshot has %d distinct colors: the page looks blank", distinct)
	}
	if _, blue := chromiumtest.ColorStats(img, 0x1f6feb); blue < 300 {
		t.Errorf("screenshot has %d pixels of the charts' blue lines, want drawn charts", blue)
	}
	if _, amber := chromiumtest.ColorStats(img, 0xc77c00); amber < 100 {
		t.Errorf("screenshot has %d pixels of the suspected amber, want the finding marked", amber)
	}
}
