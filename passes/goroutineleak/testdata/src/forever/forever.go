// Package forever holds functions that poll a sender's channel in a loop
// over a ticker: the loop ends only by return, so the sender is received
// from or the function returns on a path the walk follows.
package forever

import "time"

func compute() int { return 1 }

func pollForever(d time.Duration) {
	ch := make(chan int)
	go func() { ch <- compute() }()
	t := time.NewTicker(d)
	for range t.C {
		select {
		case v := <-ch:
			println(v)
		default:
		}
	}
}

func pollTickForever(d time.Duration) {
	ch := make(chan int)
	go func() { ch <- compute() }()
	for range time.Tick(d) {
		select {
		case v := <-ch:
			println(v)
		default:
		}
	}
}

func pollUntilStopped(d time.Duration, stop chan struct{}) {
	ch := make(chan int)
	go func() { ch <- compute() }() // want `its send on ch at line 37 is never received when the select takes the case at line 42 and pollUntilStopped returns at line 43`
	t := time.NewTicker(d)
	defer t.Stop()
	for range t.C {
		select {
		case <-stop:
			return
		case v := <-ch:
			println(v)
		default:
		}
	}
}
