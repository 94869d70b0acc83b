package track

import (
	"runtime"
	"runtime/metrics"
	"sync"
	"testing"
)

// TestBackgroundStacksUncounted checks that the tracker's goroutines leave
// the stacks of the program's new goroutines as they would be without it:
// the runtime starts goroutines with the average stack use it scanned at the
// last collection, and many parked goroutines with small stacks lower that
// average (the check below that plain ones do keeps the test able to fail).
func TestBackgroundStacksUncounted(t *testing.T) {
	if !Instrumented() {
		t.Skip("needs the instrumented runtime: internal/runcmd's TestTrackUnderLeakhound runs it under leakhound test")
	}
	const deep, small = 64, 512
	release := make(chan struct{})
	defer close(release)
	var wg sync.WaitGroup
	for range deep {
		wg.Add(1)
		go func() { recurse(160, wg.Done, release) }()
	}
	wg.Wait()
	before := startingStackSize(t)
	if before <= 4096 {
		t.Fatalf("starting stack size %d B with %d goroutines parked deep in their stacks: want more than 4096", before, deep)
	}

	for range small {
		wg.Add(1)
		background(func() {
			wg.Done()
			<-release
		})
	}
	wg.Wait()
	if got := startingStackSize(t); got != before {
		t.Errorf("starting stack size %d B after %d background goroutines started, want %d as before", got, small, before)
	}

	for range small {
		wg.Add(1)
		go func() {
			wg.Done()
			<-release
		}()
	}
	wg.Wait()
	if got := startingStackSize(t); got >= before {
		t.Errorf("starting stack size %d B after %d program goroutines with small stacks started, want less than %d", got, small, before)
	}
}

// recurse calls itself n times, each frame holding a buffer on the stack,
// then calls ready and waits for release.
func recurse(n int, ready func(), release <-chan struct{}) byte {
	var buf [96]byte
	buf[n%len(buf)] = byte(n)
	if n == 0 {
		ready()
		<-release
		return buf[0]
	}
	return recurse(n-1, ready, release) + buf[n%len(buf)]
}

// startingStackSize collects garbage, which sets the size new goroutines'
// stacks start with, and returns it.
func startingStackSize(t *testing.T) uint64 {
	t.Helper()
	runtime.GC()
	s := []metrics.Sample{{Name: "/gc/stack/starting-size:bytes"}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		t.Fatal("the runtime has no /gc/stack/starting-size:bytes metric")
	}
	return s[0].Value.Uint64()
}
