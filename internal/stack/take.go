package stack

import "runtime"

// startDumpBytes is the size TakeDump starts with when it is given no
// buffer.
const startDumpBytes = 64 << 10

// TakeDump writes the stacks of all goroutines of the process, as
// runtime.Stack(buf, true) does (stopping the world while it writes), and
// returns them. The dump is written into buf when it fits; otherwise
// TakeDump allocates a buffer twice as large, and again, until the dump fits
// or the buffer holds at least limit bytes. An empty buf starts at 64 KiB.
//
// complete is false when the dump did not fit even then: dump is its
// beginning, cut at the end of the last buffer (ParseDump returns the
// goroutines before the cut, with an error). dump is a prefix of the buffer
// written last, so a caller can keep dump[:cap(dump)] for the next call.
func TakeDump(buf []byte, limit int) (dump []byte, complete bool) {
	if len(buf) == 0 {
		buf = make([]byte, startDumpBytes)
	}
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			return buf[:n], true
		}
		if len(buf) >= limit {
			return buf, false
		}
		buf = make([]byte, 2*len(buf))
	}
}
