package leakhound

import "github.com/leakhound/leakhound/report"

// The report model lives in package report, shared by every leakhound tool;
// these names keep it at hand for test authors.
type (
	// Report is the result of one leak check; see [report.Report].
	Report = report.Report
	// Finding is one leak, or a group of identical leaks; see [report.Finding].
	Finding = report.Finding
	// Frame is one function call in a stack; see [report.Frame].
	Frame = report.Frame
	// LeakError is the error returned by [Report.Err]; see [report.LeakError].
	LeakError = report.LeakError
)

// Schema is the value of [Report.Schema]: the version of the JSON report format.
const Schema = report.Schema

// Kinds of [Finding].
const (
	KindGoroutine = report.KindGoroutine
	KindResource  = report.KindResource
	KindFinalizer = report.KindFinalizer
	KindStatic    = report.KindStatic
)

// Certainties of a [Finding]: proven findings come from the runtime's own
// evidence (GC reachability, a finalizer that ran); suspected ones never claim proof.
const (
	Proven    = report.Proven
	Suspected = report.Suspected
)

// Reasons of goroutine findings.
const (
	ReasonUnreachableWait = report.ReasonUnreachableWait
	ReasonStillRunning    = report.ReasonStillRunning
	ReasonLongBlocked     = report.ReasonLongBlocked
)

// Reasons of resource findings.
const (
	ReasonClosedByGC    = report.ReasonClosedByGC
	ReasonOpenAtEnd     = report.ReasonOpenAtEnd
	ReasonFDUsedAfterGC = report.ReasonFDUsedAfterGC
	ReasonHeldTooLong   = report.ReasonHeldTooLong
)

// ErrLeaks matches every error returned by [Report.Err] under errors.Is.
var ErrLeaks = report.ErrLeaks

// FindingID returns the stable identifier of a finding; see [report.FindingID].
func FindingID(kind, reason string, origin []Frame) string {
	return report.FindingID(kind, reason, origin)
}
