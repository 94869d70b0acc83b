// Command daemon starts goroutines that live as long as the process.
package main

import "time"

func main() {
	startTicker()
	run()
}

func startTicker() {
	go func() {
		for {
			time.Sleep(time.Second)
		}
	}()
}

func run() {
	for i := 0; i < 3; i++ {
		handle()
	}
}

func handle() {
	go func() { // want `never returns: the loop at line 27 has no exit`
		for {
			time.Sleep(time.Second)
		}
	}()
}
