package runcmd

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/leakhound/leakhound/internal/cmdutil"
	"github.com/leakhound/leakhound/report"
	"github.com/leakhound/leakhound/track"
)

// result is what the instrumented programs reported.
type result struct {
	report *report.Report
	notes  []string
	// streamed holds the ids of findings already printed: as they happened
	// (run), or in go test's output (test).
	streamed map[string]bool
}

// readReport reads the JSON lines the tracker wrote to path (see
// track.Event). final reports whether a program reached its exit report.
// The report's Go version is goVersion, the toolchain that built the
// program.
func readReport(path, goVersion string, mode report.Mode) (*result, bool, error) {
	res := &result{report: report.New(mode, nil), streamed: map[string]bool{}}
	res.report.Go = goVersion
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return res, false, nil
	} else if err != nil {
		return nil, false, fmt.Errorf("read the report of the program: %w", err)
	}
	defer f.Close()
	final := false
	notes := map[string]bool{}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 64<<20)
	for sc.Scan() {
		var ev track.Event
		if err := json.Unmarshal(sc.Bytes(), &ev); err != nil {
			return nil, false, fmt.Errorf("read the report of the program: %w", err)
		}
		switch {
		case ev.Final:
			final = true
		case ev.Note != "" && !notes[ev.Note]:
			notes[ev.Note] = true
			res.notes = append(res.notes, ev.Note)
		case ev.ShownID != "":
			res.streamed[ev.ShownID] = true
		case ev.Finding != nil:
			res.report.Findings = append(res.report.Findings, *ev.Finding)
			if ev.Live || ev.Shown {
				res.streamed[ev.Finding.ID] = true
			}
		}
	}
	if err := sc.Err(); err != nil {
		return nil, false, fmt.Errorf("read the report of the program: %w", err)
	}
	res.report.Findings = report.Merge(res.report.Findings)
	return res, final, nil
}

// finish applies the settings' policy to the report (ignore rules, known
// findings), prints the summary on stderr, writes the JSON and HTML reports
// and the baseline of -write-baseline, and returns the findings that fail
// the run: those no rule ignores and no baseline lists.
func finish(res *result, s *settings, jsonOut, htmlOut string, stdout, stderr io.Writer) ([]report.Finding, error) {
	for _, n := range res.notes {
		fmt.Fprintf(stderr, "leakhound: note: %s\n", n)
	}
	fs := s.apply(res, stderr)
	if len(fs) > 0 {
		n := 0
		for _, f := range fs {
			n += f.Count
		}
		fmt.Fprintf(stderr, "leakhound: found %d leak(s) in %d group(s)\n", n, len(fs))
		for _, f := range fs {
			if res.streamed[f.ID] {
				fmt.Fprintf(stderr, "  - %s (printed above)\n", summary(f))
				continue
			}
			fmt.Fprintf(stderr, "\n%s\n", f.Text())
		}
	}
	if err := s.Finish(res.report, stdout, stderr); err != nil {
		return nil, err
	}
	return fs, cmdutil.WriteReports(jsonOut, htmlOut, res.report, stdout)
}

// summary is a one-line description of f.
func summary(f report.Finding) string {
	s := fmt.Sprintf("%s %s", f.Resource, f.Reason)
	if f.Count > 1 {
		s = fmt.Sprintf("%d x %s", f.Count, s)
	}
	verb := "opened"
	if f.Kind == report.KindGoroutine {
		verb = "created"
	}
	if fr, ok := report.UserFrame(f.Origin); ok {
		s += " " + verb + " at " + fr.String()
	}
	if f.Test != "" {
		s += " in " + f.Test
	}
	if f.Package != "" {
		s += " (" + f.Package + ")"
	}
	return s + " [id " + f.ID + "]"
}
