package track

import (
	"runtime"
	"slices"
)

// maxDepth bounds the opener stacks kept per resource (the instrumented
// runtime's capture keeps as many).
const maxDepth = 32

// callerPCs returns, in a slice of their own, the return addresses of the
// frames of its caller's callers, innermost first, as runtime.Callers(2,
// pcs) called by its caller would. In an instrumented program it walks frame
// pointers, a few nanoseconds where runtime.Callers takes over a hundred;
// wrapper frames, which runtime.Callers leaves out, are then kept
// (originFrames drops them).
//
//go:noinline
func callerPCs() []uintptr {
	if c := runtimeCallers; c != nil {
		// Skip the physical frames of callerPCs and its caller.
		return c(2)
	}
	var buf [maxDepth]uintptr
	return slices.Clone(buf[:runtime.Callers(3, buf[:])])
}
