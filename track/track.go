// Package track is the resource tracker that "leakhound run" and "leakhound
// test" link into the program or test binary they build. Nobody needs to
// import it by hand: leakhound adds a file importing it to the main package
// (or to the package under test) through "go build -overlay".
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
// collector proves leaked ([leakhound.Find] with [leakhound.ProvenOnly]),
// with the memory they keep alive when [EnvRetained] asks for it
// ([leakhound.RetainedBytes]). Under "leakhound test" it attributes each
// resource to the test whose goroutine (or a goroutine it started) opened
// it, and fails that test with its findings.
//
// Without the instrumented standard library the hooks are never called and
// the package does nothing: [Instrumented] reports false.
//
// Findings go to the file named by the LEAKHOUND_REPORT environment variable,
// one JSON object per line (see [Event]); leakhound reads it when the program
// ends.
package track

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/signal"
	"runtime"
	"runtime/pprof"
	"sync"
	"syscall"
	"time"
	_ "unsafe" // for go:linkname

	"github.com/leakhound/leakhound"
)

// Environment variables read by the tracker.
const (
	// EnvReport names the file that receives the findings as JSON lines.
	EnvReport = "LEAKHOUND_REPORT"
	// EnvQuiet, when "1", stops the tracker from printing findings on stderr.
	EnvQuiet = "LEAKHOUND_QUIET"
	// EnvRetained, when "1", makes the exit report measure the memory each
	// proven goroutine leak keeps alive (see [leakhound.RetainedBytes]).
	EnvRetained = "LEAKHOUND_RETAINED"
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

// testLabel is the profiler label that carries the name of the test that
// started a goroutine.
const testLabel = "leakhound.test"

// Event is one line of the report file.
type Event struct {
	// Finding is a leak, found as it happened or at the end.
	Finding *leakhound.Finding `json:"finding,omitempty"`
	// Live says the tracker printed Finding on stderr as it happened.
	Live bool `json:"live,omitempty"`
	// Note is something the user should know about the run (a limitation).
	Note string `json:"note,omitempty"`
	// Final marks the end of the report: the program reached its exit.
	Final bool `json:"final,omitempty"`
}

// Hooks of the instrumented standard library, declared there with the push
// form of //go:linkname. Without instrumentation these variables are only
// declared here, stay zero, and nothing is tracked.
var (
	//go:linkname osInstrumented os.leakhoundInstrumented
	osInstrumented bool
	//go:linkname osAtExit os.leakhoundAtExit
	osAtExit func(func())

	//go:linkname osOpen os.leakhoundOpen
	osOpen openHook
	//go:linkname osClose os.leakhoundClose
	osClose keyHook
	//go:linkname osGC os.leakhoundGC
	osGC keyHook
	//go:linkname osRaw os.leakhoundRaw
	osRaw keyHook

	//go:linkname netOpen net.leakhoundOpen
	netOpen openHook
	//go:linkname netClose net.leakhoundClose
	netClose keyHook
	//go:linkname netGC net.leakhoundGC
	netGC keyHook
	//go:linkname netRaw net.leakhoundRaw
	netRaw keyHook

	//go:linkname httpOpen net/http.leakhoundOpen
	httpOpen openHook
	//go:linkname httpClose net/http.leakhoundClose
	httpClose keyHook
	//go:linkname httpGC net/http.leakhoundGC
	httpGC keyHook

	//go:linkname sqlOpen database/sql.leakhoundOpen
	sqlOpen openHook
	//go:linkname sqlClose database/sql.leakhoundClose
	sqlClose keyHook
	//go:linkname sqlGC database/sql.leakhoundGC
	sqlGC keyHook

	//go:linkname signalHandlers os/signal.leakhoundHandlers
	signalHandlers func(os.Signal) int
	//go:linkname pprofLabel runtime/pprof.leakhoundLabel
	pprofLabel func(key string) string
	//go:linkname testingTest testing.leakhoundTest
	testingTest func(name string) (end func() string)
)

type (
	openHook = func(kind string, key uintptr, fd int, name string, local, remote any)
	keyHook  = func(key uintptr)
)

// Instrumented reports whether the program was built with leakhound's
// instrumented standard library, so that resources are tracked.
func Instrumented() bool { return osInstrumented }

var tr = newTracker()

func init() {
	if !osInstrumented {
		return
	}
	tr.quiet = os.Getenv(EnvQuiet) == "1"
	if tr.retained = os.Getenv(EnvRetained) == "1"; tr.retained && runtime.MemProfileRate == 0 {
		runtime.MemProfileRate = retainedProfileRate
	}
	if v := os.Getenv(EnvHeld); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < 0 {
			fmt.Fprintf(os.Stderr, "leakhound: %s=%q is not a duration such as 1m: using %v\n", EnvHeld, v, DefaultHeld)
		} else {
			tr.held = d
		}
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
	osOpen, netOpen, httpOpen, sqlOpen = tr.opened, tr.opened, tr.opened, tr.opened
	osClose, netClose, httpClose, sqlClose = tr.closed, tr.closed, tr.closed, tr.closed
	osGC, netGC, httpGC, sqlGC = tr.collected, tr.collected, tr.collected, tr.collected
	osRaw, netRaw = tr.handedOut, tr.handedOut
	testingTest = tr.testStarted
	osAtExit(tr.exit)
	watchSignals()
	tr.watchQueues()
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
	signal.Notify(c, sigs...)
	go relaySignals(c)
}

// relaySignals is the goroutine of watchSignals. It lives as long as the
// program: the leakhound package excuses it by name.
func relaySignals(c <-chan os.Signal) {
	for s := range c {
		if signalHandlers != nil && signalHandlers(s) > 1 {
			// The program was notified of this delivery too: it handles
			// the signal and decides how to end. (Counted at delivery: by
			// now it may have reset its handlers.)
			continue
		}
		tr.exit()
		signal.Reset(s)
		syscall.Kill(os.Getpid(), s.(syscall.Signal))
	}
}

// entry is one open resource.
type entry struct {
	kind          string
	fd            int
	name          string
	local, remote any
	pcs           []uintptr
	test          string
	raw           bool

	// Of a pooled connection checked out (sql.Conn, sql.Tx): when, the
	// timer that reports it held too long, and whether it did.
	since    time.Time
	timer    *time.Timer
	reported bool
}

type tracker struct {
	mu    sync.Mutex
	open  map[uintptr]*entry
	tests map[string][]leakhound.Finding // found during a running test
	done  bool
	held  time.Duration // 0: never report held-too-long
	queue queueWatch

	quiet    bool
	retained bool // measure retained memory at exit
	outMu    sync.Mutex
	out      *os.File
}

func newTracker() *tracker {
	return &tracker{open: map[uintptr]*entry{}, tests: map[string][]leakhound.Finding{}, held: DefaultHeld}
}

// maxDepth bounds the opener stacks kept per resource.
const maxDepth = 32

func (t *tracker) opened(kind string, key uintptr, fd int, name string, local, remote any) {
	var buf [maxDepth]uintptr
	n := callerPCs(buf[:])
	e := &entry{kind: kind, fd: fd, name: name, local: local, remote: remote, pcs: append([]uintptr(nil), buf[:n]...)}
	if pprofLabel != nil {
		e.test = pprofLabel(testLabel)
	}
	if checkedOut(kind) && t.held > 0 {
		e.since = time.Now()
		e.timer = time.AfterFunc(t.held, func() { t.heldTooLong(key, e) })
	}
	t.mu.Lock()
	if !t.done {
		t.open[key] = e
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
	late := e != nil && e.timer != nil && !e.reported && time.Since(e.since) >= t.held
	if late {
		e.reported = true // its timer has not run yet
	}
	t.mu.Unlock()
	if e != nil && e.timer != nil {
		e.timer.Stop()
	}
	if late {
		t.reportHeld(e)
	}
}

// heldTooLong runs when the held-too-long threshold of e, opened as key,
// passed: it reports e if it is still open.
func (t *tracker) heldTooLong(key uintptr, e *entry) {
	t.mu.Lock()
	still := t.open[key] == e && !e.reported && !t.done
	if still {
		e.reported = true
	}
	t.mu.Unlock()
	if still {
		t.reportHeld(e)
	}
}

func (t *tracker) reportHeld(e *entry) {
	f := e.finding(leakhound.ReasonHeldTooLong)
	f.Message = heldMessage(e.kind, t.held)
	t.found(f)
}

// found reports f as it happens, and keeps it for the verdict of its test.
func (t *tracker) found(f leakhound.Finding) {
	if f.Test != "" {
		t.mu.Lock()
		t.tests[f.Test] = append(t.tests[f.Test], f)
		t.mu.Unlock()
	}
	t.report(f)
}

// stop stops what runs for e once it left the table of open resources.
func (e *entry) stop() {
	if e.timer != nil {
		e.timer.Stop()
	}
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
	e.stop()
	reason := leakhound.ReasonClosedByGC
	if e.raw {
		reason = leakhound.ReasonFDUsedAfterGC
	}
	t.found(e.finding(reason))
}

// report prints f on stderr and saves it in the report file.
func (t *tracker) report(f leakhound.Finding) {
	if !t.quiet {
		fmt.Fprintf(os.Stderr, "leakhound: %s\n", f.Text())
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

// exit writes the final report: resources still open, and goroutines the
// garbage collector proves leaked. It runs once.
func (t *tracker) exit() {
	t.settle()
	t.mu.Lock()
	if t.done {
		t.mu.Unlock()
		return
	}
	t.done = true
	var left []*entry
	for _, e := range t.open {
		e.stop()
		if !pooled(e) {
			left = append(left, e)
		}
	}
	t.open = map[uintptr]*entry{}
	t.mu.Unlock()
	for _, f := range group(left, leakhound.ReasonOpenAtEnd) {
		t.emit(Event{Finding: &f})
	}
	for _, f := range finalizerFindings() {
		t.emit(Event{Finding: &f})
	}
	if leakhound.ProvenAvailable() {
		opts := []leakhound.Option{leakhound.ProvenOnly()} // the signal relay is excused by default
		if t.retained {
			opts = append(opts, leakhound.RetainedBytes())
		}
		rep, err := leakhound.Find(opts...)
		if err != nil {
			t.emit(Event{Note: "goroutine leak detection failed: " + err.Error()})
		} else {
			for i := range rep.Findings {
				t.emit(Event{Finding: &rep.Findings[i]})
			}
		}
	} else {
		t.emit(Event{Note: "goroutine leaks are not proven: this Go has no goroutineleak profile (use Go 1.27, or Go 1.26 with GOEXPERIMENT=goroutineleakprofile)"})
	}
	t.emit(Event{Final: true})
}

// settle waits, briefly, while the table of open resources shrinks: at exit
// other goroutines may still be closing what main's deferred calls shut.
func (t *tracker) settle() {
	deadline := time.Now().Add(exitGrace)
	last := -1
	for time.Now().Before(deadline) {
		t.mu.Lock()
		n := len(t.open)
		t.mu.Unlock()
		if n == 0 || n == last {
			return
		}
		last = n
		time.Sleep(10 * time.Millisecond)
	}
}

// exitGrace bounds the wait of settle.
const exitGrace = 250 * time.Millisecond

// testStarted runs on the goroutine of a test when it starts. It labels the
// goroutine, so the test owns what it and the goroutines it starts open, and
// returns the function that reports the test's leaks when it is done. The
// testing package runs its root, which has no name, the same way: what
// TestMain opens is not a test's.
func (t *tracker) testStarted(name string) func() string {
	if name == "" {
		return func() string { return "" }
	}
	pprof.SetGoroutineLabels(pprof.WithLabels(context.Background(), pprof.Labels(testLabel, name)))
	return func() string { return t.testEnded(name) }
}

// testGrace bounds the wait for resources a finished test's goroutines are
// still closing.
const testGrace = 200 * time.Millisecond

func (t *tracker) testEnded(name string) string {
	var left []*entry
	deadline := time.Now().Add(testGrace)
	for step := time.Millisecond; ; step = min(2*step, 20*time.Millisecond) {
		late := time.Now().After(deadline)
		if left = t.openOf(name, late); len(left) == 0 || late {
			break
		}
		time.Sleep(step)
	}
	t.mu.Lock()
	fs := t.tests[name]
	delete(t.tests, name)
	t.mu.Unlock()
	ended := group(left, leakhound.ReasonOpenAtEnd)
	for i := range ended {
		t.emit(Event{Finding: &ended[i]})
	}
	fs = append(fs, ended...)
	if len(fs) == 0 {
		return ""
	}
	rep := &leakhound.Report{Findings: fs}
	return rep.Err().Error()
}

// openOf returns the resources test name still holds; with forget, they are
// also removed from the table (reported now, not again at exit).
func (t *tracker) openOf(name string, forget bool) []*entry {
	t.mu.Lock()
	defer t.mu.Unlock()
	var left []*entry
	for k, e := range t.open {
		if e.test == name && !pooled(e) {
			left = append(left, e)
			if forget {
				delete(t.open, k)
				e.stop()
			}
		}
	}
	return left
}
