package finalizer

import "runtime"

type T struct{ n int }

func set(done chan struct{}) {
	runtime.SetFinalizer(&T{}, func(*T) { <-done }) // want `finalizer blocks on a channel receive`
}

func setSuppressed(done chan struct{}) {
	runtime.SetFinalizer(&T{}, func(*T) { <-done }) //leakhound:ignore all done is closed right after
}
