package a

import "runtime"

// A send on a channel made with a buffer waits only when the buffer is
// full: the package's own channels with a buffer are not reported.

type request struct {
	fd   int
	done chan int
}

func newRequest(fd int) *request { return &request{fd: fd, done: make(chan int, 1)} }

func (r *request) settle() { r.done <- r.fd }

func bufferedField() {
	r := newRequest(3)
	runtime.SetFinalizer(r, (*request).settle)
}

type waiter struct{ done chan int }

func newWaiter() *waiter { return &waiter{done: make(chan int)} }

func (w *waiter) wake() { w.done <- 1 }

func unbufferedField() {
	runtime.SetFinalizer(newWaiter(), (*waiter).wake) // want `finalizer blocks on a channel send at line 26`
}

type lease struct{ freed chan int }

func newLease() *lease { return &lease{freed: make(chan int, 8)} }

func (l *lease) free() { l.freed <- 1 }

func (l *lease) stop() { l.freed = nil } // a send on a nil channel blocks forever

func sometimesNil() {
	runtime.SetFinalizer(newLease(), (*lease).free) // want `finalizer blocks on a channel send at line 36`
}

var recycled = make(chan *T, 16)

func bufferedGlobal() {
	runtime.SetFinalizer(newT(), func(t *T) { recycled <- t })
}

func bufferedLocal() {
	ch := make(chan *T, 1)
	runtime.SetFinalizer(newT(), func(t *T) { ch <- t })
}
