package stack

import (
	"fmt"
	"time"

	"github.com/leakhound/leakhound/report"
)

// Frame is one call: Func is the function name as printed without arguments
// ("main.(*T).m", "main.main.func1", "runtime.gopark"); File is the absolute
// path of the source file; Line is the line number in it.
type Frame struct {
	Func string
	File string
	Line int
}

// Goroutine is one goroutine of a debug=2 / runtime.Stack(all) / panic /
// SIGQUIT dump.
type Goroutine struct {
	ID int64
	// State is the wait reason or status as printed, without " (leaked)"
	// and without the ", N minutes" / ", locked to thread" parts:
	// "chan receive", "running", "select (no cases)",
	// "chan receive (nil chan)", "sync.WaitGroup.Wait".
	State string
	// Leaked reports that the header carried " (leaked)": the goroutineleak
	// GC proved the goroutine can never run again.
	Leaked bool
	// Waiting is the ", N minutes" part of the header (0 when absent).
	Waiting time.Duration
	// LockedToThread reports that the header carried ", locked to thread".
	LockedToThread bool
	// Labels are the goroutine's pprof labels, printed in the header when
	// GODEBUG=tracebacklabels=1 (Go 1.26: inside the brackets,
	// `[select labels:{"k": "v"}]:`; Go 1.27, where it is the default for
	// modules declaring go >= 1.27: after them, `[select] {k: v}:`, quoting
	// only what needs it); nil when absent. Goroutines with the same labels
	// share one map: do not modify it.
	Labels map[string]string
	// Frames is the stack, innermost first.
	Frames []Frame
	// Elided reports that "...additional frames elided..." was seen.
	Elided bool
	// CreatedBy is the "created by F in goroutine N" frame (nil when absent,
	// e.g. for the main goroutine).
	CreatedBy *Frame
	// CreatorID is N of "in goroutine N", 0 when absent.
	CreatorID int64
	// Ancestors is the GODEBUG=tracebackancestors=N output, nearest first.
	Ancestors []Ancestor
	// Bubble is N of ", synctest bubble N" (0 when absent).
	Bubble int64
	// StackUnavailable reports that the runtime printed "goroutine running
	// on other thread; stack unavailable" instead of frames.
	StackUnavailable bool
}

// Ancestor is one "[originating from goroutine N]:" block printed under a
// goroutine when GODEBUG=tracebackancestors=N is set.
type Ancestor struct {
	ID     int64
	Frames []Frame // innermost first
	Elided bool    // "...additional frames elided..." seen
	// CreatedBy is the ancestor's "created by F" frame (nil when absent).
	CreatedBy *Frame
}

// Dump is a parsed debug=2 style dump.
type Dump struct {
	// Preamble is the text before the first goroutine ("panic: boom",
	// "fatal error: ...", "SIGQUIT: quit" ...), trimmed.
	Preamble   string
	Goroutines []Goroutine
	// Trailer is the text after the first goroutine that belongs to no
	// goroutine (register dumps, further "SIGQUIT: quit" sections of
	// GOTRACEBACK=crash, "exit status 2"), non-blank lines only.
	Trailer string
}

// Record is one entry of a debug=1 profile ("N @ 0x... 0x...", optional
// "# labels: {...}", "#\t0x.. func+0x.. file:line").
type Record struct {
	Count  int
	PCs    []uint64
	Labels map[string]string // shared by records with the same labels: do not modify
	Frames []Frame
}

// Profile is a parsed debug=1 text profile ("goroutine profile: total N",
// "goroutineleak profile: total N").
type Profile struct {
	Name    string
	Total   int
	Records []Record
}

// Format names what Detect saw.
type Format int

// The formats Detect tells apart.
const (
	// FormatUnknown is anything else.
	FormatUnknown Format = iota
	// FormatDump is debug=2, runtime.Stack(all), panic or SIGQUIT text.
	FormatDump
	// FormatProfileText is a debug=1 text profile.
	FormatProfileText
	// FormatProto is a gzip'd pprof protocol buffer (starts with 0x1f 0x8b).
	FormatProto
)

// ParseError says where and why parsing failed.
type ParseError struct {
	Line   int    // 1-based line number
	Text   string // the offending line, shortened
	Reason string
	// cut reports that the input ended where more was expected.
	cut bool
}

// Error returns "line 12: <reason>: \"text\"".
func (e *ParseError) Error() string {
	return fmt.Sprintf("line %d: %s: %q", e.Line, e.Reason, e.Text)
}

// ReportFrames converts parsed frames to the frames of a report finding,
// in the same order; never nil.
func ReportFrames(fs []Frame) []report.Frame {
	out := make([]report.Frame, 0, len(fs))
	for _, f := range fs {
		out = append(out, report.Frame{Func: f.Func, File: f.File, Line: f.Line})
	}
	return out
}
