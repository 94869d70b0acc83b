// Package agent watches a running process for leaks: it samples goroutines
// (grouped by the site where they block, with their age and growth), open
// file descriptors (sockets with addresses and TCP state, files, pipes,
// epoll), the finalizer and cleanup queues, and at a slower interval runs a
// proven detection cycle (Go's goroutineleak profile, about one GC).
//
// Nothing starts on import. A program opts in:
//
//	if err := agent.Start(agent.Options{}); err != nil {
//		log.Fatal(err)
//	}
//	defer agent.Stop()
//	go agent.ListenAndServe("127.0.0.1:6061")
//
// or mounts [Handler] on its own mux, under a path ending in "/":
//
//	mux.Handle("/debug/leakhound/", agent.Handler())
//
// The handler serves a live page, the JSON report, Prometheus metrics and the
// leak profile as a pprof proto. Memory stays bounded whatever the uptime:
// history is kept in fixed-size rings.
package agent

import (
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/leakhound/leakhound/internal/configfile"
	"github.com/leakhound/leakhound/internal/policy"
)

// Options configure the agent. The zero value gives the defaults.
type Options struct {
	// Interval is the time between two samples of goroutines, descriptors
	// and queues. Default 10s.
	Interval time.Duration
	// ProvenInterval is the time between two proven detection cycles, each
	// costing about one garbage collection; the first runs 5s after Start
	// (or after ProvenInterval, if shorter). Default 1m; negative disables.
	ProvenInterval time.Duration
	// History is the number of samples kept for charts and growth.
	// Default 360 (an hour at the default interval).
	History int
	// DumpGoroutines is the largest number of goroutines for which a sample
	// takes a full goroutine dump (runtime.Stack). A dump gives every
	// goroutine's wait time and creator, but stops the world while it is
	// written, for several microseconds per goroutine (measured: 12ms at
	// 2,000 goroutines, 940ms at 100,000 on a loaded 2-core machine). Above
	// it, samples read Go's goroutine profile, which stops the world only
	// briefly whatever the count; its sites have no wait times (MinAge does
	// not apply) and no creators, except those the agent remembers from
	// earlier dumps (up to 4*MaxSites sites) or learns from one full dump
	// every 10 minutes at most, taken only while the process has at most
	// 4*DumpGoroutines goroutines and a site lacks its creator. Counts mean the same from
	// either source: every goroutine the runtime counts, proven leaked ones
	// included. Default 1000; negative always reads the profile.
	DumpGoroutines int
	// MaxSites bounds the number of blocking sites kept per sample and
	// exported as metrics. Default 50.
	MaxSites int
	// MinCount, MinAge and MinGrowth are the thresholds above which a
	// blocking site is reported as a "long-blocked" suspect: goroutines at
	// one site, the longest wait there, and the increase over the history.
	// Defaults 100, 10m and 10; negative disables one.
	MinCount  int
	MinAge    time.Duration
	MinGrowth int
	// Token, when set, is required by [Handler] as "Authorization: Bearer
	// <Token>".
	Token string
	// ProcRoot is where /proc is mounted. Default "/proc".
	ProcRoot string
	// RetainedInterval is the least time between two measurements of the
	// memory proven leaks keep alive, asked for with report.json?retained=1;
	// each stops the process while it writes a heap dump. Default 1m;
	// negative disables the parameter.
	RetainedInterval time.Duration
	// ConfigFile, when set, names a leakhound configuration file whose
	// ignore rules (docs/config.md) apply to the agent's findings: those a
	// rule ignores are left out of the report, the page and the metrics.
	// It must be JSON (.leakhound.json): the agent does not read YAML, so
	// that a program using it does not depend on a YAML parser. The file is
	// read once, by [Start].
	ConfigFile string
}

