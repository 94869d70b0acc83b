package track

// callerPCs fills pcs with the return addresses of the frames of its
// caller's callers, innermost first, as runtime.Callers(2, pcs) called by
// its caller would, and returns how many it wrote. It follows the frame
// pointers, as the runtime's execution tracer does, which costs a few
// nanoseconds instead of the full unwinder's tens per frame. Wrapper frames,
// which runtime.Callers leaves out, are kept: originFrames drops them.
//
//go:noescape
func callerPCs(pcs []uintptr) int
