package track

import (
	"strings"
	"time"

	"github.com/leakhound/leakhound/internal/policy"
	"github.com/leakhound/leakhound/internal/verdict"
	"github.com/leakhound/leakhound/report"
)

// testRun is a test that started and has not ended yet.
type testRun struct {
	name  string
	found []report.Finding // found while it ran (closed by the GC, held too long)
	// fdsAtStart are the descriptors open when it started (nil: not
	// listed); shared says another test ran meanwhile (a parallel test, or
	// a subtest of its own), so that a descriptor opened meanwhile cannot be
	// told its own by comparing the table with fdsAtStart.
	fdsAtStart map[int]bool
	shared     bool
}

// testStarted runs on the goroutine of a test when it starts (testing's
// tRunner). It makes the test the owner of its goroutine, so that it owns
// what the goroutine and the goroutines it starts open or start, and returns
// the function that reports the test's leaks when it and its cleanups are
// done. The testing package runs its root, which has no name, the same way:
// what TestMain opens or starts is not a test's.
func (t *tracker) testStarted(name string) func() string {
	var fds map[int]bool
	if name != "" && t.testVerdicts && runtimeSetOwner != nil && t.fdsAtStart != nil && !t.othersRunning(name) {
		fds = fdNumbers()
	}
	t.mu.Lock()
	t.inTests = true
	if name == "" || !t.testVerdicts || runtimeSetOwner == nil {
		t.mu.Unlock()
		return func() string { return "" }
	}
	t.lastID++
	id := t.lastID
	run := &testRun{name: name, fdsAtStart: fds}
	for _, other := range t.tests {
		// An ancestor's own descriptors cannot be told from its
		// subtests' any more; another test's, from this one's.
		other.shared = true
		run.shared = run.shared || !ancestor(other.name, name)
	}
	t.tests[id] = run
	t.names[id] = name
	t.mu.Unlock()
	runtimeSetOwner(id)
	return func() string { return t.testEnded(id) }
}

// othersRunning reports whether a test other than the ancestors of test
// name is running: name's own descriptors then cannot be told from its.
func (t *tracker) othersRunning(name string) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, other := range t.tests {
		if !ancestor(other.name, name) {
			return true
		}
	}
	return false
}

// ancestor reports whether test a is a parent (or grandparent...) of b.
func ancestor(a, b string) bool { return strings.HasPrefix(b, a+"/") }

// testGrace bounds the wait for resources a finished test's goroutines are
// still closing.
const testGrace = 200 * time.Millisecond

// goroutineGrace is how long a finished test's goroutines may take to exit
// before the collector is asked to prove them leaked (a garbage collection).
const goroutineGrace = 20 * time.Millisecond

// testMaxWait bounds the wait for a test's goroutines that the collector
// cannot prove leaked, as leakhound.Check does by default.
const testMaxWait = time.Second

// testSettle ends that wait earlier once the goroutines have stayed parked
// at the same stacks this long (verdict.Options.Settle): goroutines told to
// stop by the test's cleanups move within milliseconds, so waiting longer
// for parked ones only delays the same verdict. A goroutine that sleeps, or
// runs, still gets testMaxWait.
const testSettle = 250 * time.Millisecond

// testEnded reports what the test owner leaked: resources still open,
// resources the collector closed or found held too long while it ran, and
// goroutines it started that are still alive. It returns the message that
// fails the test, "" when there is none: nothing leaked, or the policy
// (internal/policy: a baseline's known findings, a configuration's ignore
// rules) lets every leak pass.
func (t *tracker) testEnded(owner uint64) string {
	t.mu.Lock()
	run := t.tests[owner]
	t.mu.Unlock()
	if run == nil {
		return "" // reported already
	}
	var left []*entry
	deadline := time.Now().Add(testGrace)
	for step := time.Millisecond; ; step = min(2*step, 20*time.Millisecond) {
		late := time.Now().After(deadline)
		if left = t.openOf(owner, late); len(left) == 0 || late {
			break
		}
		time.Sleep(step)
	}
	left = t.fdsOf(owner, run, left, deadline)
	ended := t.group(left, report.ReasonOpenAtEnd)
	goroutines := t.goroutinesOf(owner, run.name)
	t.mu.Lock()
	delete(t.tests, owner)
	fs := append(run.found, ended...)
	t.mu.Unlock()
	fs = append(fs, goroutines...)
	for i := range ended {
		t.emit(Event{Finding: &ended[i], Shown: true})
	}
	for i := range goroutines {
		t.emit(Event{Finding: &goroutines[i], Shown: true})
	}
	for _, f := range run.found {
		t.emit(Event{ShownID: f.ID})
	}
	kept, _ := t.policy.Apply(report.Merge(fs))
	failing := policy.Failing(kept)
	if len(failing) == 0 {
		return "" // nothing leaked, or only leaks the policy lets pass
	}
	return (&report.Report{Findings: failing}).Err().Error()
}

