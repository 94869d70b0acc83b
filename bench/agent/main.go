// Command agent measures the overhead of the leakhound agent on a loopback
// HTTP server under load: throughput and p99 latency without and with the
// agent, in alternating phases, printed with their ratios (the goal is a
// throughput ratio of at least 0.99 at default settings).
//
//	cd bench && go run ./agent -phase 30s -rounds 4
//
// Phases alternate in ABBA order (without, with, with, without, ...) so
// that a slow drift of the machine's speed does not favor one side, and the
// ratio is reported both over all phases and as the median of the rounds.
// The server process also parks -goroutines idle goroutines, since the cost
// of a sample grows with the goroutines it dumps.
//
// On a noisy machine the effect at default settings (one sample every 10s)
// is far below the noise; -interval and -proven amplify it: at -interval 1s
// the agent samples 10 times as often, and the throughput lost is about 10
// times the loss at the default interval.
//
// Because wall-clock throughput on a shared machine follows the load of
// the other processes, every phase also reports requests per CPU-second of
// this process (client and server together): the agent's cost shows as CPU
// time, whoever else runs.
//
// Before the load phases, the command also measures the agent's own CPU
// cost, which the noise of a shared machine affects much less: the process
// CPU time (getrusage) spent per sample and per proven cycle while the
// server is idle, and the share of the machine's CPUs that makes at the
// chosen intervals. A CPU-bound server loses about that share of its
// throughput.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"runtime"
	"runtime/metrics"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/leakhound/leakhound/agent"
)

func main() {
	phase := flag.Duration("phase", 30*time.Second, "length of one measured phase")
	rounds := flag.Int("rounds", 4, "number of (without, with) phase pairs")
	conns := flag.Int("c", 16, "concurrent client connections")
	idle := flag.Int("goroutines", 2000, "idle goroutines parked in the server process (blocked in select at 4 sites)")
	interval := flag.Duration("interval", 0, "agent sampling interval (0: the agent's default)")
	proven := flag.Duration("proven", 0, "agent proven-cycle interval (0: the agent's default)")
	dump := flag.Int("dump", 0, "agent DumpGoroutines: full dumps up to N goroutines, the goroutine profile above (0: the agent's default)")
	flag.Parse()
	if *phase <= 0 || *phase > 10*time.Minute || *rounds < 1 || *rounds > 20 || *conns < 1 || *conns > 1024 || *idle < 0 || *idle > 1_000_000 {
		log.Fatal("bad flags: need 0 < -phase <= 10m, 1 <= -rounds <= 20, 1 <= -c <= 1024, 0 <= -goroutines <= 1000000")
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(serve)}
	go srv.Serve(ln)
	defer srv.Close()
	url := "http://" + ln.Addr().String() + "/work"
	stop := park(*idle)
	defer stop()

	opts := agent.Options{Interval: *interval, ProvenInterval: *proven, DumpGoroutines: *dump}
	fmt.Printf("%s, GOMAXPROCS=%d, %d connections, %d parked goroutines, phases of %s, agent interval %s, proven interval %s, dump up to %s goroutines\n",
		runtime.Version(), runtime.GOMAXPROCS(0), *conns, *idle, *phase, orDefault(*interval, "10s"), orDefault(*proven, "1m"), orDefault(*dump, "1000"))
	printCosts(opts)
	load(url, *conns, time.Second) // warm up connections and code
	var off, on []result
	var ratios, p99Ratios, cpuRatios []float64
	for i := range *rounds {
		var a, b result
		if i%2 == 0 {
			a = load(url, *conns, *phase)
			b = withAgent(opts, func() result { return load(url, *conns, *phase) })
		} else {
			b = withAgent(opts, func() result { return load(url, *conns, *phase) })
			a = load(url, *conns, *phase)
		}
		off, on = append(off, a), append(on, b)
		ratios = append(ratios, b.rps/a.rps)
		p99Ratios = append(p99Ratios, float64(b.p99)/float64(a.p99))
		cpuRatios = append(cpuRatios, b.perCPU/a.perCPU)
		fmt.Printf("round %d: without %6.0f req/s %6.0f req/CPU-s p99 %-10v with %6.0f req/s %6.0f req/CPU-s p99 %-10v ratios %.3f %.3f  (%s)\n",
			i+1, a.rps, a.perCPU, a.p99.Round(time.Microsecond), b.rps, b.perCPU, b.p99.Round(time.Microsecond), b.rps/a.rps, b.perCPU/a.perCPU, b.agent)
	}
	a, b := mean(off), mean(on)
	fmt.Printf("\nwithout agent: %.0f req/s, p99 %v (mean of phases)\nwith agent:    %.0f req/s, p99 %v\n",
		a.rps, a.p99.Round(time.Microsecond), b.rps, b.p99.Round(time.Microsecond))
	fmt.Printf("throughput ratio (with/without): %.3f over all phases, %.3f median of rounds  (goal >= 0.99)\n", b.rps/a.rps, median(ratios))
	fmt.Printf("requests per CPU-second ratio:   %.3f over all phases, %.3f median of rounds\n", b.perCPU/a.perCPU, median(cpuRatios))
	fmt.Printf("p99 ratio (with/without):        %.3f over all phases, %.3f median of rounds\n", float64(b.p99)/float64(a.p99), median(p99Ratios))
}

