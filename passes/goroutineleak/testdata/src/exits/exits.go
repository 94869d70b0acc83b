// Package exits holds paths that end the process through a helper of
// another package: a goroutine still sending there does not leak.
package exits

import (
	"context"

	"exits/fatal"
)

func compute() int { return 1 }

func timeoutExits(ctx context.Context) int {
	ch := make(chan int)
	go func() {
		ch <- compute()
	}()
	select {
	case v := <-ch:
		return v
	case <-ctx.Done():
		fatal.Exit("timeout")
	}
	return 0
}

func timeoutWarns(ctx context.Context) int {
	ch := make(chan int)
	go func() { // want `its send on ch at line 30 is never received when the select takes the case at line 35 and timeoutWarns returns at line 38`
		ch <- compute()
	}()
	select {
	case v := <-ch:
		return v
	case <-ctx.Done():
		fatal.Warn("timeout")
	}
	return 0
}
