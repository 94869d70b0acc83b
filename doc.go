// Package leakhound finds leaked goroutines in Go tests and programs, proves
// them with the runtime's own garbage-collector reachability analysis where
// the runtime can, and says where each leaked goroutine was created.
//
// In a test, one line is enough; the verdict runs when the test ends and is
// safe under t.Parallel, because leakhound charges a goroutine to the test
// whose goroutine created it (pprof labels are inherited by new goroutines):
//
//	func TestServe(t *testing.T) {
//		leakhound.Check(t)
//		...
//	}
//
// For a whole test binary, use [VerifyTestMain] from TestMain; anywhere else,
// [Find] reports the leaks present now.
//
// # Coming from goleak
//
// Tests written for go.uber.org/goleak run unchanged when its import is
// replaced by this package under the same name:
//
//	import goleak "github.com/leakhound/leakhound"
//
// [VerifyTestMain], [VerifyNone], [IgnoreTopFunction], [IgnoreAnyFunction],
// [IgnoreCreatedBy], [IgnoreCurrent], [Cleanup], [MaxRetryAttempts] and
// [MaxSleepInterval] keep goleak's meaning. [Find] returns a [Report] where
// goleak's returns only an error. docs/goleak.md lists every difference.
//
// # Proven and suspected leaks
//
// A goroutine blocked on a channel, mutex, wait group or condition that no
// runnable goroutine can reach will never run again. Go's goroutineleak
// profile finds such goroutines during a garbage collection (Go 1.27, or Go
// 1.26 built with GOEXPERIMENT=goroutineleakprofile); leakhound reports them
// with certainty "proven" and reason "unreachable-wait", at once, without
// waiting or retrying. What the collector cannot prove (a goroutine blocked on
// a global channel, a timer, sleeping, or in I/O) is reported as "suspected"
// with reason "still-running", after waiting a bounded time ([MaxWait]) for
// it to exit. When the goroutineleak profile is not available, every finding
// is suspected.
//
// # Reports
//
// Every entry point returns or prints a [Report], which marshals to the
// "leakhound.report/v1" JSON format shared by all leakhound tools. Identical
// leaks are grouped into one [Finding] with a count, and findings are sorted
// deterministically.
package leakhound