func orDefault[T int | time.Duration](v T, def string) string {
	if v == 0 {
		return def + " (default)"
	}
	return fmt.Sprint(v)
}

// serve does a little work per request, like a small JSON API.
func serve(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{"path": r.URL.Path, "ok": true, "n": 42})
}

// park starts n goroutines blocked in select at 4 sites, as a server's
// idle connection handlers and workers would be, and returns a function
// that ends them.
func park(n int) (stop func()) {
	done := make(chan struct{})
	var mu sync.Mutex
	mu.Lock()
	var wg sync.WaitGroup
	sites := []func(){
		func() { <-done },
		func() {
			select {
			case <-done:
			case <-time.After(time.Hour):
			}
		},
		func() { mu.Lock(); mu.Unlock() },
		func() {
			t := time.NewTimer(time.Hour)
			defer t.Stop()
			select {
			case <-done:
			case <-t.C:
			}
		},
	}
	for i := range n {
		wg.Go(sites[i%len(sites)])
	}
	return func() { close(done); mu.Unlock(); wg.Wait() }
}

type result struct {
	rps    float64
	perCPU float64 // requests per CPU-second of the process
	p99    time.Duration
	agent  string // the agent's own counters, for phases with the agent
}

// withAgent runs f with the agent started and reports the agent's work.
func withAgent(opts agent.Options, f func() result) result {
	if err := agent.Start(opts); err != nil {
		log.Fatal(err)
	}
	r := f()
	r.agent = scrapeAgent()
	agent.Stop()
	return r
}

// load runs conns clients against url for d and measures throughput and
// the 99th percentile latency.
func load(url string, conns int, d time.Duration) result {
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: conns}}
	defer client.CloseIdleConnections()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	lat := make([][]time.Duration, conns)
	var wg sync.WaitGroup
	start, startCPU := time.Now(), cpuTime()
	for i := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				t0 := time.Now()
				resp, err := client.Get(url)
				if err != nil {
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if ctx.Err() == nil {
					lat[i] = append(lat[i], time.Since(t0))
				}
			}
		}()
	}
	wg.Wait()
	elapsed, cpu := time.Since(start), cpuTime()-startCPU
	all := slices.Concat(lat...)
	if len(all) == 0 {
		fmt.Fprintln(os.Stderr, "no request succeeded")
		os.Exit(1)
	}
	slices.Sort(all)
	return result{rps: float64(len(all)) / elapsed.Seconds(), perCPU: float64(len(all)) / cpu.Seconds(), p99: all[len(all)*99/100]}
}

func mean(rs []result) result {
	var m result
	for _, r := range rs {
		m.rps += r.rps / float64(len(rs))
		m.perCPU += r.perCPU / float64(len(rs))
		m.p99 += r.p99 / time.Duration(len(rs))
	}
	return m
}

