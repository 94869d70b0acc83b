// Package goleak is checked by the goroutineleak integration test of
// leakhound vet.
package goleak

import (
	"context"
	"time"
)

// Fetch leaks its sender when the context is done first.
func Fetch(ctx context.Context, slow func() int) (int, error) {
	ch := make(chan int)
	go func() {
		ch <- slow()
	}()
	select {
	case v := <-ch:
		return v, nil
	case <-ctx.Done():
		return 0, ctx.Err()
	}
}

// Poll leaks on purpose, and says so.
func Poll(poll func()) {
	//leakhound:ignore goroutineleak polls for the life of the process
	go func() {
		for range time.Tick(time.Second) {
			poll()
		}
	}()
}
