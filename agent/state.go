package agent

import (
	"bytes"
	"cmp"
	"fmt"
	"runtime"
	"runtime/pprof"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/leakhound/leakhound/internal/fdtable"
	"github.com/leakhound/leakhound/internal/gcqueue"
	"github.com/leakhound/leakhound/internal/inspect"
	"github.com/leakhound/leakhound/internal/policy"
	"github.com/leakhound/leakhound/internal/stack"
	"github.com/leakhound/leakhound/internal/verdict"
	"github.com/leakhound/leakhound/report"
)

// point is one sample, as kept in the history ring.
type point struct {
	Time       time.Time      `json:"time"`
	Goroutines int            `json:"goroutines"`
	Blocked    int            `json:"blocked"` // in channel, select or sync waits
	FDs        int            `json:"fds"`
	FDsByKind  map[string]int `json:"fds_by_kind,omitempty"`
	Finalizers int64          `json:"finalizer_queue"` // queued and not yet run
	Cleanups   int64          `json:"cleanup_queue"`
	sites      []siteCount    // the MaxSites largest blocking sites
}

type siteCount struct {
	key   inspect.SiteKey
	count int
}

// ring is a fixed-capacity buffer of the latest points.
type ring struct {
	buf  []point
	next int
	full bool
}

func (r *ring) add(p point) {
	r.buf[r.next] = p
	r.next = (r.next + 1) % len(r.buf)
	if r.next == 0 {
		r.full = true
	}
}

// points returns the kept points, oldest first.
func (r *ring) points() []point {
	if !r.full {
		return slices.Clone(r.buf[:r.next])
	}
	return append(slices.Clone(r.buf[r.next:]), r.buf[:r.next]...)
}

// state is what the agent knows; every method is safe for concurrent use.
type state struct {
	opts Options
	// ignore holds the ignore rules of Options.ConfigFile (nil: none); set
	// before the agent starts, never changed.
	ignore *policy.Policy
	// matched tells, for each rule of ignore, whether it ignored a finding
	// since the agent started ([state.noteIgnored]); guarded by mu.
	matched []bool

	// proveMu serializes what runs the collector's leak detection (proven
	// cycles, the leak profile) with retained-memory measurements, which
	// must dump the heap before any goroutine is marked leaked.
	proveMu sync.Mutex
	// retained is the last retained-memory measurement; guarded by mu.
	retained retainedMeasure

	mu         sync.Mutex
	history    ring
	latest     *inspect.Sample // condensed: one group per blocking site
	fds        *fdtable.Table
	fdErr      error
	sampleErr  error
	sampleCost time.Duration
	samples    int
	proven     *report.Report
	provenAt   time.Time
	provenErr  error
	provenCost time.Duration
	provenRuns int
	tcpStates  map[string]int
	finalizers finalizerCounters
	finWatch   gcqueue.Stall
	finFinding *report.Finding // the stalled finalizer goroutine, or nil
	backlogs   backlogWatch
	dumpBuf    []byte        // reused by every sample; only the sampling goroutine touches it
	profBuf    bytes.Buffer  // the same, for the goroutine profile
	creators   creatorMemory // the same: creators of sites, learnt from dumps
	// creatorDumpAt is when learnCreators last took a dump; only the
	// sampling goroutine touches it.
	creatorDumpAt time.Time
	// latestFromDump tells that latest came from a full dump, where proven
	// goroutines are marked and left out; a profile counts them.
	latestFromDump bool
}

type finalizerCounters struct {
	finQueued, finExecuted, cleanQueued, cleanExecuted uint64
}

func newState(o Options) *state {
	return &state{
		opts:     o,
		history:  ring{buf: make([]point, o.History)},
		backlogs: newBacklogWatch(),
		creators: creatorMemory{limit: 4 * o.MaxSites},
	}
}

// minDumpBytes and maxDumpBytes bound the buffer of the goroutine dump taken
// by one sample.
const (
	minDumpBytes = 64 << 10
	maxDumpBytes = 64 << 20
)

