package locks

import (
	"runtime"
	"sync"
)

type T struct{ n int }

var (
	mu    sync.Mutex
	rw    sync.RWMutex
	count int
)

func lock() {
	runtime.SetFinalizer(&T{}, func(*T) { // want `finalizer waits on Mutex.Lock at line 18 while another goroutine holds the lock: all finalizers run on one goroutine`
		mu.Lock()
		count--
		mu.Unlock()
	})
}

func readLock(t *T) {
	runtime.AddCleanup(t, func(int) { // want `cleanup waits on RWMutex.RLock at line 26 while another goroutine holds the lock: cleanups share a few goroutines`
		rw.RLock()
		defer rw.RUnlock()
	}, 0)
}

func decrement() {
	mu.Lock()
	count--
	mu.Unlock()
}

// lockInHelper is not reported: locks count in the function's own body.
func lockInHelper() {
	runtime.SetFinalizer(&T{}, func(*T) { decrement() })
}
