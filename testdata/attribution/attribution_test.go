// Package attribution is run by the leakhound tests with "go test -json": two
// parallel tests, one leaking and one clean, and the same with subtests. Only
// the leaking ones may fail, each with its own stack.
package attribution

import (
	"testing"
	"time"

	"github.com/leakhound/leakhound"
)

func leakForever() {
	ch := make(chan int)
	<-ch
}

func TestLeaky(t *testing.T) {
	leakhound.Check(t, leakhound.MaxWait(200*time.Millisecond))
	t.Parallel()
	go leakForever()
	time.Sleep(50 * time.Millisecond) // overlap with TestClean
}

func TestClean(t *testing.T) {
	leakhound.Check(t, leakhound.MaxWait(200*time.Millisecond))
	t.Parallel()
	done := make(chan struct{})
	go func() {
		time.Sleep(80 * time.Millisecond) // outlives TestLeaky's verdict
		close(done)
	}()
	<-done
}

func TestSubtests(t *testing.T) {
	t.Run("leaks", func(t *testing.T) {
		leakhound.Check(t, leakhound.MaxWait(200*time.Millisecond))
		t.Parallel()
		go leakForever()
		time.Sleep(50 * time.Millisecond)
	})
	t.Run("clean", func(t *testing.T) {
		leakhound.Check(t, leakhound.MaxWait(200*time.Millisecond))
		t.Parallel()
		time.Sleep(80 * time.Millisecond)
	})
}
