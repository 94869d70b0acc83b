// Command agentsoak runs the leakhound agent in a process that keeps many
// goroutines alive and leaks more every second, and checks what the agent
// serves against the runtime while it goes on:
//
//	cd bench && go run ./agentsoak                       # 100,000 alive, 10,000 leaks a minute, 10 minutes
//	go run ./agentsoak -alive 20000 -leaks 2000 -minutes 2
//
// Every -check it stops leaking, waits for a sample taken after it stopped,
// and compares the
// goroutine count of series.json and of the leakhound_goroutines metric with
// runtime.NumGoroutine (goal: within 1%), and the goroutines the report's
// findings count at the leaking site with the goroutines leaked so far (a
// goroutine in one finding at most: their sum never exceeds it). It prints one
// line per check, with the process's heap and RSS, and a summary; the exit
// status is 1 when a check failed. -agent=false runs the same load without
// the agent, for the memory the agent itself adds.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/leakhound/leakhound/agent"
	"github.com/leakhound/leakhound/report"
)

// release keeps the alive goroutines reachable: the collector cannot prove
// them leaked, and the process never closes it.
var release = make(chan struct{})

func parkAlive() { <-release }

// leakOne blocks forever on a channel nobody else can reach: a leak the
// collector proves.
func leakOne() {
	ch := make(chan struct{})
	<-ch
}

func main() {
	alive := flag.Int("alive", 100_000, "goroutines kept alive (blocked on a reachable channel)")
	leaks := flag.Int("leaks", 10_000, "goroutines leaked per minute")
	minutes := flag.Int("minutes", 10, "how long to leak")
	check := flag.Duration("check", 30*time.Second, "time between two checks")
	interval := flag.Duration("interval", 2*time.Second, "the agent's sampling interval")
	proven := flag.Duration("proven", 20*time.Second, "the agent's proven-cycle interval")
	withAgent := flag.Bool("agent", true, "run the agent (false: the same load without it)")
	flag.Parse()
	if *alive < 0 || *leaks < 0 || *minutes <= 0 || *check <= 0 || *minutes > 60 {
		log.Fatal("agentsoak: -alive and -leaks must not be negative, -check positive, -minutes in 1..60")
	}

	var srv *httptest.Server
	if *withAgent {
		if err := agent.Start(agent.Options{Interval: *interval, ProvenInterval: *proven}); err != nil {
			log.Fatal(err)
		}
		defer agent.Stop()
		srv = httptest.NewServer(agent.Handler())
		defer srv.Close()
	}
	for range *alive {
		go parkAlive()
	}
	fmt.Printf("%d goroutines alive, %d leaks a minute for %d minutes, agent %v (interval %v, proven %v)\n",
		*alive, *leaks, *minutes, *withAgent, *interval, *proven)
	fmt.Printf("%8s %9s %9s %9s %9s %9s %9s %8s %8s %s\n", "elapsed", "leaked", "runtime", "series", "metric", "proven", "suspect", "heapMB", "rssMB", "verdict")

	start := time.Now()
	end := start.Add(time.Duration(*minutes) * time.Minute)
	perSecond := float64(*leaks) / 60
	leaked, failed := 0, 0
	nextCheck := start.Add(*check)
	for now := time.Now(); now.Before(end); now = time.Now() {
		for want := int(now.Sub(start).Seconds() * perSecond); leaked < want; leaked++ {
			go leakOne()
		}
		if now.After(nextCheck) || now.Add(time.Second).After(end) {
			if !checkOnce(srv, *interval, leaked, start) {
				failed++
			}
			nextCheck = time.Now().Add(*check)
		}
		time.Sleep(time.Second)
	}
	if failed > 0 {
		fmt.Printf("FAIL: %d check(s) failed\n", failed)
		os.Exit(1)
	}
	fmt.Println("ok: every check within bounds")
}

