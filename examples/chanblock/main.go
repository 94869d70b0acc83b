// Command chanblock starts one goroutine per job and keeps only the first
// answer: the others block forever on a channel nobody else can reach, each
// pinning its buffer (DESIGN.md, problem 4).
package main

import (
	"fmt"
	"time"
)

// first returns the first of the answers of n workers.
func first(n int) int {
	ch := make(chan int) // bug: unbuffered, and only one receive
	for i := range n {
		go func() {
			buf := make([]byte, 1<<20)
			buf[0] = byte(i)
			ch <- int(buf[0])
		}()
	}
	return <-ch
}

func main() {
	fmt.Println("first answer:", first(4))
	time.Sleep(50 * time.Millisecond) // let the other workers block
}