// goroutinesOf reports the goroutines test owner started that are still
// alive: proven leaked at once, the others after waiting up to testMaxWait
// for them to exit, less once they have settled (testSettle). A test whose
// goroutines are all gone costs one walk of the runtime's goroutine list: no
// dump, no garbage collection.
func (t *tracker) goroutinesOf(owner uint64, name string) []report.Finding {
	if runtimeOwned == nil {
		return nil
	}
	self := verdict.CurrentGoroutineID()
	owned := func() map[int64]bool {
		ids := runtimeOwned(owner, nil)
		m := make(map[int64]bool, len(ids))
		for _, id := range ids {
			if int64(id) != self {
				m[int64(id)] = true
			}
		}
		return m
	}
	// Goroutines told to stop by the test's cleanups often need a moment:
	// give them goroutineGrace before asking the collector.
	deadline := time.Now().Add(goroutineGrace)
	for step := 50 * time.Microsecond; len(owned()) > 0; step = min(2*step, 10*time.Millisecond) {
		if time.Now().After(deadline) {
			return t.goroutineVerdict(owned, name)
		}
		time.Sleep(step)
	}
	return nil
}

// goroutineVerdict runs the verdict of leakhound.Check on the goroutines
// owned returns, and remembers them as reported.
func (t *tracker) goroutineVerdict(owned func() map[int64]bool, name string) []report.Finding {
	o := &verdict.Options{MaxWait: testMaxWait, Settle: testSettle, IgnoreCreatedBy: pooledGoroutines}
	rep, ids, err := verdict.Run(o, verdict.Scope{Owned: owned, Test: name, Self: verdict.CurrentGoroutineID(), Mode: "test"})
	if err != nil {
		t.emit(Event{Note: "goroutine leak detection failed: " + err.Error()})
		return nil
	}
	t.mu.Lock()
	for _, group := range ids {
		for _, id := range group {
			t.reported[id] = true
		}
	}
	t.mu.Unlock()
	t.goroutineFindings(rep.Findings, ids)
	return rep.Findings
}

// pooledGoroutines are the functions whose go statements start the
// goroutines of a pool's connections: they live as long as the connection
// stays in its pool, like the connection itself (see pooled). HTTP/2 is
// bundled into net/http up to Go 1.26, a package of its own since 1.27.
var pooledGoroutines = []string{
	"net/http.(*Transport).dialConn",
	"net/http.(*http2Transport).newClientConn",
	"net/http.(*http2ClientConn).roundTrip",
	"net/http/internal/http2.(*Transport).newClientConn",
	"net/http/internal/http2.(*ClientConn).roundTrip",
}

// openOf returns the resources test owner still holds; with forget, they
// are also removed from the table (reported now, not again at exit).
func (t *tracker) openOf(owner uint64, forget bool) []*entry {
	t.mu.Lock()
	defer t.mu.Unlock()
	var left []*entry
	for k, e := range t.open {
		if e.owner == owner && reportable(e) && !pooled(e) {
			left = append(left, e)
			if forget {
				delete(t.open, k)
				t.forgetFd(e)
			}
		}
	}
	return left
}

// forgetFd remembers the descriptor of e, reported now, as reported, so
// that the exit report does not report it again when it finds it open.
// t.mu is held.
func (t *tracker) forgetFd(e *entry) {
	if e.fd >= 0 {
		t.fdReported[e.fd] = true
	}
}

// fdsOf returns left, what test owner leaves open, with its descriptor
// records completed (those closed meanwhile by a call leakhound does not
// see dropped) and, when no other test ran while it did, followed by the
// descriptors its run opened that nothing recorded (suspected), which may
// be closed until deadline, the end of the grace its tracked resources had.
func (t *tracker) fdsOf(owner uint64, run *testRun, left []*entry, deadline time.Time) []*entry {
	records := false
	for _, e := range left {
		records = records || e.kind == fdKind
	}
	t.mu.Lock()
	solo := run.fdsAtStart != nil && !run.shared
	t.mu.Unlock()
	if !records && (!solo || !t.anyNewFd(run.fdsAtStart, deadline)) {
		return left
	}
	tab := readFds()
	kept := describeFds(left, tab)
	var extra []*entry
	if solo && tab != nil {
		t.mu.Lock()
		extra = t.newFds(tab, run.fdsAtStart, owner)
		t.mu.Unlock()
	}
	return append(kept, extra...)
}
