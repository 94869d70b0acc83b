// Command cgomod opens a file from Go code called back from C, and leaves it
// open: the tracker must capture the opener's stack without trusting the
// frame pointers of the C frames below the callback.
package main

/*
#cgo CFLAGS: -O2 -fomit-frame-pointer

extern void goOpen(int);

// callFromC keeps six values alive across the callback, so the C compiler
// holds them in every callee-saved register, the frame pointer register
// included: Go code called back from here runs with a junk frame pointer
// below it.
__attribute__((noinline)) static long callFromC(long a) {
	long b = a * 0x5a5a5a5a5a5a5a5bL, c = b ^ 0x1234567887654321L, d = c * 3;
	long e = d + b, f = e * c, g = f ^ a;
	goOpen(0);
	return a + b + c + d + e + f + g;
}
*/
import "C"

import (
	"fmt"
	"os"
)

var kept []*os.File

//export goOpen
func goOpen(C.int) {
	f, err := os.Open("go.mod")
	if err != nil {
		panic(err)
	}
	kept = append(kept, f)
}

func main() {
	C.callFromC(7)
	fmt.Println("opened", len(kept), "file(s) from a C callback")
}
