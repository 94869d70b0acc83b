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
	"runtime"
	"slices"
	"strconv"
	"strings"
)

// Schema is the value of [Report.Schema]: the version of the JSON report format.
const Schema = "leakhound.report/v1"

// Kind says what leaked: the value of [Finding.Kind].
type Kind string

// Kinds of [Finding].
const (
	KindGoroutine Kind = "goroutine" // a goroutine that outlived its purpose
	KindResource  Kind = "resource"  // a file, socket, response body or database handle
	KindFinalizer Kind = "finalizer" // the finalizer goroutine or its queue
	KindStatic    Kind = "static"    // a diagnostic of leakhound vet
)

// Certainty says how sure a finding is: the value of [Finding.Certainty].
type Certainty string

// Certainties of a [Finding]: proven findings come from the runtime's own
// evidence (GC reachability, a finalizer that ran); suspected ones never claim proof.
const (
	Proven    Certainty = "proven"
	Suspected Certainty = "suspected"
)

// Reason says why a finding is a leak: the value of [Finding.Reason]. The
// reason of a static finding is the name of the analyzer that reported it.
type Reason string

// Reasons of goroutine findings.
const (
	ReasonUnreachableWait Reason = "unreachable-wait" // blocked where no runnable goroutine can reach (GC-proven)
	ReasonStillRunning    Reason = "still-running"    // outlived its test or program
	ReasonLongBlocked     Reason = "long-blocked"     // blocked at one site for long, in many copies, or growing
)

// Reasons of resource findings.
const (
	ReasonClosedByGC    Reason = "closed-by-gc"     // reclaimed by a finalizer or cleanup without Close
	ReasonOpenAtEnd     Reason = "open-at-end"      // still open when its test or program ended
	ReasonFDUsedAfterGC Reason = "fd-used-after-gc" // its raw descriptor outlived the owner the GC closed
	ReasonHeldTooLong   Reason = "held-too-long"    // checked out of a pool longer than the threshold
)

// Reasons of finalizer findings.
const (
	ReasonBlocked Reason = "blocked" // the finalizer goroutine is stuck in one finalizer
	ReasonBacklog Reason = "backlog" // finalizers are queued faster than they run
	// ReasonUnrunnable is a finalizer that can never run. The format
	// declares it; no leakhound tool reports it yet.
	ReasonUnrunnable Reason = "unrunnable"
)

// Mode says which tool made a report: the value of [Report.Mode].
type Mode string

// Modes of a [Report]. The library and the agent report as [ModeRun],
// leakhound test and a test's Check as [ModeTest].
const (
	ModeTest    Mode = "test"
	ModeRun     Mode = "run"
	ModeInspect Mode = "inspect"
	ModeVet     Mode = "vet"
)

// Report is the result of one leak check. It marshals to the
// "leakhound.report/v1" JSON format described in the project's design.
type Report struct {
	Schema   string    `json:"schema"`
	Go       string    `json:"go"`
	Mode     Mode      `json:"mode"`
	Findings []Finding `json:"findings"`
}

