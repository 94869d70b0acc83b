// Package verdict is leakhound's goroutine verdict, shared by the library
// (Check, VerifyTestMain, Find) and by the tracker that leakhound test and run
// build into programs: it looks at the goroutines in a scope, waits a bounded
// time for those not proven leaked to exit, and reports the rest, proven
// where the garbage collector's leak detection proves them. It imports only
// the standard library and leakhound's stdlib-only packages, so that the
// instrumented standard library can carry a copy of it.
package verdict

import (
	"errors"
	"fmt"
	"io"
	"runtime"
	"runtime/pprof"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/leakhound/leakhound/internal/policy"
	"github.com/leakhound/leakhound/internal/stack"
	"github.com/leakhound/leakhound/report"
)

// LabelKey is the pprof label that marks the goroutines a checked test
// created; new goroutines inherit their creator's labels.
const LabelKey = "leakhound.check"

// Options are the settings of a verdict, checked by the caller.
type Options struct {
	IgnoreTop       []string       // innermost functions excused
	IgnoreAny       []string       // functions excused anywhere in a stack
	IgnoreCreatedBy []string       // go statements' functions excused
	IgnoreIDs       map[int64]bool // goroutines excused by ID
	// IgnoreRules excuse the goroutines whose findings they match: the
	// ignore rules of a configuration file, compiled ([policy.New]).
	IgnoreRules []policy.Rule
	// RuleMatched, when set, is called with each rule of IgnoreRules that
	// excuses a goroutine (the first that matches it), at every look.
	RuleMatched func(*policy.Rule)
	MaxWait     time.Duration // bound of the wait for unproven goroutines
	ProvenOnly  bool          // report only proven leaks, never wait
	Retained    bool          // measure retained memory
	// Settle, when positive, ends the wait before MaxWait once every
	// unproven goroutine has stayed parked at the same stack for Settle,
	// waiting on another goroutine, the network poller or a system call,
	// not sleeping (see settling).
	Settle time.Duration
}

// Scope says which goroutines a verdict is about.
type Scope struct {
	// Label keeps only the goroutines labelled LabelKey=Label; "" keeps all.
	Label string
	// Owned, when set, returns the IDs of the goroutines the verdict is
	// about, asked again at every look.
	Owned func() map[int64]bool
	Test  string      // test name written into findings
	Self  int64       // the goroutine running the verdict, never a leak
	Mode  report.Mode // the mode of the report
}

// maxWaitStep is the longest single sleep between two looks at the goroutines.
const maxWaitStep = 100 * time.Millisecond

// Run looks at the goroutines in sc until every one of them is gone,
// excused or proven leaked, until o.MaxWait has passed, or until they have
// settled (o.Settle), and reports the ones left, with the IDs of the
// goroutines each finding groups. Proven leaks never cost a wait.
func Run(o *Options, sc Scope) (*report.Report, [][]int64, error) {
	deadline := time.Now().Add(o.MaxWait)
	step := time.Millisecond
	var heap heapSnapshot
	var settle settling
	for {
		gs, err := collect(o, sc)
		if err != nil {
			return nil, nil, err
		}
		if pending(gs) > 0 {
			if o.Retained && anyProvable(gs) {
				// The runtime cannot dump the heap once goroutines are
				// marked leaked, so the heap is dumped first.
				heap.take()
			}
			proved, err := detectLeaks()
			if err != nil {
				return nil, nil, err
			}
			if proved {
				if gs, err = collect(o, sc); err != nil {
					return nil, nil, err
				}
			}
		}
		left := time.Until(deadline)
		settled := o.Settle > 0 && settle.settled(gs, o.Settle, time.Now())
		if pending(gs) == 0 || o.ProvenOnly || left <= 0 || settled {
			fs, ids := findingsOf(gs, o, sc, settled && left > 0)
			if o.Retained && len(fs) > 0 {
				heap.take()
				heap.fill(fs, ids)
			}
			return report.New(sc.Mode, fs), ids, nil
		}
		time.Sleep(min(step, left))
		step = min(2*step, maxWaitStep)
	}
}

// detectMu serializes leak detection and heap dumps: the runtime aborts a
// heap dump that meets a goroutine marked leaked.
var detectMu sync.Mutex

// detectLeaks runs the collector's goroutine leak detection, when this binary
// has it, so that the next dump marks proven leaks " (leaked)".
func detectLeaks() (ran bool, err error) {
	p := leakProfile()
	if p == nil {
		return false, nil
	}
	detectMu.Lock()
	defer detectMu.Unlock()
	if err := p.WriteTo(io.Discard, 1); err != nil {
		return false, fmt.Errorf("run goroutine leak detection: %w", err)
	}
	return true, nil
}

