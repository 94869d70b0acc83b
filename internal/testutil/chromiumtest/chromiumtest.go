// Package chromiumtest runs pages in a real headless Chromium for tests: it
// dumps the DOM after the page's scripts ran and takes screenshots, through
// Chromium's own command-line modes (no driver library).
//
// Tests skip when Chromium is not installed, unless LEAKHOUND_REQUIRE_CHROMIUM
// is set (CI sets it, so the browser tests cannot silently stop running).
package chromiumtest

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// RequireEnv is the environment variable that turns a missing Chromium from
// a skip into a failure.
const RequireEnv = "LEAKHOUND_REQUIRE_CHROMIUM"

// Browser is a Chromium binary.
type Browser struct {
	bin string
}

// Find returns the installed Chromium, or skips the test (fails it when
// LEAKHOUND_REQUIRE_CHROMIUM is set).
func Find(t testing.TB) *Browser {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return &Browser{bin: p}
		}
	}
	if os.Getenv(RequireEnv) != "" {
		t.Fatalf("chromium is not installed and %s is set: install it (Debian: apt-get install -y chromium)", RequireEnv)
	}
	t.Skip("chromium is not installed (Debian: apt-get install -y chromium): skipping the browser test")
	return nil
}

// timeout bounds one Chromium run.
const timeout = 90 * time.Second

// run runs headless Chromium with a fresh profile and returns its standard
// output.
func (b *Browser) run(t testing.TB, args ...string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	base := []string{
		"--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
		"--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
		"--disable-extensions", "--mute-audio", "--user-data-dir=" + t.TempDir(),
	}
	cmd := exec.CommandContext(ctx, b.bin, append(base, args...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("chromium %v: %v\n%s", args, err, stderr.String())
	}
	return out
}

// budget is the virtual time a page gets to run its scripts (timers and
// fetches included) before the DOM is dumped or the screenshot taken.
const budget = "--virtual-time-budget=5000"

// DOM loads url, lets its scripts run, and returns the serialized DOM.
func (b *Browser) DOM(t testing.TB, url string) string {
	t.Helper()
	return string(b.run(t, budget, "--dump-dom", url))
}

// Screenshot loads url in a window of width x height, lets its scripts run,
// and returns the decoded PNG. When the environment variable named by keep
// is set, the PNG is also copied to the file it names, to look at.
func (b *Browser) Screenshot(t testing.TB, url string, width, height int, keep string) image.Image {
	t.Helper()
	shot := filepath.Join(t.TempDir(), "screenshot.png")
	b.run(t, budget, fmt.Sprintf("--window-size=%d,%d", width, height), "--hide-scrollbars", "--screenshot="+shot, url)
	data, err := os.ReadFile(shot)
	if err != nil {
		t.Fatalf("chromium wrote no screenshot: %v", err)
	}
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("screenshot is not a PNG: %v", err)
	}
	if bd := img.Bounds(); bd.Dx() != width || bd.Dy() != height {
		t.Errorf("screenshot is %dx%d, want %dx%d", bd.Dx(), bd.Dy(), width, height)
	}
	if out := os.Getenv(keep); keep != "" && out != "" {
		if err := os.WriteFile(out, data, 0o644); err != nil {
			t.Errorf("keep the screenshot: %v", err)
		}
	}
	return img
}

// ColorStats counts the distinct colors of img and its pixels within a small
// distance of want (#rrggbb as 0xrrggbb).
func ColorStats(img image.Image, want uint32) (distinct, near int) {
	seen := map[uint32]bool{}
	wr, wg, wb := want>>16&0xff, want>>8&0xff, want&0xff
	bd := img.Bounds()
	for y := bd.Min.Y; y < bd.Max.Y; y++ {
		for x := bd.Min.X; x < bd.Max.X; x++ {
			r, g, b, _ := img.At(x, y).RGBA()
			r, g, b = r>>8, g>>8, b>>8
			seen[r<<16|g<<8|b] = true
			if within(r, wr) && within(g, wg) && within(b, wb) {
				near++
			}
		}
	}
	return len(seen), near
}

// within reports whether two color channels differ by at most 24.
func within(a, b uint32) bool { return a+24 >= b && a <= b+24 }
