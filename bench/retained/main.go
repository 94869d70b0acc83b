// Command retained measures what leakhound's retained-memory measurement
// (leakhound.RetainedBytes) costs on heaps of a given size: the time the
// program is stopped while the runtime writes its heap dump, the size of
// the dump, the time to parse it and to compute the dominator tree, and the
// extra peak RSS of the process while doing so. It also times a proven
// verdict, leakhound.Find(ProvenOnly()), with and without RetainedBytes,
// in the same run, and prints their ratio.
//
// Each measurement runs in a fresh process (a child of this one): the Go
// runtime cannot dump the heap of a process once goroutines are marked
// leaked, and peak RSS is per process. The heap is built of many small
// objects with pointers (binary trees of 64-byte nodes), maps of pointers
// and byte buffers; a fifth of it is held only by leaked goroutines, so the
// measured retained size can be checked against it.
//
//	cd bench && go run ./retained -sizes 100,1024 -runs 2
//
// The verdict columns need the goroutineleak profile: Go 1.27, or Go 1.26
// with GOEXPERIMENT=goroutineleakprofile.
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/leakhound/leakhound"
	"github.com/leakhound/leakhound/internal/heapdump"
	"github.com/leakhound/leakhound/internal/retain"
)

const mb = 1 << 20

func main() {
	sizes := flag.String("sizes", "100,1024", "comma-separated heap sizes to build, in MB")
	runs := flag.Int("runs", 2, "measurements of each size")
	leaked := flag.Int("goroutines", 50, "leaked goroutines holding a fifth of the heap")
	child := flag.String("child", "", "internal: measure one `mode` (breakdown, find, plain) in this process")
	heapMB := flag.Int("heap", 0, "internal: heap size of the child, in MB")
	flag.Parse()
	if *leaked < 1 || *leaked > 10000 || *runs < 1 || *runs > 10 {
		log.Fatal("bad flags: need 1 <= -goroutines <= 10000 and 1 <= -runs <= 10")
	}
	if *child != "" {
		if err := measure(*child, *heapMB, *leaked); err != nil {
			log.Fatal(err)
		}
		return
	}
	var mbs []int
	for _, s := range strings.Split(*sizes, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 10 || n > 16<<10 {
			log.Fatalf("bad size %q: want MB between 10 and 16384", s)
		}
		mbs = append(mbs, n)
	}
	fmt.Printf("%s %s/%s, GOMAXPROCS=%d, %d leaked goroutines holding a fifth of the heap, goroutineleak profile: %v\n\n",
		runtime.Version(), runtime.GOOS, runtime.GOARCH, runtime.GOMAXPROCS(0), *leaked, leakhound.ProvenAvailable())
	fmt.Println("Times are wall (CPU of the process); peak RSS is the process's, after each step, the heap itself included.")
	fmt.Println()
	fmt.Println("| heap | run | objects | pointers | dump, world stopped | dump file | parse | dominators | RSS before | peak RSS: dump / parse / dominators | retained / expected | Find | Find+RetainedBytes | ratio |")
	fmt.Println("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
	for _, size := range mbs {
		for run := 1; run <= *runs; run++ {
			var b, f, p result
			if err := spawn("breakdown", size, *leaked, &b); err != nil {
				log.Fatal(err)
			}
			verdicts := "n/a | n/a | n/a"
			if leakhound.ProvenAvailable() {
				if err := spawn("plain", size, *leaked, &p); err != nil {
					log.Fatal(err)
				}
				if err := spawn("find", size, *leaked, &f); err != nil {
					log.Fatal(err)
				}
				verdicts = fmt.Sprintf("%s | %s | %.1fx", times(p.Find, p.FindCPU), times(f.Find, f.FindCPU), f.Find.Seconds()/p.Find.Seconds())
			}
			fmt.Printf("| %d MB | %d | %.2fM | %.2fM | %s | %d MB | %s | %s | %d MB | %d / %d / %d MB | %.1f / %.1f MB | %s |\n",
				size, run, float64(b.Objects)/1e6, float64(b.Pointers)/1e6, times(b.Dump, b.DumpCPU), b.DumpBytes/mb,
				times(b.Parse, b.ParseCPU), times(b.Analyze, b.AnalyzeCPU), b.RSS/mb, b.PeakDump/mb, b.PeakParse/mb, b.PeakRSS/mb,
				float64(b.Retained)/mb, float64(b.Expected)/mb, verdicts)
		}
	}
}

func times(wall, cpu time.Duration) string {
	return fmt.Sprintf("%.2f s (%.2f s)", wall.Seconds(), cpu.Seconds())
}

// result is what a child measured, printed as one JSON line.
type result struct {
	Objects, Pointers   int
	Dump, Parse         time.Duration
	Analyze, Find       time.Duration
	DumpCPU, ParseCPU   time.Duration // user+system time of the process
	AnalyzeCPU, FindCPU time.Duration
	PeakDump, PeakParse int64 // peak RSS after the dump and after parsing
	DumpBytes           int64
	RSS, PeakRSS        int64 // before the measurement, and the peak during it
	Retained, Expected  int64
	Goroutines, Groups  int
	FindRetainedDetails string
}

// spawn runs this program as a child that measures mode and decodes its
// result.
func spawn(mode string, heapMB, leaked int, r *result) error {
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	cmd := exec.Command(exe, "-child", mode, "-heap", strconv.Itoa(heapMB), "-goroutines", strconv.Itoa(leaked))
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		return fmt.Errorf("child %s %d MB: %v", mode, heapMB, err)
	}
	if err := json.Unmarshal(out, r); err != nil {
		return fmt.Errorf("child %s %d MB: %v: %q", mode, heapMB, err, out)
	}
	return nil
}

