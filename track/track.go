// Package track is the resource tracker of leakhound's instrumented standard
// library. Nobody imports it by hand: leakhound copies it into the
// instrumented GOROOT (as internal/leakhound/track), where testing's test
// runner imports it, so every test binary built with that GOROOT carries it;
// "leakhound run" links it into a program through a package of that GOROOT.
// The user's module is never changed.
//
// It sets the hooks of leakhound's instrumented standard library (see
// internal/instrument) through //go:linkname and keeps the table of open
// files, sockets, HTTP response bodies and database/sql handles (Rows, Stmt,
// Tx, Conn) with the stack that opened each. When a finalizer closes one the
// program never closed (or a database/sql handle becomes unreachable
// without Close, Commit or Rollback), and when a sql.Conn or sql.Tx stays
// checked out of its pool longer than a threshold, it prints one block on
// stderr at once, as it does when the finalizer queue keeps growing. At exit
// (main returning, os.Exit, or a fatal SIGINT, SIGTERM or SIGHUP) it adds the
// resources still open, a blocked finalizer, and the goroutines the garbage
// collector proves leaked, with the memory they keep alive when
// [EnvRetained] asks for it. In a test binary it attributes each resource and
// each goroutine to the test whose goroutine (or a goroutine it started)
// opened or started it, fails that test with its findings when it ends, and
// fails the binary (exit status 1) when leaks are found at its exit, so that
// go test never caches a leaky package as ok.
//
// Without the instrumented standard library the hooks are never called and
// the package does nothing: [Instrumented] reports false.
//
// Under leakhound, findings also go to the file named by the
// LEAKHOUND_REPORT environment variable, one JSON object per line (see
// [Event]); leakhound reads it when the program ends. The file named by
// LEAKHOUND_POLICY (internal/policy) says which findings pass: those a
// baseline lists and those an ignore rule matches fail no test and do not
// fail the binary at exit.
package track

import (
	"encoding/json"
	"fmt"
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/leakhound/leakhound/internal/policy"
	"github.com/leakhound/leakhound/report"
)

// Environment variables read by the tracker.
const (
	// EnvReport names the file that receives the findings as JSON lines.
	EnvReport = "LEAKHOUND_REPORT"
	// EnvQuiet, when "1", stops the tracker from printing findings on stderr.
	EnvQuiet = "LEAKHOUND_QUIET"
	// EnvRetained, when "1", makes the exit report measure the memory each
	// proven goroutine leak keeps alive (see docs/retained.md).
	EnvRetained = "LEAKHOUND_RETAINED"
	// EnvSignals, when "1", makes the tracker write its exit report when a
	// SIGINT, SIGTERM or SIGHUP the program does not handle kills it
	// (leakhound run). It costs os/signal's goroutine, which the program
	// could see, so test binaries never do it.
	EnvSignals = "LEAKHOUND_SIGNALS"
	// EnvTracker, when "off", leaves the tracker out: the instrumented
	// standard library then behaves as the original.
	EnvTracker = "LEAKHOUND_TRACKER"
	// EnvTests, when "0", turns the per-test verdicts off (Go's own tests of
	// the instrumented packages leave things open on purpose).
	EnvTests = "LEAKHOUND_TESTS"
	// EnvHeld is how long a sql.Conn or sql.Tx may stay checked out of its
	// pool before it is reported held-too-long, as a Go duration ("1m",
	// "0" for never; default [DefaultHeld]).
	EnvHeld = "LEAKHOUND_HELD"
)

// retainedProfileRate is the heap profile sampling rate when retained
// memory is measured, so that the exit report can name where large retained
// objects were allocated: Go's default, which the linker turns to 0 in a
// program that never reads the heap profile. An object of 4 MB is then
// sampled but for a chance of e^-8, one of 10 MB of e^-20. A higher rate
// names smaller objects but costs every allocating program: at 64 KB an
// HTTP round trip over loopback took about 5% longer (bench/overhead).
const retainedProfileRate = 512 << 10

