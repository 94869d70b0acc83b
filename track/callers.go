package track

import (
	"runtime"
	_ "unsafe" // for go:linkname
)

// runtimeCallers is the instrumented runtime's stack capture (a
// frame-pointer walk where that is safe, the unwinder elsewhere), set there
// and reached through the push form of //go:linkname; nil without
// instrumentation.
//
//go:linkname runtimeCallers runtime.leakhoundCallers
var runtimeCallers func(skip int, pcs []uintptr) int

// callerPCs fills pcs with the return addresses of the frames of its
// caller's callers, innermost first, as runtime.Callers(2, pcs) called by its
// caller would, and returns how many it wrote. In an instrumented program it
// walks frame pointers, a few nanoseconds where runtime.Callers takes over a
// hundred; wrapper frames, which runtime.Callers leaves out, are then kept
// (originFrames drops them).
//
//go:noinline
func callerPCs(pcs []uintptr) int {
	if c := runtimeCallers; c != nil {
		// Skip the physical frames of callerPCs and its caller.
		return c(2, pcs)
	}
	return runtime.Callers(3, pcs)
}