// node is a small object with pointers: 64 bytes.
type node struct {
	left, right *node
	payload     [6]uint64
}

// tree builds a complete binary tree of n nodes.
func tree(n int) *node {
	if n == 0 {
		return nil
	}
	left := (n - 1) / 2
	return &node{left: tree(left), right: tree(n - 1 - left), payload: [6]uint64{uint64(n)}}
}

// part is a mix of objects: half in trees of 64-byte nodes, a quarter in a
// map of pointers to 4 KB buffers, a quarter in 64 KB buffers.
type part struct {
	trees   []*node
	buffers map[int]*[4096]byte
	chunks  [][]byte
}

// build makes a part of about size bytes and returns it with the bytes of
// its trees and buffers (not counting the map and slices that hold them).
func build(size int64) (*part, int64) {
	const treeNodes, chunk = 1024, 64 << 10
	p := &part{buffers: map[int]*[4096]byte{}}
	for range size / 2 / (treeNodes * 64) {
		p.trees = append(p.trees, tree(treeNodes))
	}
	for i := range size / 4 / 4096 {
		b := new([4096]byte)
		b[0] = 1 // make the page resident, as a used buffer is
		p.buffers[int(i)] = b
	}
	for range size / 4 / chunk {
		c := make([]byte, chunk)
		for i := 0; i < len(c); i += 4096 {
			c[i] = 1
		}
		p.chunks = append(p.chunks, c)
	}
	return p, int64(len(p.trees))*treeNodes*64 + int64(len(p.buffers))*4096 + int64(len(p.chunks))*chunk
}

// global holds four fifths of the heap.
var global *part

// hold blocks forever on a channel nobody else has, keeping p alive.
func hold(p *part, ids chan<- int64) {
	ch := make(chan struct{})
	ids <- goroutineID()
	<-ch
	runtime.KeepAlive(p)
}

// leak starts n goroutines that hold size bytes in all and block forever,
// and returns their IDs and the bytes of their parts. The parts are built
// here, so no stale pointer to one stays in the caller's frame.
func leak(n int, size int64) ([]int64, int64) {
	ids := make(chan int64)
	var held int64
	for range n {
		p, b := build(size / int64(n))
		held += b
		go hold(p, ids)
	}
	var group []int64
	for range n {
		group = append(group, <-ids)
	}
	return group, held
}

