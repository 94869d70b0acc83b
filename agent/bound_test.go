package agent

import (
	"runtime"
	"sync"
	"testing"
	"time"
)

// parkAtSixSites parks goroutines at six distinct blocking sites until the
// test ends.
func parkAtSixSites(t *testing.T) {
	release := make(chan struct{})
	var mu sync.Mutex
	mu.Lock()
	var wg sync.WaitGroup
	t.Cleanup(func() {
		close(release)
		mu.Unlock()
		wg.Wait()
	})
	park := func(n int, f func()) {
		for range n {
			wg.Go(f)
		}
	}
	park(6, func() { <-release })
	park(5, func() {
		select {
		case <-release:
		}
	})
	park(4, func() { mu.Lock(); mu.Unlock() })
	park(3, func() {
		for range release {
		}
	})
	park(2, func() {
		var c chan int
		select {
		case <-release:
		case <-c:
		}
	})
	park(1, func() { <-release; _ = 0 })
}

// TestMemoryBounded takes 20 times as many samples as the history keeps,
// with more blocking sites than MaxSites, and checks that what the agent
// keeps stays within its bounds and the heap does not grow with uptime.
func TestMemoryBounded(t *testing.T) {
	parkAtSixSites(t)
	o, err := Options{History: 50, MaxSites: 3, ProvenInterval: -1}.withDefaults()
	if err != nil {
		t.Fatal(err)
	}
	s := newState(o)
	now := time.Unix(0, 0)
	tick := func(n int) {
		for range n {
			now = now.Add(time.Second)
			s.sample(now)
		}
	}
	heap := func() uint64 {
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return ms.HeapAlloc
	}
	tick(o.History) // fill the ring once
	before := heap()
	tick(20 * o.History)
	after := heap()

	// 1000 samples, each with 3 sites and a map of descriptor kinds, would
	// keep several hundred KB if the history grew; the ring keeps 50 points.
	if grew := int64(after) - int64(before); grew > 64<<10 {
		t.Errorf("heap grew by %d bytes over %d samples, want it flat once the history is full", grew, 20*o.History)
	}
	sn := s.snapshot()
	if len(sn.Points) != o.History || sn.Samples != 21*o.History {
		t.Errorf("kept %d points after %d samples, want %d", len(sn.Points), sn.Samples, o.History)
	}
	for _, p := range sn.Points {
		if len(p.sites) != o.MaxSites {
			t.Fatalf("a point keeps %d sites, want MaxSites = %d", len(p.sites), o.MaxSites)
		}
	}
	if n := len(sn.Latest.Groups); n != o.MaxSites+1 {
		t.Errorf("latest sample keeps %d groups, want MaxSites + 1 (the rest summed)", n)
	}
	if other := sn.Latest.Groups[o.MaxSites]; other.Wait != "other" || other.Count < 6 {
		t.Errorf("last group = %q x %d, want the goroutines outside the largest sites summed as \"other\"", other.Wait, other.Count)
	}
}

// TestDumpBufferShrinks checks that a burst of goroutines does not keep a
// large dump buffer forever.
func TestDumpBufferShrinks(t *testing.T) {
	o, _ := Options{ProvenInterval: -1, DumpGoroutines: 5000}.withDefaults()
	s := newState(o)
	release := make(chan struct{})
	var wg sync.WaitGroup
	for range 2000 {
		wg.Go(func() { <-release })
	}
	s.sample(time.Now())
	big := len(s.dumpBuf)
	close(release)
	wg.Wait()
	for range 8 {
		s.sample(time.Now())
	}
	if big <= minDumpBytes || len(s.dumpBuf) > big/4 {
		t.Errorf("dump buffer %d bytes with 2000 goroutines, %d after they exited; want it to shrink", big, len(s.dumpBuf))
	}
}
