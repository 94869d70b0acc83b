// Package stacktest produces real goroutine dumps for tests and benchmarks
// of the stack package and its peers.
package stacktest

import (
	"math"
	"runtime"
	"sync"
	"time"

	"github.com/leakhound/leakhound/internal/stack"
)

// BlockedDump starts n goroutines blocked in a few distinct ways (channel
// receive, select, mutex, sleep, behind a few call levels), takes
// runtime.Stack(all) of the whole process, releases them, and returns the
// dump. It needs about 3 KiB of memory per goroutine while they run.
func BlockedDump(n int) []byte {
	var (
		started sync.WaitGroup
		stopped sync.WaitGroup
		release = make(chan struct{})
		mu      sync.Mutex
	)
	mu.Lock()
	started.Add(n)
	stopped.Add(n)
	for i := range n {
		go func() {
			defer stopped.Done()
			switch i % 4 {
			case 0:
				receiveVia(&started, release)
			case 1:
				(&waiter{release}).selectLoop(&started)
			case 2:
				started.Done()
				mu.Lock()
				mu.Unlock()
			case 3:
				started.Done()
				sleepUntil(release)
			}
		}()
	}
	started.Wait()
	time.Sleep(10 * time.Millisecond) // let the last ones park
	buf, _ := stack.TakeDump(make([]byte, n*700+1<<20), math.MaxInt)
	close(release)
	mu.Unlock()
	stopped.Wait()
	runtime.GC() // so that measurements after this do not pay for the stacks
	return buf
}

//go:noinline
func receiveVia(started *sync.WaitGroup, ch chan struct{}) {
	started.Done()
	deeper(ch, 3)
}

//go:noinline
func deeper(ch chan struct{}, n int) {
	if n == 0 {
		<-ch
		return
	}
	deeper(ch, n-1)
}

type waiter struct{ release chan struct{} }

//go:noinline
func (w *waiter) selectLoop(started *sync.WaitGroup) {
	tick := make(chan int)
	started.Done()
	select {
	case <-w.release:
	case <-tick:
	}
}

//go:noinline
func sleepUntil(release chan struct{}) {
	for {
		select {
		case <-release:
			return
		default:
			time.Sleep(time.Second)
		}
	}
}
