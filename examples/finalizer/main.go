// Command finalizer registers a finalizer that blocks: all finalizers run on
// one goroutine, so every later finalizer (and every GC-driven Close) stalls
// behind it (DESIGN.md, problem 5).
package main

import (
	"fmt"
	"os"
	"runtime"
	"time"
)

type cache struct{ buf []byte }

// newCache returns a cache whose finalizer waits for a flush that never
// comes; started is closed when the finalizer runs.
func newCache(flush, started chan struct{}) *cache {
	c := &cache{buf: make([]byte, 1024)}
	runtime.SetFinalizer(c, func(*cache) {
		close(started)
		<-flush
	})
	return c
}

func main() {
	flush, started := make(chan struct{}), make(chan struct{})
	newCache(flush, started)
	for done := false; !done; {
		runtime.GC()
		select {
		case <-started: // the finalizer goroutine is now stuck
			done = true
		case <-time.After(10 * time.Millisecond):
		}
	}

	for range 3 {
		f, err := os.Open(os.Args[0])
		if err != nil {
			fmt.Println(err)
			return
		}
		_ = f // dropped without Close: its finalizer is queued behind the stuck one
	}
	for range 3 {
		runtime.GC()
		time.Sleep(20 * time.Millisecond)
	}
	fmt.Println("3 files dropped; their finalizers wait behind the stuck one")
	runtime.KeepAlive(flush)
}
