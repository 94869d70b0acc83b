//go:build !amd64

package track

import "runtime"

// callerPCs fills pcs with the return addresses of the frames of its
// caller's callers, innermost first, and returns how many it wrote.
func callerPCs(pcs []uintptr) int {
	return runtime.Callers(3, pcs)
}
