// Command workload is the program the overhead benchmark builds twice, with
// the plain standard library and with leakhound's instrumented one (through
// "leakhound run"). It reads one command per line on standard input and
// answers each with one JSON line on standard output, so that the driver can
// measure both builds alternately, each process staying warm:
//
//	dial DURATION   loopback TCP dial and close, timed with testing.Benchmark
//	http DURATION   HTTP GET round trip over loopback (keep-alive), body read and closed
//	h2 DURATION     the same over HTTPS speaking HTTP/2
//	open DURATION   os.Open and Close of a file
//	mem N           heap bytes per open file, N files held open at once
//
// The first line it prints says whether the tracker is active. With
// -cpuprofile it writes a CPU profile of its whole run, for example of the
// instrumented build: echo "dial 5s" | leakhound run ./overhead/workload -- -cpuprofile cpu.out
package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"runtime/pprof"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/leakhound/leakhound/track"
)

// Result is the answer to one command.
type Result struct {
	Op string `json:"op"`
	// NsPerOp is the wall time of one operation (dial, http, open).
	NsPerOp float64 `json:"ns_per_op,omitempty"`
	// CPUNsPerOp is the CPU time (user and system, all threads) of one
	// operation: unlike wall time, it does not count the time the process
	// waited for a CPU that other processes used.
	CPUNsPerOp float64 `json:"cpu_ns_per_op,omitempty"`
	// BytesPerOp is what one operation allocates (dial, http, open), or the
	// heap bytes one open file keeps (mem).
	BytesPerOp float64 `json:"bytes_per_op"`
	// SyscallsPerOp counts the read and write system calls of one
	// operation, and GoroutinesPerOp the goroutines it starts: counts, not
	// times, so that two builds compare exactly however loaded the machine.
	SyscallsPerOp   float64 `json:"syscalls_per_op,omitempty"`
	GoroutinesPerOp float64 `json:"goroutines_per_op,omitempty"`
	// Instrumented is the first answer: whether the tracker is active.
	Instrumented bool   `json:"instrumented,omitempty"`
	Go           string `json:"go,omitempty"`
	Error        string `json:"error,omitempty"`
}

func main() {
	log.SetFlags(0)
	testing.Init()
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile of the whole run to `file`")
	flag.Parse()
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			log.Fatal(err)
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			log.Fatal(err)
		}
		defer pprof.StopCPUProfile()
	}
	w, err := newWorkload()
	if err != nil {
		log.Fatal(err)
	}
	defer w.close()
	out := json.NewEncoder(os.Stdout)
	out.Encode(Result{Op: "hello", Instrumented: track.Instrumented(), Go: runtime.Version()})
	sc := bufio.NewScanner(os.Stdin)
	for sc.Scan() {
		r, err := w.do(sc.Text())
		if err != nil {
			r = Result{Op: sc.Text(), Error: err.Error()}
		}
		out.Encode(r)
	}
}

// workload holds the loopback servers and the file the operations use.
type workload struct {
	ln     net.Listener // accepts and closes at once
	srv    *http.Server
	url    string
	client *http.Client
	h2     *httptest.Server // HTTPS, HTTP/2
	file   string
	dir    string
}

func newWorkload() (*workload, error) {
	w := &workload{}
	var err error
	if w.ln, err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
		return nil, err
	}
	go func() {
		for {
			c, err := w.ln.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	hl, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	w.srv = &http.Server{Handler: http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		io.WriteString(rw, `{"ok":true}`)
	})}
	go w.srv.Serve(hl)
	w.url = "http://" + hl.Addr().String() + "/"
	w.client = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}}
	w.h2 = httptest.NewUnstartedServer(w.srv.Handler)
	w.h2.EnableHTTP2 = true
	w.h2.StartTLS()
	if w.dir, err = os.MkdirTemp("", "leakhound-overhead-"); err != nil {
		return nil, err
	}
	w.file = filepath.Join(w.dir, "f")
	return w, os.WriteFile(w.file, []byte("x"), 0o644)
}

func (w *workload) close() {
	w.ln.Close()
	w.srv.Close()
	w.client.CloseIdleConnections()
	w.h2.Close()
	os.RemoveAll(w.dir)
}

