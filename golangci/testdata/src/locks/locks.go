package locks

import (
	"runtime"
	"sync"
)

var mu sync.Mutex

func set() {
	runtime.SetFinalizer(new(int), func(*int) { // want `finalizer waits on Mutex.Lock`
		mu.Lock()
		mu.Unlock()
	})
}
