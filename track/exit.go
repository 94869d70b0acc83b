package track

import (
	"fmt"
	"os"
	"time"

	"github.com/leakhound/leakhound/internal/fdtable"
	"github.com/leakhound/leakhound/internal/policy"
	"github.com/leakhound/leakhound/internal/verdict"
	"github.com/leakhound/leakhound/report"
)

// exit writes the final report when the program ends (main returns,
// os.Exit, a fatal signal): resources still open, a blocked finalizer, and
// goroutines the garbage collector proves leaked (those a test's verdict
// reported already aside). It runs once. code is the status the program
// exits with; in a test binary, when leaks were found, the findings are
// printed and a zero status becomes 1, so that go test reports the package
// as failed and never caches it as ok; findings the policy knows are
// reported but change no status.
func (t *tracker) exit(code int) int {
	t.settle()
	var tab map[int]fdtable.FD
	if t.fdsAtStart != nil {
		tab = readFds()
	}
	t.mu.Lock()
	if t.done {
		t.mu.Unlock()
		return code
	}
	t.done = true
	var left []*entry
	for _, e := range t.open {
		if reportable(e) && !(e.kind == fdKind && t.fdReported[e.fd]) && !pooled(e) && !openedByTesting(e) {
			left = append(left, e)
		}
	}
	var untracked []*entry
	if tab != nil {
		untracked = t.newFds(tab, t.fdsAtStart, 0)
	}
	t.open = map[uintptr]*entry{}
	inTests := t.inTests && t.testVerdicts
	ignore := make(map[int64]bool, len(t.reported))
	for id := range t.reported {
		ignore[id] = true
	}
	t.mu.Unlock()

	fs := t.group(append(describeFds(left, tab), untracked...), report.ReasonOpenAtEnd)
	fs = append(fs, finalizerFindings()...)
	if verdict.ProvenAvailable() {
		o := &verdict.Options{ProvenOnly: true, Retained: t.retained, IgnoreIDs: ignore, IgnoreCreatedBy: pooledGoroutines}
		rep, ids, err := verdict.Run(o, verdict.Scope{Self: verdict.CurrentGoroutineID(), Mode: "run"})
		if err != nil {
			t.emit(Event{Note: "goroutine leak detection failed: " + err.Error()})
		} else {
			t.goroutineFindings(rep.Findings, ids)
			fs = append(fs, rep.Findings...)
		}
	} else {
		t.emit(Event{Note: "goroutine leaks are not proven: this Go has no goroutineleak profile (use Go 1.27, or Go 1.26 with GOEXPERIMENT=goroutineleakprofile)"})
	}
	kept, _ := t.policy.Apply(report.Merge(fs))
	failing := policy.Failing(kept)
	show := inTests && len(failing) > 0
	for i := range fs {
		t.emit(Event{Finding: &fs[i], Shown: show})
	}
	t.emit(Event{Final: true})
	if !show {
		return code
	}
	fmt.Fprintf(os.Stderr, "leakhound: when the test binary exited, after its tests:\n%v\n", (&report.Report{Findings: failing}).Err())
	if code == 0 {
		code = 1
	}
	return code
}

// settle waits, briefly, while the table of open resources shrinks: at exit
// other goroutines may still be closing what main's deferred calls shut.
func (t *tracker) settle() {
	deadline := time.Now().Add(exitGrace)
	last := -1
	for time.Now().Before(deadline) {
		t.mu.Lock()
		n := len(t.open)
		done := t.done
		t.mu.Unlock()
		if done || n == 0 || n == last {
			return
		}
		last = n
		time.Sleep(10 * time.Millisecond)
	}
}

// exitGrace bounds the wait of settle.
const exitGrace = 250 * time.Millisecond
