package agent

import (
	"bufio"
	_ "embed"
	"encoding/json"
	"html/template"
	"net/http"
	"net/url"
	"os"
	"runtime"
	"strings"
	"time"

	"github.com/leakhound/leakhound"
)

//go:embed page.html
var pageHTML string

var pageTemplate = template.Must(template.New("page").Funcs(template.FuncMap{
	"since": func(t time.Time) string { return time.Since(t).Round(time.Second).String() },
}).Parse(pageHTML))

// maxPageFindings bounds the findings shown on the page (the JSON report
// has all of them).
const maxPageFindings = 50

// pageData is what page.html renders.
type pageData struct {
	Go          string
	Interval    time.Duration
	Samples     int
	SampleCost  time.Duration
	SampleErr   error
	FDErr       error
	Proven      string // status of the proven cycle, one sentence
	Findings    []pageFinding
	MoreHidden  int
	FDsByKind   map[string]int
	TCPStates   map[string]int
	SeriesJSON  template.JS
	IntervalMS  int64
	HasLeakProf bool
}

type pageFinding struct {
	leakhound.Finding
	Frames []pageFrame
	Origin []pageFrame
}

type pageFrame struct {
	leakhound.Frame
	Source string // the source line, when the file is readable here
}

func (a *Agent) servePage(w http.ResponseWriter, _ url.Values) {
	sn := a.state.snapshot()
	series, err := json.Marshal(sn.Points)
	if err != nil {
		http.Error(w, "encode series: "+err.Error(), http.StatusInternalServerError)
		return
	}
	d := pageData{
		Go: runtime.Version(), Interval: sn.Opts.Interval, Samples: sn.Samples,
		SampleCost: sn.SampleCost.Round(time.Microsecond), SampleErr: sn.SampleErr, FDErr: sn.FDErr,
		Proven: provenStatus(sn), TCPStates: sn.TCPStates,
		SeriesJSON: template.JS(series), IntervalMS: sn.Opts.Interval.Milliseconds(),
	}
	if len(sn.Points) > 0 {
		d.FDsByKind = sn.Points[len(sn.Points)-1].FDsByKind
	}
	src := sourceReader{}
	for i, f := range sn.report().Findings {
		if i == maxPageFindings {
			d.MoreHidden++
			continue
		}
		d.Findings = append(d.Findings, pageFinding{Finding: f, Frames: src.frames(f.Stack), Origin: src.frames(f.Origin)})
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Security-Policy", "default-src 'self'; script-src 'unsafe-inline' 'self'; style-src 'unsafe-inline'")
	if err := pageTemplate.Execute(w, d); err != nil {
		http.Error(w, "render page: "+err.Error(), http.StatusInternalServerError)
	}
}

func provenStatus(sn *snapshot) string {
	switch {
	case sn.Opts.ProvenInterval < 0:
		return "proven detection is disabled (Options.ProvenInterval < 0)"
	case !leakProfileAvailable():
		return "proven detection is not available: this Go runtime has no goroutineleak profile (use Go 1.27, or Go 1.26 with GOEXPERIMENT=goroutineleakprofile)"
	case sn.ProvenErr != nil:
		return "the last proven detection cycle failed: " + sn.ProvenErr.Error()
	case sn.ProvenRuns == 0:
		return "no proven detection cycle yet: the first runs " + sn.Opts.ProvenInterval.String() + " after start"
	}
	return "last proven detection cycle " + time.Since(sn.ProvenAt).Round(time.Second).String() +
		" ago, took " + sn.ProvenCost.Round(time.Microsecond).String()
}

// sourceReader reads source lines for the page, caching files it read.
type sourceReader map[string][]string

// maxSourceFrames bounds the frames per stack shown with their source line.
const maxSourceFrames = 4

func (s sourceReader) frames(fs []leakhound.Frame) []pageFrame {
	out := make([]pageFrame, len(fs))
	for i, f := range fs {
		out[i].Frame = f
		if i < maxSourceFrames {
			out[i].Source = s.line(f.File, f.Line)
		}
	}
	return out
}

// line returns line n of file, trimmed, or "" when it cannot be read.
func (s sourceReader) line(file string, n int) string {
	lines, ok := s[file]
	if !ok {
		lines = readLines(file)
		s[file] = lines
	}
	if n < 1 || n > len(lines) {
		return ""
	}
	return strings.TrimSpace(lines[n-1])
}

// maxSourceFileBytes bounds the size of a source file read for the page.
const maxSourceFileBytes = 1 << 20

func readLines(file string) []string {
	if !strings.HasSuffix(file, ".go") {
		return nil
	}
	f, err := os.Open(file)
	if err != nil {
		return nil
	}
	defer f.Close()
	if st, err := f.Stat(); err != nil || st.Size() > maxSourceFileBytes {
		return nil
	}
	var lines []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	return lines
}