// sample takes one sample of goroutines, descriptors and queues.
func (s *state) sample(now time.Time) {
	defer s.noteIgnored() // after mu is released
	start := time.Now()
	p := point{Time: now}
	gs, err := s.goroutines()
	var sample *inspect.Sample
	var fing *stack.Goroutine
	var sites []siteCount
	if err == nil {
		sample, sites = condense(gs.sample, s.opts.MaxSites)
		if gs.fromDump {
			s.creators.learn(sample)
		} else {
			s.learnCreators(sample, now)
			s.creators.fill(sample)
		}
		fing = gs.fing
		p.Goroutines, p.Blocked = gs.counts(sample)
	}
	p.sites = sites
	tab, fdErr := fdtable.Read(s.opts.ProcRoot)
	if tab != nil {
		p.FDs = len(tab.FDs)
		p.FDsByKind = tab.ByKind()
	}
	fc := readFinalizerCounters()
	p.Finalizers = int64(fc.finQueued) - int64(fc.finExecuted)
	p.Cleanups = int64(fc.cleanQueued) - int64(fc.cleanExecuted)

	s.mu.Lock()
	defer s.mu.Unlock()
	s.history.add(p)
	if sample != nil {
		s.latest, s.latestFromDump = sample, gs.fromDump
	}
	s.sampleErr = err
	s.fds, s.fdErr = tab, fdErr
	if tab != nil {
		s.tcpStates = tab.TCPStates()
	}
	s.finalizers = fc
	if err == nil {
		s.finFinding = finalizerFinding(&s.finWatch, now, fing, fc)
		counts := [][2]uint64{{fc.finQueued, fc.finExecuted}, {fc.cleanQueued, fc.cleanExecuted}}
		s.backlogs.observe(counts, []*stack.Goroutine{fing, cleanupRunner(sample)}, s.opts.Interval)
	}
	s.samples++
	s.sampleCost = time.Since(start)
}

// goroutineSample is one sample of the goroutines of the process.
type goroutineSample struct {
	// sample holds the goroutines, less those a dump shows proven leaked
	// and less the finalizer goroutine.
	sample *inspect.Sample
	// leaked counts the goroutines the dump showed proven leaked.
	leaked int
	// fing is the finalizer goroutine when the sample shows it (it runs a
	// finalizer), apart since it has a finding of its own.
	fing     *stack.Goroutine
	fromDump bool
}

// counts returns how many goroutines the sample saw, as the runtime counts
// them (runtime.NumGoroutine, the goroutine profile's total): proven leaked
// ones and a finalizer goroutine running a finalizer included, whatever the
// source; and how many of them wait on other goroutines (channels, select,
// sync), proven leaked ones included. condensed is gs.sample condensed.
func (gs *goroutineSample) counts(condensed *inspect.Sample) (total, blocked int) {
	for _, g := range condensed.Groups {
		total += g.Count
		if stack.ClassifyWait(g.Wait).WaitsOnGoroutine() {
			blocked += g.Count
		}
	}
	total += gs.leaked
	blocked += gs.leaked
	if gs.fing != nil {
		total++
	}
	return total, blocked
}

// goroutines samples the goroutines of the process. Up to
// Options.DumpGoroutines goroutines it takes a full dump, above that it
// reads the goroutine profile.
func (s *state) goroutines() (*goroutineSample, error) {
	if d := s.opts.DumpGoroutines; d < 0 || runtime.NumGoroutine() > d {
		return s.profileSample()
	}
	return s.dumpSample()
}

// profileSample reads Go's goroutine profile, which stops the world only
// briefly whatever the number of goroutines. It has no wait times and no
// creators; wait reasons are inferred from the stacks.
func (s *state) profileSample() (*goroutineSample, error) {
	s.profBuf.Reset()
	if err := pprof.Lookup("goroutine").WriteTo(&s.profBuf, 0); err != nil {
		return nil, fmt.Errorf("goroutine profile: %w", err)
	}
	in, err := inspect.Decode(s.profBuf.Bytes())
	if err != nil {
		return nil, fmt.Errorf("decode own goroutine profile: %w", err)
	}
	if s.profBuf.Cap() > 4*max(s.profBuf.Len(), minDumpBytes) {
		s.profBuf = bytes.Buffer{} // a past burst of stacks is not kept
	}
	gs := &goroutineSample{sample: &inspect.Sample{Format: in.Format}}
	for _, g := range in.Groups {
		if gcqueue.Finalizers.IsRunner(g.Frames) {
			gs.fing = &stack.Goroutine{State: g.Wait, Frames: g.Frames}
			continue
		}
		gs.sample.Groups = append(gs.sample.Groups, g)
	}
	return gs, nil
}

// dumpSample takes a goroutine dump of the process (runtime.Stack, which
// stops the world while it writes) and decodes it. Goroutines already
// proven leaked are left out: the proven cycle reports them.
func (s *state) dumpSample() (*goroutineSample, error) {
	d, buf, err := dumpGoroutines(s.dumpBuf)
	// Keep the buffer for the next sample, halved when the dump shrank to
	// a quarter of it, so a past burst of goroutines is not paid forever.
	s.dumpBuf = buf[:cap(buf)]
	if len(buf) < cap(buf)/4 && cap(buf) > minDumpBytes {
		s.dumpBuf = make([]byte, cap(buf)/2)
	}
	if err != nil {
		return nil, err
	}
	gs := &goroutineSample{sample: &inspect.Sample{Format: "goroutine dump"}, fromDump: true}
	for i, g := range d.Goroutines {
		switch {
		case g.Leaked:
			gs.leaked++
		case gcqueue.Finalizers.IsRunner(g.Frames):
			gs.fing = &d.Goroutines[i]
		default:
			gs.sample.Groups = append(gs.sample.Groups, inspect.Group{Count: 1, Wait: g.State, Age: g.Waiting, Frames: g.Frames, CreatedBy: g.CreatedBy})
		}
	}
	return gs, nil
}

