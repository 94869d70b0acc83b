package agent

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"html/template"
	"net/http"
	"net/url"
	"runtime"
	"time"

	"github.com/leakhound/leakhound/internal/fdtable"
	"github.com/leakhound/leakhound/internal/htmlreport"
)

//go:embed page.html
var pageHTML string

var pageTemplate = template.Must(template.New("page").Parse(pageHTML))

// maxPageFindings, maxPageSockets and maxPageChildren bound what the page
// shows (report.json and fds.json have everything).
const (
	maxPageFindings = 50
	maxPageSockets  = 20
	maxPageChildren = 20
)

// pageData is what page.html renders.
type pageData struct {
	Go           string
	Interval     time.Duration
	Samples      int
	SampleCost   time.Duration
	SampleSource string
	SampleErr    error
	FDErr        error
	Proven       string // status of the proven cycle, one sentence
	Findings     int
	MoreHidden   int
	FindingsHTML template.HTML
	ReportStyle  template.CSS
	FDsByKind    map[string]int
	Sockets      []fdtable.SocketGroup
	MoreSockets  int
	Children     []fdtable.Process
	MoreChildren int
	Ignore       *ignoreStatus // nil without Options.ConfigFile
	SeriesJSON   template.JS
	IntervalMS   int64
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
		SampleCost: sn.SampleCost.Round(time.Microsecond), SampleSource: sn.SampleSource, SampleErr: sn.SampleErr, FDErr: sn.FDErr,
		Proven: provenStatus(sn), ReportStyle: htmlreport.Style,
		SeriesJSON: template.JS(series), IntervalMS: sn.Opts.Interval.Milliseconds(),
	}
	if len(sn.Points) > 0 {
		d.FDsByKind = sn.Points[len(sn.Points)-1].FDsByKind
	}
	if sn.FDs != nil {
		d.Sockets = sn.FDs.SocketGroups()
		if n := len(d.Sockets); n > maxPageSockets {
			d.Sockets, d.MoreSockets = d.Sockets[:maxPageSockets], n-maxPageSockets
		}
		d.Children = sn.FDs.Children
		if n := len(d.Children); n > maxPageChildren {
			d.Children, d.MoreChildren = d.Children[:maxPageChildren], n-maxPageChildren
		}
	}
	rep, hits := sn.reportWithHits()
	d.Ignore = sn.ignoreStatus(hits)
	findings := rep.Findings
	if n := len(findings); n > maxPageFindings {
		findings, d.MoreHidden = findings[:maxPageFindings], n-maxPageFindings
	}
	d.Findings = len(findings)
	if d.FindingsHTML, err = htmlreport.Section(findings); err != nil {
		http.Error(w, "render findings: "+err.Error(), http.StatusInternalServerError)
		return
	}
	var page bytes.Buffer
	if err := pageTemplate.Execute(&page, d); err != nil {
		http.Error(w, "render page: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Security-Policy", "default-src 'self'; script-src 'unsafe-inline' 'self'; style-src 'unsafe-inline'")
	w.Write(page.Bytes())
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
