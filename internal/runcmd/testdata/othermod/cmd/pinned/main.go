// Command pinned starts five goroutines that block forever on channels
// nobody else can reach, each holding a 10 MB buffer: 50 MB the garbage
// collector can never free. A sixth shares its 10 MB buffer with a global,
// so it keeps nothing alive on its own.
package main

import (
	"fmt"
	"runtime"
	"time"
)

const mb = 1 << 20

// Shared is the global that also holds the buffer of the sharing goroutine.
var Shared []byte

func hold(buf []byte) {
	ch := make(chan int)
	<-ch // never sent on: nobody else has ch
	runtime.KeepAlive(buf)
}

func holdShared(buf []byte) {
	ch := make(chan struct{})
	<-ch
	runtime.KeepAlive(buf)
}

func main() {
	for range 5 {
		go hold(make([]byte, 10*mb))
	}
	Shared = make([]byte, 10*mb)
	go holdShared(Shared)
	time.Sleep(100 * time.Millisecond) // let them block
	fmt.Println("started 6 goroutines")
}