func goroutineID() int64 {
	var buf [64]byte
	s := strings.TrimPrefix(string(buf[:runtime.Stack(buf[:], false)]), "goroutine ")
	id, _ := strconv.ParseInt(s[:strings.IndexByte(s, ' ')], 10, 64)
	return id
}

func measure(mode string, heapMB, leaked int) error {
	total := int64(heapMB) * mb
	global, _ = build(total * 4 / 5)
	var r result
	group, expected := leak(leaked, total/5)
	r.Expected = expected
	runtime.GC()
	time.Sleep(50 * time.Millisecond) // let the last goroutine block
	if err := resetPeakRSS(); err != nil {
		return err
	}
	r.RSS = rss("VmRSS")
	switch mode {
	case "breakdown":
		if err := breakdown(&r, group); err != nil {
			return err
		}
	case "find", "plain":
		opts := []leakhound.Option{leakhound.ProvenOnly()}
		if mode == "find" {
			opts = append(opts, leakhound.RetainedBytes())
		}
		start, cpu := time.Now(), cpuTime()
		rep, err := leakhound.Find(opts...)
		r.Find, r.FindCPU = time.Since(start), cpuTime()-cpu
		if err != nil {
			return err
		}
		for _, f := range rep.Findings {
			r.Retained += f.RetainedBytes
			r.Goroutines += f.Count
			r.FindRetainedDetails += f.Detail + "\n"
		}
		r.Groups = len(rep.Findings)
	default:
		return fmt.Errorf("unknown mode %q", mode)
	}
	r.PeakRSS = rss("VmHWM")
	runtime.KeepAlive(global)
	return json.NewEncoder(os.Stdout).Encode(r)
}

// breakdown measures the steps of RetainedBytes one by one.
func breakdown(r *result, group []int64) error {
	dir, err := os.MkdirTemp("", "retained-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	name := filepath.Join(dir, "heap.dump")
	f, err := os.Create(name)
	if err != nil {
		return err
	}
	start, cpu := time.Now(), cpuTime()
	debug.WriteHeapDump(f.Fd())
	r.Dump, r.DumpCPU = time.Since(start), cpuTime()-cpu
	r.PeakDump = rss("VmHWM")
	if err := f.Close(); err != nil {
		return err
	}
	fi, err := os.Stat(name)
	if err != nil {
		return err
	}
	r.DumpBytes = fi.Size()
	start, cpu = time.Now(), cpuTime()
	d, err := heapdump.ParseFile(name)
	if err != nil {
		return err
	}
	r.Parse, r.ParseCPU = time.Since(start), cpuTime()-cpu
	r.PeakParse = rss("VmHWM")
	r.Objects, r.Pointers = d.Objects.Len(), d.Objects.NumEdges()
	start, cpu = time.Now(), cpuTime()
	res, err := retain.Goroutines(d, [][]int64{group})
	if err != nil {
		return err
	}
	r.Analyze, r.AnalyzeCPU = time.Since(start), cpuTime()-cpu
	r.Retained, r.Goroutines = res[0].Bytes, res[0].Goroutines
	return nil
}

// cpuTime returns the user and system time the process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// resetPeakRSS resets the process's peak RSS (VmHWM) to its current RSS.
func resetPeakRSS() error {
	if err := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0); err != nil {
		return fmt.Errorf("reset peak RSS (Linux only): %w", err)
	}
	return nil
}

// rss returns a size field of /proc/self/status ("VmRSS", "VmHWM") in bytes.
func rss(field string) int64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return -1
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		name, val, ok := strings.Cut(sc.Text(), ":")
		if ok && name == field {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(val), " kB"), 10, 64)
			if err == nil {
				return kb << 10
			}
		}
	}
	return -1
}