// DefaultHeld is the default held-too-long threshold: far longer than a
// request or a transaction should keep a pooled connection, short enough to
// show up in a test run.
const DefaultHeld = time.Minute

// Event is one line of the report file.
type Event struct {
	// Finding is a leak, found as it happened or at the end.
	Finding *report.Finding `json:"finding,omitempty"`
	// Live says the tracker printed Finding on stderr as it happened.
	Live bool `json:"live,omitempty"`
	// Shown says the test binary showed Finding in go test's output: in the
	// failure of its test, or when the binary exited.
	Shown bool `json:"shown,omitempty"`
	// ShownID says that the finding with this id, saved before, was shown
	// in go test's output.
	ShownID string `json:"shown_id,omitempty"`
	// Note is something the user should know about the run (a limitation).
	Note string `json:"note,omitempty"`
	// Final marks the end of the report: the program reached its exit.
	Final bool `json:"final,omitempty"`
}

var tr = newTracker()

func init() {
	if !osInstrumented || osOpen != nil || os.Getenv(EnvTracker) == "off" {
		// Not instrumented, turned off, or another copy of the tracker
		// (leakhound's own tests of this package, under leakhound test)
		// set the hooks already.
		return
	}
	tr.quiet = os.Getenv(EnvQuiet) == "1"
	tr.testVerdicts = os.Getenv(EnvTests) != "0"
	// Read before the hooks are set, so the file is not tracked.
	if p, err := policy.FromEnv(); err != nil {
		fmt.Fprintf(os.Stderr, "leakhound: %v: known leaks fail as new ones\n", err)
	} else {
		tr.policy = p
	}
	tr.pkg = testPackage()
	tr.retained = os.Getenv(EnvRetained) == "1"
	if v := os.Getenv(EnvHeld); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < 0 {
			fmt.Fprintf(os.Stderr, "leakhound: %s=%q is not a duration such as 1m: using %v\n", EnvHeld, v, DefaultHeld)
		} else {
			tr.held = d
		}
	}
	// The configuration's thresholds for this test binary's package.
	held, retained := tr.policy.ThresholdsFor(tr.pkg)
	if held != nil {
		tr.held = *held
	}
	if retained != nil {
		tr.retained = *retained
	}
	if tr.retained && runtime.MemProfileRate == 0 {
		runtime.MemProfileRate = retainedProfileRate
	}
	if path := os.Getenv(EnvReport); path != "" {
		// Opened before the hooks are set, so the report file is not tracked.
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
		if err != nil {
			fmt.Fprintf(os.Stderr, "leakhound: cannot write the report: %v\n", err)
		} else {
			tr.out = f
		}
	}
	startNetpoll()
	tr.fdsAtStart = fdNumbers()
	if tr.recordFds = syscallFdRecords; tr.recordFds {
		syscallFdOpened, syscallFdClosed = tr.fdOpened, tr.fdClosed
	}
	osOpen, netOpen, httpOpen, sqlOpen, execOpen = tr.opened, tr.opened, tr.opened, tr.opened, tr.opened
	osClose, netClose, httpClose, sqlClose, execClose = tr.closed, tr.closed, tr.closed, tr.closed, tr.closed
	osGC, netGC, httpGC, sqlGC, execGC = tr.collected, tr.collected, tr.collected, tr.collected, tr.collected
	osRaw, netRaw = tr.handedOut, tr.handedOut
	testingTest = tr.testStarted
	runtimeCapturing = true
	osAtExit(func() { tr.exit(0) })
	osExit = tr.exit
	if os.Getenv(EnvSignals) == "1" {
		watchSignals()
	}
	background(tr.watch)
}

// testPackage returns the import path of the package a test binary tests
// (the go command names test binaries "path.test"), or "".
func testPackage() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return ""
	}
	pkg, _ := strings.CutSuffix(bi.Path, ".test")
	if pkg == bi.Path {
		return ""
	}
	return pkg
}

