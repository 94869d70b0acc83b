// Package htmlreport renders a leakhound report (leakhound.report/v1) as one
// self-contained HTML page: no script, no external asset, every value
// escaped by html/template. Findings are grouped by kind, proven ones
// marked, with their stacks, origins and, where the source file is readable
// on this machine, the source lines.
//
// It serves the -html flag of every leakhound command and the findings of
// the agent's live page.
package htmlreport

import (
	"bytes"
	"cmp"
	_ "embed"
	"errors"
	"fmt"
	"html/template"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/leakhound/leakhound/report"
)

//go:embed report.html
var reportHTML string

//go:embed report.css
var reportCSS string

// Style is the CSS of the page [Write] renders and of the fragment [Section]
// renders, for pages that embed the fragment.
var Style = template.CSS(reportCSS)

var tmpl = template.Must(template.New("report.html").Funcs(template.FuncMap{
	"certaintyClass": func(c report.Certainty) string {
		if c == report.Proven {
			return "proven"
		}
		return "suspected"
	},
	"framesOf": framesOf,
	"inc":      func(i int) int { return i + 1 },
}).Parse(reportHTML))

// Write renders r as a complete HTML page.
func Write(w io.Writer, r *report.Report) error {
	if r == nil {
		return errors.New("html report: no report to render")
	}
	var b bytes.Buffer
	if err := tmpl.ExecuteTemplate(&b, "page", newPage(r)); err != nil {
		return fmt.Errorf("html report: %w", err)
	}
	_, err := w.Write(b.Bytes())
	return err
}

// Section renders findings as an HTML fragment (grouped by kind, without
// the page around them) for a page that includes [Style].
func Section(findings []report.Finding) (template.HTML, error) {
	var b bytes.Buffer
	if err := tmpl.ExecuteTemplate(&b, "findings", groupByKind(findings, sourceReader{})); err != nil {
		return "", fmt.Errorf("html report: %w", err)
	}
	return template.HTML(b.String()), nil
}

// page is what the "page" template renders.
type page struct {
	Report  *report.Report
	Style   template.CSS
	Summary []kindSummary
	Total   int // leaked goroutines or resources, summed over findings
	Proven  int // of them, proven
	Groups  []group
}

// kindSummary counts the findings of one kind by certainty.
type kindSummary struct {
	Kind                          report.Kind
	ProvenGroups, SuspectedGroups int
	ProvenCount, SuspectedCount   int
}

// group is the findings of one kind, in report order.
type group struct {
	Kind     report.Kind
	Title    string
	Count    int
	Findings []finding
}

// finding is a report finding with its frames ready to show.
type finding struct {
	report.Finding
	StackTitle, OriginTitle string
	Stack, Origin           []frame
}

// frame is a stack frame with its source line, when the file is readable.
type frame struct {
	report.Frame
	Source string
}

// kinds orders and titles the sections of the report; other kinds follow,
// sorted by name.
var kinds = []struct {
	kind  report.Kind
	title string
}{
	{report.KindGoroutine, "Goroutines"},
	{report.KindResource, "Resources"},
	{report.KindFinalizer, "Finalizers"},
	{report.KindStatic, "Static analysis"},
}

func newPage(r *report.Report) *page {
	p := &page{Report: r, Style: Style, Groups: groupByKind(r.Findings, sourceReader{})}
	for _, g := range p.Groups {
		s := kindSummary{Kind: g.Kind}
		for _, f := range g.Findings {
			p.Total += f.Count
			if f.Certainty == report.Proven {
				p.Proven += f.Count
				s.ProvenGroups++
				s.ProvenCount += f.Count
			} else {
				s.SuspectedGroups++
				s.SuspectedCount += f.Count
			}
		}
		p.Summary = append(p.Summary, s)
	}
	return p
}

func groupByKind(fs []report.Finding, src sourceReader) []group {
	byKind := map[report.Kind]*group{}
	for _, f := range fs {
		g := byKind[f.Kind]
		if g == nil {
			g = &group{Kind: f.Kind, Title: titleOf(f.Kind)}
			byKind[f.Kind] = g
		}
		g.Count += f.Count
		g.Findings = append(g.Findings, newFinding(f, src))
	}
	var out []group
	for _, k := range kinds {
		if g := byKind[k.kind]; g != nil {
			out = append(out, *g)
			delete(byKind, k.kind)
		}
	}
	var rest []group
	for _, g := range byKind {
		rest = append(rest, *g)
	}
	slices.SortFunc(rest, func(a, b group) int { return cmp.Compare(a.Kind, b.Kind) })
	return append(out, rest...)
}

func titleOf(kind report.Kind) string {
	for _, k := range kinds {
		if k.kind == kind {
			return k.title
		}
	}
	if kind == "" {
		return "Findings of no kind"
	}
	return "Kind " + string(kind)
}

func newFinding(f report.Finding, src sourceReader) finding {
	out := finding{Finding: f, StackTitle: "stack", OriginTitle: "origin", Stack: src.frames(f.Stack)}
	switch f.Kind {
	case report.KindGoroutine:
		out.StackTitle, out.OriginTitle = "blocked at", "created at"
	case report.KindResource:
		out.OriginTitle = "opened at"
	case report.KindStatic:
		out.StackTitle = "in"
	}
	if !slices.Equal(f.Origin, f.Stack) { // static findings repeat their one frame
		out.Origin = src.frames(f.Origin)
	}
	return out
}

// frameList is what the "frames" template renders: the first Open frames
// shown, the Hidden others folded.
type frameList struct {
	Title        string
	Frames       []frame
	Open, Hidden int
}

// Stacks longer than maxOpenFrames+2 show maxOpenFrames frames and fold the
// rest.
const maxOpenFrames = 8

func framesOf(title string, fs []frame) frameList {
	l := frameList{Title: title, Frames: fs, Open: len(fs)}
	if len(fs) > maxOpenFrames+2 {
		l.Open, l.Hidden = maxOpenFrames, len(fs)-maxOpenFrames
	}
	return l
}

// sourceReader reads the source lines shown under frames, caching the files
// it read.
type sourceReader map[string][]string

// maxSourceFrames bounds the frames per stack shown with their source line.
const maxSourceFrames = 4

func (s sourceReader) frames(fs []report.Frame) []frame {
	out := make([]frame, len(fs))
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

// maxSourceFileBytes bounds the size of a source file read for a report.
const maxSourceFileBytes = 1 << 20

// readLines returns the lines of a Go source file, or nil when it is not
// one, cannot be read or is too large.
func readLines(file string) []string {
	if !strings.HasSuffix(file, ".go") {
		return nil
	}
	f, err := os.Open(file)
	if err != nil {
		return nil
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil || !st.Mode().IsRegular() || st.Size() > maxSourceFileBytes {
		return nil
	}
	data, err := io.ReadAll(io.LimitReader(f, maxSourceFileBytes))
	if err != nil {
		return nil
	}
	return strings.Split(string(data), "\n")
}
