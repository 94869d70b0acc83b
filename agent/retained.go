package agent

import (
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/leakhound/leakhound/internal/verdict"
	"github.com/leakhound/leakhound/report"
)

// retainedFind is a proven detection cycle that measures the memory proven
// leaks keep alive; a variable for tests.
var retainedFind = func() (*report.Report, error) {
	return provenCycle(true)
}

// retainedMeasure is the last measurement of retained memory.
type retainedMeasure struct {
	tried time.Time                 // the last attempt, for the rate limit
	at    time.Time                 // the last successful measurement
	byID  map[string]report.Finding // its findings with retained memory, by id
}

// fill returns a copy of fs in which the findings measured earlier, and not
// now, carry the measured retained_bytes. The Go runtime cannot dump the heap
// once goroutines are marked leaked, so a measurement is never redone for a
// leak that later cycles still report.
func (m retainedMeasure) fill(fs []report.Finding) []report.Finding {
	out := slices.Clone(fs)
	for i := range out {
		f := &out[i]
		mf, ok := m.byID[f.ID]
		if !ok || f.RetainedBytes > 0 {
			continue
		}
		f.RetainedBytes = mf.RetainedBytes
		f.Detail += fmt.Sprintf("; retained_bytes measured at %s for %d goroutine(s)", m.at.UTC().Format(time.RFC3339), mf.Count)
	}
	return out
}

// retainedWait returns how long until the next measurement is allowed.
func (s *state) retainedWait(now time.Time) time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.retained.tried.IsZero() {
		return 0
	}
	return max(s.retained.tried.Add(s.opts.RetainedInterval).Sub(now), 0)
}

// measureRetained runs a proven detection cycle that measures retained
// memory, unless the rate limit or the process's state forbids it, and
// returns the HTTP status and message of the refusal (200 when measured).
func (s *state) measureRetained(now time.Time) (int, string) {
	if s.opts.RetainedInterval < 0 {
		return http.StatusForbidden, "retained memory measurements are disabled (Options.RetainedInterval is negative)"
	}
	if !verdict.ProvenAvailable() {
		return http.StatusNotImplemented, "retained memory is measured for proven leaks, and this Go runtime cannot prove leaks: build with Go 1.27, or Go 1.26 with GOEXPERIMENT=goroutineleakprofile"
	}
	s.proveMu.Lock()
	defer s.proveMu.Unlock()
	if wait := s.retainedWait(now); wait > 0 {
		return http.StatusTooManyRequests, fmt.Sprintf("retained memory is measured at most once per %v (each stops the process for a heap dump): retry in %v", s.opts.RetainedInterval, wait.Round(time.Second))
	}
	d, _, err := dumpGoroutines(nil)
	if err != nil {
		return http.StatusInternalServerError, "measure retained memory: " + err.Error()
	}
	for _, g := range d.Goroutines {
		if g.Leaked {
			return http.StatusConflict, "goroutines of this process are already proven leaked, and the Go runtime cannot dump the heap after that: retained memory is measured only before the first proven leak (report.json keeps the last measurement)"
		}
	}
	s.mu.Lock()
	s.retained.tried = now
	s.mu.Unlock()
	r, err := s.proveWith(retainedFind, now)
	if err != nil {
		return http.StatusInternalServerError, "measure retained memory: " + err.Error()
	}
	m := retainedMeasure{tried: now, at: now, byID: map[string]report.Finding{}}
	for _, f := range r.Findings {
		if f.RetainedBytes > 0 {
			m.byID[f.ID] = f
		}
	}
	s.mu.Lock()
	s.retained = m
	s.mu.Unlock()
	return http.StatusOK, ""
}