// startNetpoll makes the runtime open its network poller's descriptors
// (epoll and an eventfd on Linux) now, before the tracker takes the
// descriptors open at its start, so that they are never taken for the
// program's: it opens a pipe (pollable) and closes it.
func startNetpoll() {
	r, w, err := os.Pipe()
	if err == nil {
		r.Close()
		w.Close()
	}
}

// watchSignals writes the final report when a signal that would kill the
// program arrives and the program does not handle it itself, then lets the
// signal kill the program as it would have.
func watchSignals() {
	var sigs []os.Signal
	for _, s := range []os.Signal{syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP} {
		if !signal.Ignored(s) {
			sigs = append(sigs, s)
		}
	}
	c := make(chan os.Signal, 1)
	notified := make(chan struct{})
	// Notified on the relay's goroutine, so that the goroutines os/signal
	// starts are background ones too; waited for, so that no signal is
	// missed once the program runs.
	background(func() {
		signal.Notify(c, sigs...)
		close(notified)
		relaySignals(c)
	})
	<-notified
}

// relaySignals is the goroutine of watchSignals.
func relaySignals(c <-chan os.Signal) {
	for s := range c {
		if signalHandlers != nil && signalHandlers(s) > 1 {
			// The program was notified of this delivery too: it handles
			// the signal and decides how to end. (Counted at delivery: by
			// now it may have reset its handlers.)
			continue
		}
		tr.exit(0)
		signal.Reset(s)
		raise(s)
	}
}

// entry is one open resource.
type entry struct {
	kind          string
	fd            int
	name          string
	local, remote any
	pcs           []uintptr
	owner         uint64 // the test that opened it (0: none)
	test          string // its name
	raw           bool
	// Of a descriptor record (fdKind): whether a tracked resource owns the
	// descriptor, and whether the standard library opened it (0: not
	// known yet, 1: yes, 2: no).
	covered bool
	byStd   int8
	// Of a descriptor found open that nothing recorded: the stack that
	// found it (pcs is nil).
	foundAt []uintptr

	// Of a pooled connection checked out (sql.Conn, sql.Tx): since when,
	// and whether it was reported held too long.
	since    time.Time
	reported bool
}

type tracker struct {
	mu     sync.Mutex
	open   map[uintptr]*entry
	tests  map[uint64]*testRun // running tests, by owner
	done   bool
	held   time.Duration // 0: never report held-too-long
	queue  queueWatch
	lastID uint64 // the last owner given to a test
	// reported are the goroutines already reported by their test's verdict,
	// not reported again at exit.
	reported map[int64]bool
	// inTests is set once a test started: this is a test binary.
	inTests bool
	// names are the names of the tests started, by owner, ended or not.
	names map[uint64]string
	// printed counts the findings printed as they happened, by id.
	printed map[string]int

	// policy says which findings pass (known to a baseline); nil: none.
	policy       *policy.Policy
	pkg          string // the package under test, in a test binary
	quiet        bool
	retained     bool // measure retained memory at exit
	testVerdicts bool // fail tests that leak
	outMu        sync.Mutex
	out          *os.File

	// recordFds says package syscall records the descriptors it hands out
	// (Linux on amd64 and arm64). fdsAtStart are the descriptors open when
	// the tracker started (the runtime's, the test binary's), fdReported
	// those a test reported, not again at exit.
	recordFds  bool
	fdsAtStart map[int]bool
	fdReported map[int]bool
}

func newTracker() *tracker {
	return &tracker{
		open:         map[uintptr]*entry{},
		tests:        map[uint64]*testRun{},
		reported:     map[int64]bool{},
		names:        map[uint64]string{},
		printed:      map[string]int{},
		fdReported:   map[int]bool{},
		held:         DefaultHeld,
		testVerdicts: true,
	}
}

func (t *tracker) opened(kind string, key uintptr, fd int, name string, local, remote any) {
	e := &entry{kind: kind, fd: fd, name: name, local: local, remote: remote, pcs: callerPCs()}
	e.owner = owner()
	if checkedOut(kind) {
		e.since = time.Now()
	}
	t.mu.Lock()
	if e.owner != 0 {
		e.test = t.names[e.owner]
	}
	if !t.done {
		t.open[key] = e
		if kind != fdKind {
			t.cover(fd)
		}
	}
	t.mu.Unlock()
}

