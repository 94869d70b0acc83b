// Command agent measures the overhead of the leakhound agent on a loopback
// HTTP server under load: throughput and p99 latency without and with the
// agent, in alternating phases, printed with their ratio (the goal is a
// throughput ratio of at least 0.99 at default settings).
//
//	cd bench && go run ./agent -phase 30s -rounds 2
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
	"slices"
	"sync"
	"time"

	"github.com/leakhound/leakhound/agent"
)

func main() {
	phase := flag.Duration("phase", 30*time.Second, "length of one measured phase")
	rounds := flag.Int("rounds", 2, "number of (without, with) phase pairs")
	conns := flag.Int("c", 16, "concurrent client connections")
	interval := flag.Duration("interval", 0, "agent sampling interval (0: the agent's default)")
	proven := flag.Duration("proven", 0, "agent proven-cycle interval (0: the agent's default)")
	flag.Parse()
	if *phase <= 0 || *phase > 10*time.Minute || *rounds < 1 || *rounds > 20 || *conns < 1 || *conns > 1024 {
		log.Fatal("bad flags: need 0 < -phase <= 10m, 1 <= -rounds <= 20, 1 <= -c <= 1024")
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(serve)}
	go srv.Serve(ln)
	defer srv.Close()
	url := "http://" + ln.Addr().String() + "/work"

	opts := agent.Options{Interval: *interval, ProvenInterval: *proven}
	fmt.Printf("%s, GOMAXPROCS=%d, %d connections, phases of %s, agent options %+v\n",
		runtime.Version(), runtime.GOMAXPROCS(0), *conns, *phase, opts)
	load(url, *conns, time.Second) // warm up connections and code
	var off, on []result
	for i := range *rounds {
		r := load(url, *conns, *phase)
		off = append(off, r)
		fmt.Printf("round %d without agent: %8.0f req/s  p99 %v\n", i+1, r.rps, r.p99)
		if err := agent.Start(opts); err != nil {
			log.Fatal(err)
		}
		r = load(url, *conns, *phase)
		samples := scrapeSamples()
		agent.Stop()
		on = append(on, r)
		fmt.Printf("round %d with agent:    %8.0f req/s  p99 %v  (%s)\n", i+1, r.rps, r.p99, samples)
	}
	a, b := mean(off), mean(on)
	fmt.Printf("\nwithout agent: %.0f req/s, p99 %v\nwith agent:    %.0f req/s, p99 %v\n", a.rps, a.p99, b.rps, b.p99)
	fmt.Printf("throughput ratio (with/without): %.3f  (goal >= 0.99)\n", b.rps/a.rps)
	fmt.Printf("p99 ratio (with/without):        %.3f\n", float64(b.p99)/float64(a.p99))
}

// serve does a little work per request, like a small JSON API.
func serve(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{"path": r.URL.Path, "ok": true, "n": 42})
}

type result struct {
	rps float64
	p99 time.Duration
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
	start := time.Now()
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
	elapsed := time.Since(start)
	all := slices.Concat(lat...)
	if len(all) == 0 {
		fmt.Fprintln(os.Stderr, "no request succeeded")
		os.Exit(1)
	}
	slices.Sort(all)
	return result{rps: float64(len(all)) / elapsed.Seconds(), p99: all[len(all)*99/100]}
}

func mean(rs []result) result {
	var m result
	for _, r := range rs {
		m.rps += r.rps / float64(len(rs))
		m.p99 += r.p99 / time.Duration(len(rs))
	}
	return m
}

// scrapeSamples reads the agent's own counters of work done in the phase.
func scrapeSamples() string {
	rec := &recorder{header: http.Header{}}
	req, _ := http.NewRequest(http.MethodGet, "/series.json", nil)
	agent.Handler().ServeHTTP(rec, req)
	var s struct {
		Points []json.RawMessage `json:"points"`
	}
	json.Unmarshal(rec.body, &s)
	return fmt.Sprintf("%d agent samples", len(s.Points))
}

// recorder is a minimal in-memory http.ResponseWriter.
type recorder struct {
	header http.Header
	body   []byte
}

func (r *recorder) Header() http.Header         { return r.header }
func (r *recorder) Write(b []byte) (int, error) { r.body = append(r.body, b...); return len(b), nil }
func (r *recorder) WriteHeader(int)             {}
