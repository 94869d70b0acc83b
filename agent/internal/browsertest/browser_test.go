package browsertest

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/leakhound/leakhound/agent"
)

// chromium returns the path of the Chromium binary, or skips the test.
func chromium(t *testing.T) string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Skip("chromium is not installed (Debian: apt-get install -y chromium): skipping the browser test of the agent page")
	return ""
}

// runChromium runs headless Chromium with a fresh profile and returns its
// standard output.
func runChromium(t *testing.T, bin string, args ...string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	base := []string{
		"--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
		"--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
		"--user-data-dir=" + t.TempDir(),
	}
	cmd := exec.CommandContext(ctx, bin, append(base, args...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("chromium %v: %v\n%s", args, err, stderr.String())
	}
	return out
}

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
	time.Sleep(200 * time.Millisecond) // a few samples for the charts
	srv := httptest.NewServer(agent.Handler())
	t.Cleanup(srv.Close)
	return srv
}

// TestPageDOM loads the page, lets its script fetch series.json and draw,
// and checks the resulting DOM.
func TestPageDOM(t *testing.T) {
	bin := chromium(t)
	srv := startAgent(t)
	dom := string(runChromium(t, bin, "--virtual-time-budget=5000", "--dump-dom", srv.URL+"/"))
	checks := []struct {
		name string
		re   string
	}{
		{name: "script fetched series.json", re: `<body data-live="ok"`},
		{name: "goroutine chart drawn", re: `<svg id="chart-goroutines"[^>]*>.*?<polyline points="[0-9.]+,[0-9.]+ [0-9.]+,`},
		{name: "descriptor chart drawn", re: `<svg id="chart-fds"[^>]*>.*?<polyline`},
		{name: "queue chart drawn", re: `<svg id="chart-queues"[^>]*>.*?<polyline`},
		{name: "current goroutines shown", re: `<span class="now" id="now-goroutines">[1-9][0-9]*</span>`},
		{name: "finding with stack", re: `25 × goroutine long-blocked \(suspected`},
		{name: "source line", re: `class="src">go func\(\) \{ &lt;-release \}\(\)`},
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
// non-blank picture of the expected size.
func TestPageScreenshot(t *testing.T) {
	bin := chromium(t)
	srv := startAgent(t)
	shot := filepath.Join(t.TempDir(), "page.png")
	runChromium(t, bin, "--virtual-time-budget=5000", "--window-size=1200,900", "--hide-scrollbars", "--screenshot="+shot, srv.URL+"/")
	f, err := os.Open(shot)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("screenshot is not a PNG: %v", err)
	}
	if b := img.Bounds(); b.Dx() != 1200 || b.Dy() != 900 {
		t.Errorf("screenshot is %dx%d, want 1200x900", b.Dx(), b.Dy())
	}
	colors, blue := colorStats(img)
	if colors < 16 {
		t.Errorf("screenshot has %d distinct colors: the page looks blank", colors)
	}
	if blue < 50 {
		t.Errorf("screenshot has %d pixels of the chart's blue line, want a drawn chart", blue)
	}
	if out := os.Getenv("LEAKHOUND_SCREENSHOT"); out != "" {
		data, _ := os.ReadFile(shot)
		os.WriteFile(out, data, 0o644)
	}
}

// colorStats counts distinct colors and pixels close to the chart's first
// series color (#1f6feb).
func colorStats(img image.Image) (distinct, blue int) {
	seen := map[[3]uint32]bool{}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			seen[[3]uint32{r >> 8, g >> 8, bl >> 8}] = true
			if near(r>>8, 0x1f) && near(g>>8, 0x6f) && near(bl>>8, 0xeb) {
				blue++
			}
		}
	}
	return len(seen), blue
}

func near(a, b uint32) bool { return a+24 >= b && a <= b+24 }