// leakProfile returns the runtime's goroutineleak profile, or nil when this
// binary does not have it (Go 1.26 without GOEXPERIMENT=goroutineleakprofile).
func leakProfile() *pprof.Profile {
	return pprof.Lookup("goroutineleak")
}

// ProvenAvailable reports whether this binary can prove goroutine leaks: it
// has the runtime's goroutineleak profile (Go 1.27, or Go 1.26 built with
// GOEXPERIMENT=goroutineleakprofile). Without it, every goroutine finding is
// suspected.
func ProvenAvailable() bool { return leakProfile() != nil }

func pending(gs []stack.Goroutine) int {
	n := 0
	for i := range gs {
		if !gs[i].Leaked {
			n++
		}
	}
	return n
}

// collect returns the goroutines in scope that are not excused.
func collect(o *Options, sc Scope) ([]stack.Goroutine, error) {
	var owned map[int64]bool
	if sc.Owned != nil {
		if owned = sc.Owned(); len(owned) == 0 {
			return nil, nil
		}
	}
	d, err := Dump()
	if err != nil {
		return nil, err
	}
	if sc.Label != "" {
		if err := checkLabelsPrinted(d, sc); err != nil {
			return nil, err
		}
	}
	in := make([]stack.Goroutine, 0, len(d.Goroutines))
	for _, g := range d.Goroutines {
		if g.ID == sc.Self || o.IgnoreIDs[g.ID] {
			continue
		}
		if sc.Label != "" && g.Labels[LabelKey] != sc.Label {
			continue
		}
		if owned != nil && !owned[g.ID] {
			continue
		}
		if excused(&g, o) || ignoredByRule(&g, o, sc) {
			continue
		}
		in = append(in, g)
	}
	return in, nil
}

// checkLabelsPrinted makes sure the runtime printed goroutine labels: the
// goroutine running the verdict was labelled by Check, so its header must
// show labels.
func checkLabelsPrinted(d *stack.Dump, sc Scope) error {
	for _, g := range d.Goroutines {
		if g.ID != sc.Self {
			continue
		}
		if g.Labels == nil {
			return errors.New("the test goroutine shows no pprof labels, so leaks cannot be charged to tests: remove tracebacklabels=0 from GODEBUG, and set goroutine labels in the test before calling Check, not after")
		}
		return nil
	}
	return fmt.Errorf("goroutine %d, which called Check, is missing from the dump: run the verdict on the test goroutine", sc.Self)
}

// dumpSize remembers the size of the last dump, so the next one usually
// needs a single runtime.Stack call.
var dumpSize atomic.Int64

// maxDump bounds the memory spent on one dump.
const maxDump = 1 << 30

// dumpBufs holds dump buffers between verdicts: the parsed dump copies what
// it keeps, so a buffer is free again once parsed.
var dumpBufs sync.Pool

// Dump takes and parses a dump of every goroutine (runtime.Stack).
func Dump() (*stack.Dump, error) {
	n := max(int(dumpSize.Load())*5/4, 64<<10)
	buf, _ := dumpBufs.Get().(*[]byte)
	if buf == nil {
		buf = new([]byte)
	}
	defer dumpBufs.Put(buf)
	if cap(*buf) < n {
		*buf = make([]byte, n)
	}
	b, complete := stack.TakeDump((*buf)[:cap(*buf)], maxDump)
	*buf = b[:cap(b)]
	if !complete {
		return nil, fmt.Errorf("goroutine dump larger than %d MB: too many goroutines to check", maxDump>>20)
	}
	dumpSize.Store(int64(len(b)))
	d, err := stack.ParseDump(b)
	if err != nil {
		return nil, fmt.Errorf("parse goroutine dump: %w", err)
	}
	return d, nil
}

// CurrentGoroutineIDs returns the IDs of all goroutines alive now.
func CurrentGoroutineIDs() ([]int64, error) {
	d, err := Dump()
	if err != nil {
		return nil, err
	}
	ids := make([]int64, len(d.Goroutines))
	for i, g := range d.Goroutines {
		ids[i] = g.ID
	}
	return ids, nil
}

// CurrentGoroutineID returns the ID of the calling goroutine, from the header
// "goroutine 18 [running]:" of its own traceback.
func CurrentGoroutineID() int64 {
	var buf [64]byte
	header := string(buf[:runtime.Stack(buf[:], false)])
	digits, _, _ := strings.Cut(strings.TrimPrefix(header, "goroutine "), " ")
	var id int64
	for _, c := range digits {
		id = id*10 + int64(c-'0')
	}
	return id
}