func (w *workload) do(line string) (Result, error) {
	op, arg, _ := strings.Cut(line, " ")
	if op == "mem" {
		n, err := strconv.Atoi(arg)
		if err != nil || n < 1 || n > 10000 {
			return Result{}, fmt.Errorf("mem wants a count from 1 to 10000, got %q", arg)
		}
		return w.mem(n)
	}
	d, err := time.ParseDuration(arg)
	if err != nil || d <= 0 || d > time.Minute {
		return Result{}, fmt.Errorf("%s wants a duration up to 1m, got %q", op, arg)
	}
	bench := map[string]func(b *testing.B){"dial": w.dial, "http": w.get, "h2": w.getH2, "open": w.open}[op]
	if bench == nil {
		return Result{}, fmt.Errorf("unknown operation %q", op)
	}
	if err := flag.Set("test.benchtime", d.String()); err != nil {
		return Result{}, err
	}
	var cpu time.Duration
	var syscalls, goroutines uint64
	r := testing.Benchmark(func(b *testing.B) {
		// With b.Loop the function runs once, whatever the iterations.
		start, sys, gos := cpuTime(), syscallCount(), goroutinesCreated()
		bench(b)
		cpu = cpuTime() - start
		syscalls, goroutines = syscallCount()-sys, goroutinesCreated()-gos
	})
	if r.N == 0 {
		return Result{}, errors.New("benchmark failed")
	}
	return Result{
		Op:         op,
		NsPerOp:    float64(r.T.Nanoseconds()) / float64(r.N),
		CPUNsPerOp: float64(cpu.Nanoseconds()) / float64(r.N),
		BytesPerOp: float64(r.MemBytes) / float64(r.N),

		SyscallsPerOp:   float64(syscalls) / float64(r.N),
		GoroutinesPerOp: float64(goroutines) / float64(r.N),
	}, nil
}

// syscallCount returns the read and write system calls the process made so
// far (Linux: /proc/self/io), or 0 where they cannot be read.
func syscallCount() uint64 {
	data, err := os.ReadFile("/proc/self/io")
	if err != nil {
		return 0
	}
	var n uint64
	for _, line := range strings.Split(string(data), "\n") {
		k, v, _ := strings.Cut(line, ": ")
		if k == "syscr" || k == "syscw" {
			c, _ := strconv.ParseUint(v, 10, 64)
			n += c
		}
	}
	return n
}

// goroutinesCreated returns the goroutines the process started so far.
func goroutinesCreated() uint64 {
	s := []metrics.Sample{{Name: "/sched/goroutines-created:goroutines"}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return s[0].Value.Uint64()
}

// cpuTime returns the CPU time the process used so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func (w *workload) dial(b *testing.B) {
	b.ReportAllocs()
	addr := w.ln.Addr().String()
	for b.Loop() {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			b.Fatal(err)
		}
		c.Close()
	}
}

func (w *workload) get(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		resp, err := w.client.Get(w.url)
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
}

func (w *workload) getH2(b *testing.B) {
	b.ReportAllocs()
	c := w.h2.Client()
	for b.Loop() {
		resp, err := c.Get(w.h2.URL)
		if err != nil {
			b.Fatal(err)
		}
		if resp.ProtoMajor != 2 {
			b.Fatalf("response over %s, want HTTP/2", resp.Proto)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
}

func (w *workload) open(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		f, err := os.Open(w.file)
		if err != nil {
			b.Fatal(err)
		}
		f.Close()
	}
}

// mem returns the heap bytes that each of n files held open keeps live.
func (w *workload) mem(n int) (Result, error) {
	files := make([]*os.File, 0, n)
	defer func() {
		for _, f := range files {
			f.Close()
		}
	}()
	before := liveHeap()
	for range n {
		f, err := os.Open(w.file)
		if err != nil {
			return Result{}, err
		}
		files = append(files, f)
	}
	after := liveHeap()
	runtime.KeepAlive(files)
	return Result{Op: "mem", BytesPerOp: float64(after-before) / float64(n)}, nil
}

// liveHeap returns the bytes of live heap objects after a full collection.
func liveHeap() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}
