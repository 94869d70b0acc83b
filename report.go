package leakhound

import "github.com/leakhound/leakhound/report"

// The report model lives in package report, shared by every leakhound tool
// (its kinds, certainties and reasons are declared there); these names keep
// it at hand for test authors.
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

// ErrLeaks matches every error returned by [Report.Err] under errors.Is.
var ErrLeaks = report.ErrLeaks