// Finding is one leak, or a group of identical leaks ([Finding.Count]).
//
// ID is precise to the line ([FindingID]); StableID survives edits that
// move lines ([StableID]) and is what baselines list. Known says a baseline
// lists the finding: it is reported but does not fail the run.
type Finding struct {
	ID            string    `json:"id"`
	StableID      string    `json:"stable_id"`
	Known         bool      `json:"known"`
	Kind          Kind      `json:"kind"`
	Certainty     Certainty `json:"certainty"`
	Reason        Reason    `json:"reason"`
	Resource      string    `json:"resource"`
	Count         int       `json:"count"`
	Message       string    `json:"message"`
	Wait          string    `json:"wait,omitempty"`
	Detail        string    `json:"detail,omitempty"`
	Test          string    `json:"test,omitempty"`
	Package       string    `json:"package,omitempty"`
	Stack         []Frame   `json:"stack"`
	Origin        []Frame   `json:"origin"`
	RetainedBytes int64     `json:"retained_bytes"`
	Pos           string    `json:"pos,omitempty"`
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

// FindingID returns the line-precise identifier of a finding: a hash of its
// kind, reason and origin (function names, file base names and lines, so the
// same leak has the same id on every machine). It changes when a line above
// the leak is added; baselines use [StableID], which does not.
func FindingID(kind Kind, reason Reason, origin []Frame) string {
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

// New returns a report of mode holding findings with their stable ids
// ([AssignStableIDs]), in the order of [Sort],
// made by this program: Schema is [Schema], Go is [runtime.Version]. A
// report without findings holds an empty list, never null.
func New(mode Mode, findings []Finding) *Report {
	if findings == nil {
		findings = []Finding{}
	}
	AssignStableIDs(findings)
	Sort(findings)
	return &Report{Schema: Schema, Go: runtime.Version(), Mode: mode, Findings: findings}
}

// Merge groups identical findings (same id, resource, reason, test and
// package), adding up their counts (a group is known when one of its
// findings is), sets their stable ids ([AssignStableIDs]) and returns them
// in the order of [Sort].
func Merge(fs []Finding) []Finding {
	out := []Finding{}
	type group struct {
		id, resource string
		reason       Reason
		test, pkg    string
	}
	index := map[group]int{}
	for _, f := range fs {
		k := group{f.ID, f.Resource, f.Reason, f.Test, f.Package}
		if i, ok := index[k]; ok {
			out[i].Count += f.Count
			out[i].Known = out[i].Known || f.Known
			continue
		}
		index[k] = len(out)
		out = append(out, f)
	}
	AssignStableIDs(out)
	Sort(out)
	return out
}

// Sort puts findings in the one order every report uses, so that reports
// are stable from run to run: see [Compare].
func Sort(fs []Finding) {
	slices.SortStableFunc(fs, Compare)
}

// Compare orders findings by package and test; then proven before
// suspected, largest count first; then by kind, position (static
// findings: file, then line and column as numbers), reason, resource,
// stack, origin and id.
func Compare(a, b Finding) int {
	return cmp.Or(
		cmp.Compare(a.Package, b.Package),
		cmp.Compare(a.Test, b.Test),
		cmp.Compare(certaintyRank(a.Certainty), certaintyRank(b.Certainty)),
		cmp.Compare(b.Count, a.Count),
		cmp.Compare(a.Kind, b.Kind),
		comparePos(a.Pos, b.Pos),
		cmp.Compare(a.Reason, b.Reason),
		cmp.Compare(a.Resource, b.Resource),
		slices.CompareFunc(a.Stack, b.Stack, compareFrames),
		slices.CompareFunc(a.Origin, b.Origin, compareFrames),
		cmp.Compare(a.ID, b.ID),
	)
}

func certaintyRank(c Certainty) int {
	if c == Proven {
		return 0
	}
	return 1
}

func compareFrames(a, b Frame) int {
	return cmp.Or(cmp.Compare(a.Func, b.Func), cmp.Compare(a.File, b.File), cmp.Compare(a.Line, b.Line))
}

// comparePos orders "file:line:col" positions by file, then line and
// column as numbers.
func comparePos(a, b string) int {
	af, al, ac := splitPos(a)
	bf, bl, bc := splitPos(b)
	return cmp.Or(cmp.Compare(af, bf), cmp.Compare(al, bl), cmp.Compare(ac, bc))
}

// splitPos splits "file:line:col" (or "file:line"); what does not parse
// stays in file.
func splitPos(pos string) (file string, line, col int) {
	file = pos
	for _, n := range []*int{&col, &line} {
		i := strings.LastIndexByte(file, ':')
		if i < 0 {
			break
		}
		v, err := strconv.Atoi(file[i+1:])
		if err != nil {
			break
		}
		*n, file = v, file[:i]
	}
	if line == 0 { // "file:line": the only number is the line
		line, col = col, 0
	}
	return file, line, col
}

// Reasons returns the reasons a finding of kind may have; nil for
// [KindStatic], whose reason is the name of an analyzer.
func Reasons(kind Kind) []Reason {
	switch kind {
	case KindGoroutine:
		return []Reason{ReasonUnreachableWait, ReasonStillRunning, ReasonLongBlocked}
	case KindResource:
		return []Reason{ReasonClosedByGC, ReasonOpenAtEnd, ReasonFDUsedAfterGC, ReasonHeldTooLong}
	case KindFinalizer:
		return []Reason{ReasonBlocked, ReasonBacklog, ReasonUnrunnable}
	}
	return nil
}

// Validate reports the first way in which r breaks the report format: the
// schema, a mode, a Go version, findings that are a list (never null), each
// with a 16-digit hex id and stable_id, a declared kind, certainty and reason (any
// analyzer name for static findings), a count of at least one, a message
// and a stack or an origin (a resource still open has only the stack that
// opened it); findings in the order of [Sort].
func (r *Report) Validate() error {
	switch {
	case r == nil:
		return errors.New("no report")
	case r.Schema != Schema:
		return fmt.Errorf("schema %q, want %q", r.Schema, Schema)
	case !slices.Contains([]Mode{ModeTest, ModeRun, ModeInspect, ModeVet}, r.Mode):
		return fmt.Errorf("mode %q is not one of test, run, inspect, vet", r.Mode)
	case !strings.HasPrefix(r.Go, "go"):
		return fmt.Errorf("go %q is not a Go version", r.Go)
	case r.Findings == nil:
		return errors.New("findings is null, want a list")
	}
	for i, f := range r.Findings {
		if err := f.validate(); err != nil {
			return fmt.Errorf("finding %d (%s): %v", i, f.ID, err)
		}
	}
	for i := 1; i < len(r.Findings); i++ {
		if Compare(r.Findings[i-1], r.Findings[i]) > 0 {
			return fmt.Errorf("findings %d and %d are not in the order of Sort", i-1, i)
		}
	}
	return nil
}

func (f Finding) validate() error {
	if !isHexID(f.ID) {
		return fmt.Errorf("id %q is not 16 hex digits", f.ID)
	}
	if !isHexID(f.StableID) {
		return fmt.Errorf("stable_id %q is not 16 hex digits", f.StableID)
	}
	switch reasons := Reasons(f.Kind); {
	case f.Kind == KindStatic:
		if f.Reason == "" {
			return errors.New("static finding without the analyzer's name as reason")
		}
	case reasons == nil:
		return fmt.Errorf("kind %q is not declared", f.Kind)
	case !slices.Contains(reasons, f.Reason):
		return fmt.Errorf("reason %q is not one of the %s reasons %v", f.Reason, f.Kind, reasons)
	}
	switch {
	case f.Certainty != Proven && f.Certainty != Suspected:
		return fmt.Errorf("certainty %q is neither proven nor suspected", f.Certainty)
	case f.Count < 1:
		return fmt.Errorf("count %d", f.Count)
	case f.Message == "":
		return errors.New("no message")
	case len(f.Stack) == 0 && len(f.Origin) == 0:
		return errors.New("neither a stack nor an origin")
	}
	return nil
}