func (o Options) withDefaults() (Options, error) {
	var errs []error
	if o.Interval < 0 || o.History < 0 || o.MaxSites < 0 {
		errs = append(errs, errors.New("Interval, History and MaxSites must not be negative"))
	}
	if o.Interval == 0 {
		o.Interval = 10 * time.Second
	}
	if o.Interval < 10*time.Millisecond {
		errs = append(errs, fmt.Errorf("Interval %v is too short: use at least 10ms", o.Interval))
	}
	if o.ProvenInterval == 0 {
		o.ProvenInterval = time.Minute
	}
	if o.History == 0 {
		o.History = 360
	}
	if o.History < 2 {
		errs = append(errs, errors.New("History must keep at least 2 samples"))
	}
	if o.DumpGoroutines == 0 {
		o.DumpGoroutines = 1000
	}
	if o.MaxSites == 0 {
		o.MaxSites = 50
	}
	if o.MinCount == 0 {
		o.MinCount = 100
	}
	if o.MinAge == 0 {
		o.MinAge = 10 * time.Minute
	}
	if o.MinGrowth == 0 {
		o.MinGrowth = 10
	}
	if o.ProcRoot == "" {
		o.ProcRoot = "/proc"
	}
	if o.RetainedInterval == 0 {
		o.RetainedInterval = time.Minute
	}
	if err := errors.Join(errs...); err != nil {
		return o, fmt.Errorf("agent options: %w", err)
	}
	return o, nil
}

var (
	mu      sync.Mutex
	current *Agent
)

// ErrStarted is returned by [Start] when the agent already runs.
var ErrStarted = errors.New("agent already started: call Stop first")

// Start starts the process's agent: it takes a first sample at once, then
// samples in the background until [Stop].
func Start(opts Options) error {
	mu.Lock()
	defer mu.Unlock()
	if current != nil {
		return ErrStarted
	}
	a, err := newAgent(opts)
	if err != nil {
		return err
	}
	a.start()
	current = a
	return nil
}

// Stop stops the agent and waits for its sampling goroutine to exit. It does
// nothing when the agent does not run.
func Stop() {
	mu.Lock()
	a := current
	current = nil
	mu.Unlock()
	if a != nil {
		a.stop()
	}
}

// running returns the running agent, or nil.
func running() *Agent {
	mu.Lock()
	defer mu.Unlock()
	return current
}

// Agent is a running agent; the package-level functions drive the one of
// the process.
type Agent struct {
	opts  Options
	state *state
	quit  chan struct{}
	done  chan struct{}
}

func newAgent(opts Options) (*Agent, error) {
	o, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	st := newState(o)
	if o.ConfigFile != "" {
		cfg, err := configfile.ReadJSON(o.ConfigFile)
		if err == nil {
			st.ignore, err = policy.New(nil, cfg.Ignore)
			st.matched = make([]bool, len(cfg.Ignore))
		}
		if err != nil {
			return nil, fmt.Errorf("agent options: ConfigFile: %w", err)
		}
	}
	return &Agent{opts: o, state: st, quit: make(chan struct{}), done: make(chan struct{})}, nil
}

func (a *Agent) start() {
	a.state.sample(time.Now())
	go a.loop()
}

func (a *Agent) loop() {
	defer close(a.done)
	tick := time.NewTicker(a.opts.Interval)
	defer tick.Stop()
	var proven <-chan time.Time
	var pt *time.Timer
	if a.opts.ProvenInterval > 0 {
		pt = time.NewTimer(min(a.opts.ProvenInterval, firstProvenDelay))
		defer pt.Stop()
		proven = pt.C
	}
	for {
		select {
		case <-a.quit:
			return
		case now := <-tick.C:
			a.state.sample(now)
		case now := <-proven:
			a.state.prove(now)
			pt.Reset(a.opts.ProvenInterval)
		}
	}
}

// firstProvenDelay is when the first proven cycle runs after Start, unless
// ProvenInterval is shorter: soon, so that a leak present from the start is
// proven in seconds, not after a whole interval, yet after the program's
// own start-up. A variable for tests.
var firstProvenDelay = 5 * time.Second

func (a *Agent) stop() {
	close(a.quit)
	<-a.done
}