// dumpGoroutines takes a goroutine dump of the process into buf, grown as
// needed up to maxDumpBytes (nil starts at stack.TakeDump's 64 KiB), and
// parses it. It returns the buffer, sliced to the dump, for the caller to
// reuse.
func dumpGoroutines(buf []byte) (*stack.Dump, []byte, error) {
	buf, _ = stack.TakeDump(buf, maxDumpBytes) // cut at maxDumpBytes: the goroutines past it are left out
	d, err := stack.ParseDump(buf)
	if err != nil && (d == nil || len(d.Goroutines) == 0) {
		return nil, buf, fmt.Errorf("parse own goroutine dump: %w", err)
	}
	return d, buf, nil
}

// condense keeps one group per blocking site (summed count, longest age,
// one example stack) for the max largest sites, plus the goroutines outside
// them in the totals only, so a sample's size does not grow with the number
// of goroutines.
func condense(in *inspect.Sample, maxSites int) (*inspect.Sample, []siteCount) {
	type acc struct {
		g     inspect.Group
		count int
	}
	bySite := map[inspect.SiteKey]*acc{}
	var other inspect.Group
	for _, g := range in.Groups {
		k, ok := inspect.SiteOf(&g)
		if !ok {
			other.Count += g.Count
			continue
		}
		a := bySite[k]
		if a == nil {
			a = &acc{g: g}
			a.g.Count = 0
			bySite[k] = a
		}
		a.g.Count += g.Count
		a.g.Age = max(a.g.Age, g.Age)
	}
	var all []siteCount
	for k, a := range bySite {
		all = append(all, siteCount{key: k, count: a.g.Count})
	}
	slices.SortFunc(all, func(x, y siteCount) int {
		return cmp.Or(cmp.Compare(y.count, x.count), cmp.Compare(x.key.String(), y.key.String()))
	})
	out := &inspect.Sample{Format: in.Format}
	for i, sc := range all {
		if i >= maxSites {
			other.Count += sc.count
			continue
		}
		out.Groups = append(out.Groups, bySite[sc.key].g)
	}
	if other.Count > 0 {
		other.Wait = "other"
		out.Groups = append(out.Groups, other)
	}
	return out, all[:min(len(all), maxSites)]
}

// readFinalizerCounters reads the counters of the finalizer and cleanup
// queues (zero where this Go has none).
func readFinalizerCounters() finalizerCounters {
	var fc finalizerCounters
	fc.finQueued, fc.finExecuted, _ = gcqueue.Finalizers.Counters()
	fc.cleanQueued, fc.cleanExecuted, _ = gcqueue.Cleanups.Counters()
	return fc
}

// cleanupRunner returns the goroutine running cleanups in sample (the
// runtime shows it only while it runs one), or nil.
func cleanupRunner(sample *inspect.Sample) *stack.Goroutine {
	if sample == nil {
		return nil
	}
	for _, g := range sample.Groups {
		if gcqueue.Cleanups.IsRunner(g.Frames) {
			return &stack.Goroutine{State: g.Wait, Frames: g.Frames}
		}
	}
	return nil
}

// provenFind is a proven detection cycle; a variable for tests.
var provenFind = func() (*report.Report, error) { return provenCycle(false) }

// provenCycle reports the goroutines of this process the collector proves
// leaked, never waiting, with the memory they retain when retained is set.
func provenCycle(retained bool) (*report.Report, error) {
	o := &verdict.Options{ProvenOnly: true, Retained: retained}
	r, _, err := verdict.Run(o, verdict.Scope{Self: verdict.CurrentGoroutineID(), Mode: report.ModeRun})
	return r, err
}

// prove runs one proven detection cycle.
func (s *state) prove(now time.Time) {
	s.proveMu.Lock()
	defer s.proveMu.Unlock()
	s.proveWith(provenFind, now)
}

// proveWith runs one proven detection cycle with find and keeps its result;
// s.proveMu is held.
func (s *state) proveWith(find func() (*report.Report, error), now time.Time) (*report.Report, error) {
	defer s.noteIgnored() // after mu is released
	start := time.Now()
	r, err := find()
	cost := time.Since(start)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.proven, s.provenErr, s.provenAt, s.provenCost = r, err, now, cost
	s.provenRuns++
	return r, err
}

