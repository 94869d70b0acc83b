// Command rawfd is a reactor-style server that keeps only the raw descriptor
// of its listener for its own event loop and drops the listener and the file.
// After a GC both finalizers run: the port stops listening and the raw fd is
// closed under the event loop (DESIGN.md, problem 2).
package main

import (
	"fmt"
	"log"
	"net"
	"runtime"
	"time"
)

// listenRaw returns the descriptor of a new listener on addr; the listener
// and its *os.File are dropped (the bug).
func listenRaw(addr string) (int, string, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return -1, "", err
	}
	f, err := ln.(*net.TCPListener).File()
	if err != nil {
		return -1, "", err
	}
	return int(f.Fd()), ln.Addr().String(), nil
}

func main() {
	fd, addr, err := listenRaw("127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("event loop polls fd %d for %s\n", fd, addr)
	for range 3 {
		runtime.GC()
		time.Sleep(20 * time.Millisecond)
	}
	if c, err := net.Dial("tcp", addr); err != nil {
		fmt.Println("dial after GC:", err)
	} else {
		c.Close()
	}
}
