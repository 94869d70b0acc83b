package track

import (
	"os"
	_ "unsafe" // for go:linkname
)

// Hooks of the instrumented standard library, declared there with the push
// form of //go:linkname (internal/instrument/stdfiles). Without
// instrumentation these variables are only declared here, stay zero, and
// nothing is tracked. Their types must match the declarations in stdfiles:
// internal/instrument's TestHookTypes compares them.
var (
	//go:linkname osInstrumented os.leakhoundInstrumented
	osInstrumented bool
	//go:linkname osAtExit os.leakhoundAtExit
	osAtExit func(func())
	//go:linkname osExit os.leakhoundExitHook
	osExit func(code int) int

	//go:linkname osOpen os.leakhoundOpen
	osOpen openHook
	//go:linkname osClose os.leakhoundClose
	osClose keyHook
	//go:linkname osGC os.leakhoundGC
	osGC keyHook
	//go:linkname osRaw os.leakhoundRaw
	osRaw keyHook

	//go:linkname netOpen net.leakhoundOpen
	netOpen openHook
	//go:linkname netClose net.leakhoundClose
	netClose keyHook
	//go:linkname netGC net.leakhoundGC
	netGC keyHook
	//go:linkname netRaw net.leakhoundRaw
	netRaw keyHook

	//go:linkname httpOpen net/http.leakhoundOpen
	httpOpen openHook
	//go:linkname httpClose net/http.leakhoundClose
	httpClose keyHook
	//go:linkname httpGC net/http.leakhoundGC
	httpGC keyHook

	//go:linkname sqlOpen database/sql.leakhoundOpen
	sqlOpen openHook
	//go:linkname sqlClose database/sql.leakhoundClose
	sqlClose keyHook
	//go:linkname sqlGC database/sql.leakhoundGC
	sqlGC keyHook

	//go:linkname execOpen os/exec.leakhoundOpen
	execOpen openHook
	//go:linkname execClose os/exec.leakhoundClose
	execClose keyHook
	//go:linkname execGC os/exec.leakhoundGC
	execGC keyHook

	//go:linkname syscallFdOpened syscall.leakhoundFdOpened
	syscallFdOpened func(fd int)
	//go:linkname syscallFdClosed syscall.leakhoundFdClosed
	syscallFdClosed func(fd int)
	//go:linkname syscallFdRecords syscall.leakhoundFdRecords
	syscallFdRecords bool

	//go:linkname signalHandlers os/signal.leakhoundHandlers
	signalHandlers func(os.Signal) int
	//go:linkname testingTest testing.leakhoundTest
	testingTest func(name string) (end func() string)

	// Goroutine ownership, kept by the instrumented runtime in each
	// goroutine's record and inherited at go statements: nothing a program
	// can observe (no profiler label, no extra goroutine).

	//go:linkname runtimeOwner runtime.leakhoundOwner
	runtimeOwner func() uint64
	//go:linkname runtimeSetOwner runtime.leakhoundSetOwner
	runtimeSetOwner func(uint64)
	//go:linkname runtimeOwned runtime.leakhoundOwned
	runtimeOwned func(owner uint64, ids []uint64) []uint64
	//go:linkname runtimeCreatedAt runtime.leakhoundCreatedAt
	runtimeCreatedAt func(goid uint64) []uintptr
	//go:linkname runtimeCapturing runtime.leakhoundCapturing
	runtimeCapturing bool
	//go:linkname runtimeGo runtime.leakhoundGo
	runtimeGo func(func())
	//go:linkname runtimeGOROOT runtime.leakhoundGOROOT
	runtimeGOROOT string

	// runtimeCallers is the instrumented runtime's stack capture (a
	// frame-pointer walk where that is safe, the unwinder elsewhere): see
	// callerPCs.
	//
	//go:linkname runtimeCallers runtime.leakhoundCallers
	runtimeCallers func(skip int) []uintptr
)

type (
	openHook = func(kind string, key uintptr, fd int, name string, local, remote any)
	keyHook  = func(key uintptr)
)

// Instrumented reports whether the program was built with leakhound's
// instrumented standard library, so that resources are tracked.
func Instrumented() bool { return osInstrumented }

// owner returns the test that owns the calling goroutine (0: none).
func owner() uint64 {
	if runtimeOwner == nil {
		return 0
	}
	return runtimeOwner()
}

// background runs f on a goroutine of its own that the program cannot see:
// with the instrumented runtime it is a system goroutine, left out of
// runtime.NumGoroutine, runtime.Stack and the goroutine profile as the
// runtime's own are.
func background(f func()) {
	if runtimeGo != nil {
		runtimeGo(f)
		return
	}
	go f()
}