// snapshot is a consistent copy of the state for one response.
type snapshot struct {
	Opts   Options
	Ignore *policy.Policy // the ignore rules of Opts.ConfigFile, or nil
	// Matched tells, for each rule of Ignore, whether it ignored a finding
	// since the agent started.
	Matched []bool
	Points  []point
	Latest  *inspect.Sample
	// LatestFromDump tells that Latest came from a full dump (proven
	// goroutines left out), not from the goroutine profile.
	LatestFromDump bool
	FDs            *fdtable.Table
	FDErr          error
	SampleErr      error
	SampleCost     time.Duration
	// SampleSource says where the latest sample read goroutines from.
	SampleSource string
	Samples      int
	Proven       *report.Report
	ProvenAt     time.Time
	ProvenErr    error
	ProvenCost   time.Duration
	ProvenRuns   int
	TCPStates    map[string]int
	Finalizers   finalizerCounters
	FinFinding   *report.Finding
	Backlogs     []report.Finding
	Retained     retainedMeasure
}

func (s *state) snapshot() *snapshot {
	s.mu.Lock()
	defer s.mu.Unlock()
	return &snapshot{
		Opts: s.opts, Ignore: s.ignore, Matched: slices.Clone(s.matched), Points: s.history.points(), Latest: s.latest, LatestFromDump: s.latestFromDump, FDs: s.fds, FDErr: s.fdErr,
		SampleErr: s.sampleErr, SampleCost: s.sampleCost, Samples: s.samples, SampleSource: s.sampleSource(),
		Proven: s.proven, ProvenAt: s.provenAt, ProvenErr: s.provenErr, ProvenCost: s.provenCost,
		ProvenRuns: s.provenRuns, TCPStates: s.tcpStates, Finalizers: s.finalizers, FinFinding: s.finFinding, Backlogs: s.backlogs.current(), Retained: s.retained,
	}
}

// sampleSource describes the source of the latest sample for the page.
func (s *state) sampleSource() string {
	switch {
	case s.latest == nil:
		return "no goroutine sample yet"
	case strings.HasPrefix(s.latest.Format, "goroutine dump"):
		return "goroutines from a full dump"
	}
	return fmt.Sprintf("goroutines from the goroutine profile (more than %d goroutines: no wait times; creators only of sites seen in earlier full dumps)", s.opts.DumpGoroutines)
}

// suspects ranks the blocking sites of the latest sample, less the
// goroutines of the proven findings, with growth over the kept history.
func (sn *snapshot) suspects() (*inspect.Aggregation, []inspect.Suspect) {
	if sn.Latest == nil || len(sn.Points) == 0 {
		return &inspect.Aggregation{}, nil
	}
	latest := sn.Latest
	if !sn.LatestFromDump {
		latest = withoutProven(latest, sn.Proven)
	}
	var obs []inspect.Observation
	first, last := sn.Points[0], sn.Points[len(sn.Points)-1]
	if len(sn.Points) > 1 {
		old := &inspect.Sample{}
		for _, sc := range first.sites {
			site := sc.key.Site
			g := inspect.Group{Count: sc.count, Wait: sc.key.Wait, Frames: []stack.Frame{site}}
			old.Groups = append(old.Groups, g)
		}
		obs = append(obs, inspect.Observation{Instance: "this process", Time: first.Time, Sample: old})
	}
	obs = append(obs, inspect.Observation{Instance: "this process", Time: last.Time, Sample: latest})
	agg := inspect.Aggregate(obs)
	t := inspect.Thresholds{MinCount: max(sn.Opts.MinCount, 0), MinAge: max(sn.Opts.MinAge, 0), MinGrowth: max(sn.Opts.MinGrowth, 0)}
	return agg, inspect.Rank(agg, t)
}

// report is the agent's JSON report: the findings of the last proven cycle,
// the stalled finalizer goroutine, and the long-blocked suspects of the
// latest sample, less those the ignore rules of Options.ConfigFile ignore.
func (sn *snapshot) report() *report.Report {
	rep, _ := sn.reportWithHits()
	return rep
}

// reportWithHits is report, with the number of findings each ignore rule
// ignored (nil without rules).
func (sn *snapshot) reportWithHits() (*report.Report, []int) {
	var fs []report.Finding
	if sn.Proven != nil {
		fs = append(fs, sn.Retained.fill(sn.Proven.Findings)...)
	}
	if sn.FinFinding != nil {
		fs = append(fs, *sn.FinFinding)
	}
	fs = append(fs, sn.Backlogs...)
	agg, sus := sn.suspects()
	fs = append(fs, inspect.Findings(sus, agg.Instances)...)
	rep := report.New(report.ModeRun, fs)
	var hits []int
	rep.Findings, hits = sn.Ignore.Apply(rep.Findings)
	return rep, hits
}
