package leaky

import "runtime"

type cache struct{ buf []byte }

// NewCache returns a cache whose finalizer waits for a flush.
func NewCache(flush chan struct{}) *cache {
	c := &cache{buf: make([]byte, 1024)}
	runtime.SetFinalizer(c, func(*cache) { <-flush })
	return c
}

// NewTestCache does the same in tests, where flush is closed at the end.
func NewTestCache(flush chan struct{}) *cache {
	c := &cache{buf: make([]byte, 1024)}
	runtime.SetFinalizer(c, func(*cache) { <-flush }) //leakhound:ignore finalizer,rawfd flush is closed when the test ends
	return c
}

//leakhound:ignore finalizer
var noReason int

//leakhound:ignore finaliser typo in the name
var typo int