func median(xs []float64) float64 {
	s := slices.Sorted(slices.Values(xs))
	if n := len(s); n%2 == 1 {
		return s[n/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// cpuTime returns the CPU time (user and system) the process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		log.Fatalf("getrusage: %v", err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// cpuDuring returns the CPU time the process used while f ran.
func cpuDuring(f func()) time.Duration {
	start := cpuTime()
	f()
	return cpuTime() - start
}

// longestPause returns the upper bound of the histogram bucket of the
// longest stop-the-world pause other than the GC's while f ran.
func longestPause(f func()) time.Duration {
	s := []metrics.Sample{{Name: "/sched/pauses/total/other:seconds"}}
	metrics.Read(s)
	before := slices.Clone(s[0].Value.Float64Histogram().Counts)
	f()
	metrics.Read(s)
	h := s[0].Value.Float64Histogram()
	var longest float64
	for i, c := range h.Counts {
		if c > before[i] {
			longest = h.Buckets[i+1]
		}
	}
	return time.Duration(longest * float64(time.Second)).Round(time.Microsecond)
}

// printCosts measures the CPU time of one sample and one proven cycle on
// the idle server, and prints the share of the CPUs the agent takes at the
// intervals of opts.
func printCosts(opts agent.Options) {
	const window = 3 * time.Second
	idle := cpuDuring(func() { time.Sleep(window) })
	var samples, cycles float64
	var pause time.Duration
	sampling := cpuDuring(func() {
		pause = longestPause(func() {
			samples = counted(agent.Options{Interval: 10 * time.Millisecond, ProvenInterval: -1, DumpGoroutines: opts.DumpGoroutines}, window)["leakhound_samples_total"]
		})
	})
	var oneSample time.Duration
	proving := cpuDuring(func() {
		c := counted(agent.Options{Interval: time.Hour, ProvenInterval: 100 * time.Millisecond, DumpGoroutines: opts.DumpGoroutines}, window)
		cycles = c["leakhound_proven_cycles_total"]
		oneSample = time.Duration(c["leakhound_sample_duration_seconds"] * float64(time.Second))
	})
	perSample := time.Duration(float64(sampling-idle) / samples)
	fmt.Printf("agent cost on the idle server: %v CPU per sample (%d samples in %s, longest stop-the-world pause <= %v)",
		perSample.Round(time.Microsecond), int(samples), window, pause)
	interval, provenEvery := opts.Interval, opts.ProvenInterval
	if interval == 0 {
		interval = 10 * time.Second
	}
	if provenEvery == 0 {
		provenEvery = time.Minute
	}
	share := float64(perSample) / float64(interval)
	if cycles > 0 {
		perCycle := time.Duration(float64(proving-idle-oneSample) / cycles)
		fmt.Printf(", %v CPU per proven cycle (%d cycles)", perCycle.Round(time.Microsecond), int(cycles))
		if provenEvery > 0 {
			share += float64(perCycle) / float64(provenEvery)
		}
	} else {
		fmt.Printf(", no proven cycle (this Go has no goroutineleak profile)")
	}
	share /= float64(runtime.GOMAXPROCS(0))
	fmt.Printf("\nat interval %s and proven interval %s: %.4f%% of %d CPUs, expected throughput ratio >= %.4f for a CPU-bound server\n",
		interval, provenEvery, 100*share, runtime.GOMAXPROCS(0), 1-share)
}

// counted runs the agent with opts for d and returns its metrics.
func counted(opts agent.Options, d time.Duration) map[string]float64 {
	if err := agent.Start(opts); err != nil {
		log.Fatal(err)
	}
	time.Sleep(d)
	m := scrapeMetrics()
	agent.Stop()
	return m
}

// scrapeMetrics reads the agent's unlabeled metrics.
func scrapeMetrics() map[string]float64 {
	rec := &recorder{header: http.Header{}}
	req, _ := http.NewRequest(http.MethodGet, "/metrics", nil)
	agent.Handler().ServeHTTP(rec, req)
	m := map[string]float64{}
	for _, line := range strings.Split(string(rec.body), "\n") {
		name, value, ok := strings.Cut(line, " ")
		if v, err := strconv.ParseFloat(value, 64); ok && err == nil && !strings.HasPrefix(name, "#") {
			m[name] = v
		}
	}
	return m
}

// scrapeAgent reads the agent's own counters of the work done in the phase
// from its metrics.
func scrapeAgent() string {
	m := scrapeMetrics()
	return fmt.Sprintf("%d samples, the last took %v; %d proven cycles", int(m["leakhound_samples_total"]),
		time.Duration(m["leakhound_sample_duration_seconds"]*float64(time.Second)).Round(time.Microsecond), int(m["leakhound_proven_cycles_total"]))
}

// recorder is a minimal in-memory http.ResponseWriter.
type recorder struct {
	header http.Header
	body   []byte
}

func (r *recorder) Header() http.Header         { return r.header }
func (r *recorder) Write(b []byte) (int, error) { r.body = append(r.body, b...); return len(b), nil }
func (r *recorder) WriteHeader(int)             {}