// checkedOut reports whether a resource of kind holds a connection checked
// out of a database/sql pool, which it returns when closed.
func checkedOut(kind string) bool { return kind == "sql.Conn" || kind == "sql.Tx" }

func (t *tracker) closed(key uintptr) {
	t.mu.Lock()
	e := t.open[key]
	delete(t.open, key)
	// Only a pooled connection checked out has a time (reading the clock
	// costs every other Close).
	late := e != nil && !e.since.IsZero() && t.heldTooLong(e, time.Now())
	t.mu.Unlock()
	if late {
		t.reportHeld(e)
	}
}

// heldTooLong reports whether e, a pooled connection, was held out of its
// pool past the threshold and not yet reported; it marks it reported. t.mu
// is held.
func (t *tracker) heldTooLong(e *entry, now time.Time) bool {
	if e.since.IsZero() || e.reported || t.held <= 0 || now.Sub(e.since) < t.held {
		return false
	}
	e.reported = true
	return true
}

func (t *tracker) reportHeld(e *entry) {
	f := t.finding(e, report.ReasonHeldTooLong)
	f.Message = heldMessage(e.kind, t.held)
	t.found(e.owner, f)
}

// found reports f as it happens, and keeps it for the verdict of the test
// that owns it.
func (t *tracker) found(owner uint64, f report.Finding) {
	t.mu.Lock()
	if run := t.tests[owner]; run != nil {
		run.found = append(run.found, f)
	}
	t.mu.Unlock()
	t.report(f)
}

func (t *tracker) handedOut(key uintptr) {
	if !calledByUser() {
		return
	}
	t.mu.Lock()
	if e := t.open[key]; e != nil {
		e.raw = true
	}
	t.mu.Unlock()
}

// collected runs in the finalizer of a resource the program never closed.
func (t *tracker) collected(key uintptr) {
	t.mu.Lock()
	e := t.open[key]
	delete(t.open, key)
	done := t.done
	t.mu.Unlock()
	if e == nil || done {
		return
	}
	reason := report.ReasonClosedByGC
	if e.raw {
		reason = report.ReasonFDUsedAfterGC
	}
	t.found(e.owner, t.finding(e, reason))
}

// report prints f on stderr and saves it in the report file. A leak seen
// before (the same id) is printed in one line with its running count.
func (t *tracker) report(f report.Finding) {
	if !t.quiet {
		t.mu.Lock()
		t.printed[f.ID]++
		n := t.printed[f.ID]
		t.mu.Unlock()
		if n == 1 {
			fmt.Fprintf(os.Stderr, "leakhound: %s\n", f.Text())
		} else {
			fmt.Fprintf(os.Stderr, "leakhound: %s leak again: %s %s [id %s] (%d times so far)\n", f.Certainty, f.Resource, f.Reason, f.ID, n)
		}
	}
	t.emit(Event{Finding: &f, Live: !t.quiet})
}

func (t *tracker) emit(ev Event) {
	if t.out == nil {
		return
	}
	data, err := json.Marshal(ev)
	if err != nil {
		return
	}
	t.outMu.Lock()
	defer t.outMu.Unlock()
	t.out.Write(append(data, '\n'))
}

// watchTick is how often the background goroutine checks the pooled
// connections held out of their pool and samples the finalizer queues.
const watchTick = 200 * time.Millisecond

// watch runs on the tracker's background goroutine, invisible to the
// program, until the program exits.
func (t *tracker) watch() {
	t.queue.init()
	for {
		time.Sleep(watchTick)
		t.mu.Lock()
		if t.done {
			t.mu.Unlock()
			return
		}
		now := time.Now()
		var late []*entry
		for _, e := range t.open {
			if t.heldTooLong(e, now) {
				late = append(late, e)
			}
		}
		t.mu.Unlock()
		for _, e := range late {
			t.reportHeld(e)
		}
		t.sampleQueues()
	}
}
