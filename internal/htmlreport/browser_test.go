package htmlreport

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/leakhound/leakhound/internal/testutil/chromiumtest"
)

// writePage writes the page of the sample report, with a hostile message
// added, to a temporary file and returns its file:// URL.
func writePage(t *testing.T) string {
	r := sampleReport()
	r.Findings[1].Message = `<img src=x onerror="document.title='pwned'"> can never run again`
	path := filepath.Join(t.TempDir(), "report.html")
	var page bytes.Buffer
	if err := Write(&page, r); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, page.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return "file://" + path
}

// TestBrowserDOM opens the report in headless Chromium and checks what the
// browser built from it.
func TestBrowserDOM(t *testing.T) {
	b := chromiumtest.Find(t)
	dom := b.DOM(t, writePage(t))
	checks := []struct{ name, re string }{
		{name: "title untouched by the hostile message", re: `<title>leakhound test report: 8 leak\(s\)</title>`},
		{name: "hostile message kept as text", re: `<p class="message">&lt;img src=x onerror="document.title='pwned'"&gt; can never run again</p>`},
		{name: "five kind sections", re: `(?s)(<section class="kind".*){5}`},
		{name: "summary table", re: `<td><a href="#kind-goroutine">goroutine</a></td>`},
		{name: "folded frames", re: `<details><summary>6 more frame\(s\)</summary><ol start="9">`},
		{name: "source line", re: `<code class="src">Stack: \[\]report.Frame\{thisLine\(\)\}\}`},
	}
	for _, c := range checks {
		if !regexp.MustCompile(c.re).MatchString(dom) {
			t.Errorf("%s: DOM does not match %s", c.name, c.re)
		}
	}
	if strings.Contains(dom, "<img") {
		t.Errorf("the browser built an <img> element from the hostile message")
	}
	if t.Failed() {
		t.Logf("DOM:\n%s", dom)
	}
}

// TestBrowserScreenshot renders the report and checks the picture is a real
// page in the report's colors: the red of proven findings and the amber of
// suspected ones. LEAKHOUND_HTML_SCREENSHOT=FILE keeps the PNG.
func TestBrowserScreenshot(t *testing.T) {
	b := chromiumtest.Find(t)
	img := b.Screenshot(t, writePage(t), 1100, 1400, "LEAKHOUND_HTML_SCREENSHOT")
	distinct, _ := chromiumtest.ColorStats(img, 0)
	if distinct < 32 {
		t.Errorf("screenshot has %d distinct colors: the page looks blank", distinct)
	}
	if _, red := chromiumtest.ColorStats(img, 0xb3261e); red < 200 {
		t.Errorf("%d pixels of the proven red, want the proven findings' border and badge", red)
	}
	if _, amber := chromiumtest.ColorStats(img, 0xc77c00); amber < 200 {
		t.Errorf("%d pixels of the suspected amber, want the suspected findings' border and badge", amber)
	}
}
