// Package report is leakhound's report model: the findings every producer
// (the library, leakhound run and test, vet, inspect, the agent) builds, and
// their "leakhound.report/v1" JSON form described in the project's design.
// It imports only the standard library, so that the tracker leakhound builds
// into the instrumented standard library can carry a copy of it.
package report

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// Schema is the value of [Report.Schema]: the version of the JSON report format.
const Schema = "leakhound.report/v1"

// Kinds of [Finding].
const (
	KindGoroutine = "goroutine"
	KindResource  = "resource"
	KindFinalizer = "finalizer"
	KindStatic    = "static"
)

// Certainties of a [Finding]: proven findings come from the runtime's own
// evidence (GC reachability, a finalizer that ran); suspected ones never claim proof.
const (
	Proven    = "proven"
	Suspected = "suspected"
)

// Reasons of goroutine findings.
const (
	ReasonUnreachableWait = "unreachable-wait"
	ReasonStillRunning    = "still-running"
	ReasonLongBlocked     = "long-blocked"
)

// Reasons of resource findings.
const (
	ReasonClosedByGC    = "closed-by-gc"
	ReasonOpenAtEnd     = "open-at-end"
	ReasonFDUsedAfterGC = "fd-used-after-gc"
	ReasonHeldTooLong   = "held-too-long"
)

// Report is the result of one leak check. It marshals to the
// "leakhound.report/v1" JSON format described in the project's design.
type Report struct {
	Schema   string    `json:"schema"`
	Go       string    `json:"go"`
	Mode     string    `json:"mode"`
	Findings []Finding `json:"findings"`
}

// Finding is one leak, or a group of identical leaks ([Finding.Count]).
type Finding struct {
	ID            string  `json:"id"`
	Kind          string  `json:"kind"`
	Certainty     string  `json:"certainty"`
	Reason        string  `json:"reason"`
	Resource      string  `json:"resource"`
	Count         int     `json:"count"`
	Message       string  `json:"message"`
	Wait          string  `json:"wait,omitempty"`
	Detail        string  `json:"detail,omitempty"`
	Test          string  `json:"test,omitempty"`
	Package       string  `json:"package,omitempty"`
	Stack         []Frame `json:"stack"`
	Origin        []Frame `json:"origin"`
	RetainedBytes int64   `json:"retained_bytes"`
	Pos           string  `json:"pos,omitempty"`
}

// Frame is one function call in a stack, innermost first in [Finding.Stack]
// and [Finding.Origin].
type Frame struct {
	Func string `json:"func"`
	File string `json:"file"`
	Line int    `json:"line"`
}

// String formats the frame as "func file:line".
func (f Frame) String() string {
	return f.Func + " " + f.File + ":" + strconv.Itoa(f.Line)
}

// FindingID returns the stable identifier of a finding: a hash of its kind,
// reason and origin (function names, file base names and lines, so the same
// leak has the same id on every machine). Baselines and suppressions use it.
func FindingID(kind, reason string, origin []Frame) string {
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%s", kind, reason)
	for _, f := range origin {
		fmt.Fprintf(h, "\x00%s\x00%s:%d", f.Func, filepath.Base(f.File), f.Line)
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// Err returns nil when the report has no findings, and otherwise an error
// whose text describes every finding, one block each.
func (r *Report) Err() error {
	if r == nil || len(r.Findings) == 0 {
		return nil
	}
	return &LeakError{Report: r}
}

// LeakError is the error returned by [Report.Err].
type LeakError struct {
	Report *Report
}

func (e *LeakError) Error() string {
	var b strings.Builder
	n := 0
	for _, f := range e.Report.Findings {
		n += f.Count
	}
	fmt.Fprintf(&b, "leakhound: found %d leak(s) in %d group(s)", n, len(e.Report.Findings))
	for _, f := range e.Report.Findings {
		b.WriteString("\n\n")
		b.WriteString(f.Text())
	}
	return b.String()
}

// Is reports whether target is [ErrLeaks], so errors.Is(err, ErrLeaks) works.
func (e *LeakError) Is(target error) bool { return target == ErrLeaks }

// ErrLeaks matches every error returned by [Report.Err] under errors.Is.
var ErrLeaks = errors.New("leakhound: leaks found")

// Merge groups identical findings (same id, resource, reason, test and
// package), adding up their counts, and sorts them by test, kind, reason
// and id, so that reports are stable from run to run.
func Merge(fs []Finding) []Finding {
	out := []Finding{}
	index := map[string]int{}
	for _, f := range fs {
		k := strings.Join([]string{f.ID, f.Resource, f.Reason, f.Test, f.Package}, "\x00")
		if i, ok := index[k]; ok {
			out[i].Count += f.Count
			continue
		}
		index[k] = len(out)
		out = append(out, f)
	}
	slices.SortStableFunc(out, func(a, b Finding) int {
		return cmp.Or(
			cmp.Compare(a.Test, b.Test),
			cmp.Compare(a.Kind, b.Kind),
			cmp.Compare(a.Reason, b.Reason),
			cmp.Compare(a.ID, b.ID),
		)
	})
	return out
}