// checkOnce waits, without leaking, for a sample taken after the pause
// began (at most two minutes), and compares the agent's counts with the
// runtime's.
func checkOnce(srv *httptest.Server, interval time.Duration, leaked int, start time.Time) bool {
	paused := time.Now()
	time.Sleep(interval)
	n := runtime.NumGoroutine()
	heap, rss := memory()
	if srv == nil {
		fmt.Printf("%8s %9d %9d %9s %9s %9s %9s %8.0f %8.0f %s\n", time.Since(start).Round(time.Second), leaked, n, "-", "-", "-", "-", heap, rss, "no agent")
		return true
	}
	var series int
	for deadline := time.Now().Add(2 * time.Minute); ; time.Sleep(interval / 4) {
		count, at, err := latestPoint(srv)
		if err != nil {
			log.Fatal(err)
		}
		if at.After(paused) {
			series = count
			break
		}
		if time.Now().After(deadline) {
			log.Fatalf("no sample in the two minutes after %v: the agent stopped sampling", paused)
		}
	}
	metric, err := metricCount(srv)
	if err != nil {
		log.Fatal(err)
	}
	proven, suspect, err := leakSiteCounts(srv)
	if err != nil {
		log.Fatal(err)
	}
	var bad []string
	for _, c := range []struct {
		name string
		got  int
	}{{"series.json", series}, {"metric", metric}} {
		if off := abs(c.got-n) * 100; off > n {
			bad = append(bad, fmt.Sprintf("%s %d is more than 1%% off %d", c.name, c.got, n))
		}
	}
	if proven+suspect > leaked {
		bad = append(bad, fmt.Sprintf("findings count %d+%d leaked goroutines, only %d exist", proven, suspect, leaked))
	}
	verdict := "ok"
	if len(bad) > 0 {
		verdict = "FAIL: " + strings.Join(bad, "; ")
	}
	fmt.Printf("%8s %9d %9d %9d %9d %9d %9d %8.0f %8.0f %s\n", time.Since(start).Round(time.Second), leaked, n, series, metric, proven, suspect, heap, rss, verdict)
	return len(bad) == 0
}

func get(srv *httptest.Server, path string) ([]byte, error) {
	resp, err := srv.Client().Get(srv.URL + path)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s", path, resp.Status)
	}
	return io.ReadAll(resp.Body)
}

// latestPoint returns the goroutine count of the latest point of
// series.json, and its time (zero when there is no point yet).
func latestPoint(srv *httptest.Server) (int, time.Time, error) {
	body, err := get(srv, "/series.json?last=1")
	if err != nil {
		return 0, time.Time{}, err
	}
	var s struct {
		Points []struct {
			Time       time.Time `json:"time"`
			Goroutines int       `json:"goroutines"`
		} `json:"points"`
	}
	if err := json.Unmarshal(body, &s); err != nil {
		return 0, time.Time{}, fmt.Errorf("series.json: %w", err)
	}
	if len(s.Points) == 0 {
		return 0, time.Time{}, nil
	}
	last := s.Points[len(s.Points)-1]
	return last.Goroutines, last.Time, nil
}

func metricCount(srv *httptest.Server) (int, error) {
	body, err := get(srv, "/metrics")
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(body), "\n") {
		if v, ok := strings.CutPrefix(line, "leakhound_goroutines "); ok {
			return strconv.Atoi(strings.TrimSpace(v))
		}
	}
	return 0, fmt.Errorf("metrics lack leakhound_goroutines")
}

// leakSiteCounts sums the goroutines the report's findings count at
// leakOne, proven and suspected.
func leakSiteCounts(srv *httptest.Server) (proven, suspect int, err error) {
	body, err := get(srv, "/report.json")
	if err != nil {
		return 0, 0, err
	}
	var r report.Report
	if err := json.Unmarshal(body, &r); err != nil {
		return 0, 0, fmt.Errorf("report.json: %w", err)
	}
	for _, f := range r.Findings {
		if f.Kind != report.KindGoroutine || !atLeakSite(f.Stack) {
			continue
		}
		if f.Certainty == report.Proven {
			proven += f.Count
		} else {
			suspect += f.Count
		}
	}
	return proven, suspect, nil
}

func atLeakSite(stk []report.Frame) bool {
	for _, f := range stk {
		if strings.HasSuffix(f.Func, ".leakOne") {
			return true
		}
	}
	return false
}

// memory returns the heap in use and the resident set size, in MB.
func memory() (heap, rss float64) {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	heap = float64(ms.HeapInuse) / (1 << 20)
	if b, err := os.ReadFile("/proc/self/statm"); err == nil {
		if f := strings.Fields(string(b)); len(f) > 1 {
			pages, _ := strconv.ParseFloat(f[1], 64)
			rss = pages * float64(os.Getpagesize()) / (1 << 20)
		}
	}
	return heap, rss
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}
