//go:build ignore

// gen writes the fixtures of package inspectcmd: two real goroutine dumps
// (the goroutineleak profile at debug=2) of one program, taken from two
// runs, so that the same leaks differ in what a re-taken dump changes:
// goroutine ids, argument addresses and wait minutes. Run it with a Go that
// has the goroutineleak profile; it takes a little over a minute:
//
//	GOTOOLCHAIN=go1.27.4 go run -trimpath gen.go
//
// (-trimpath keeps machine-specific paths out of the fixtures.)
//
// The program has three suspect sites:
//   - main.leakSend.func1: 3 goroutines blocked sending on a channel nobody
//     else can reach (proven leaked);
//   - main.blockGlobal.func1: 5 goroutines receiving from a package-level
//     channel (long-blocked);
//   - main.(*pool).wait: 4 goroutines of main.worker, started by
//     main.startPool, in a select on the pool's channels (long-blocked).
package main

import (
	"bytes"
	"flag"
	"fmt"
	"log"
	"os"
	"os/exec"
	"runtime"
	"runtime/pprof"
	"sync"
	"time"
)

var global = make(chan int)

// leakSend blocks forever on a channel nobody else can reach: proven leak.
func leakSend(buf *[64]byte) {
	ch := make(chan *[64]byte)
	go func(b *[64]byte) { ch <- b }(buf)
}

// blockGlobal blocks on a package-level channel: not provable, suspected.
func blockGlobal() {
	go func() { <-global }()
}

type pool struct {
	jobs, quit chan int
}

var pools []*pool // reachable: the workers are not provably leaked

//go:noinline
func (p *pool) wait() {
	select {
	case <-p.jobs:
	case <-p.quit:
	}
}

//go:noinline
func worker(p *pool, id int) { p.wait() }

func startPool(n int) {
	p := &pool{jobs: make(chan int), quit: make(chan int)}
	pools = append(pools, p)
	for i := range n {
		go worker(p, i)
	}
}

func main() {
	child := flag.Bool("child", false, "be the program: print the dump on stdout")
	shift := flag.Int("shift", 0, "goroutines and allocations to make before the leaks (other ids and addresses)")
	wait := flag.Duration("wait", 0, "how long the leaks wait before the dump")
	flag.Parse()
	if !*child {
		write("dump-first.txt", "-shift", "0", "-wait", "100ms")
		write("dump-later.txt", "-shift", "37", "-wait", "65s")
		return
	}
	var wg sync.WaitGroup
	var keep [][]byte
	for i := range *shift {
		keep = append(keep, make([]byte, 1024*(i+1)))
		wg.Add(1)
		go wg.Done()
	}
	wg.Wait()
	for range 3 {
		leakSend(new([64]byte))
	}
	for range 5 {
		blockGlobal()
	}
	startPool(4)
	// A garbage collection stamps the goroutines blocked then with its
	// start: the dump prints their wait in minutes from that time on.
	time.Sleep(10 * time.Millisecond)
	runtime.GC()
	time.Sleep(*wait)
	runtime.GC()
	var b bytes.Buffer
	if err := pprof.Lookup("goroutineleak").WriteTo(&b, 2); err != nil {
		log.Fatal(err)
	}
	os.Stdout.Write(b.Bytes())
	runtime.KeepAlive(keep)
}

// write runs this program as a child with args and writes its dump to name.
func write(name string, args ...string) {
	if pprof.Lookup("goroutineleak") == nil {
		log.Fatal("the goroutineleak profile is missing: run with Go 1.27 or GOEXPERIMENT=goroutineleakprofile")
	}
	exe, err := os.Executable()
	if err != nil {
		log.Fatal(err)
	}
	out, err := exec.Command(exe, append([]string{"-child"}, args...)...).Output()
	if err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(name, out, 0o644); err != nil {
		log.Fatal(err)
	}
	fmt.Println("wrote", name, len(out), "bytes")
}
