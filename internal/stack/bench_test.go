package stack_test

import (
	"sync"
	"testing"

	"github.com/leakhound/leakhound/internal/stack"
	"github.com/leakhound/leakhound/internal/testutil/stacktest"
)

var (
	benchOnce sync.Once
	benchDump []byte
)

// BenchmarkParseDump parses a real runtime.Stack(all) dump of 100,000
// blocked goroutines. The comparison with panicparse lives in the bench
// module (bench/parser).
func BenchmarkParseDump(b *testing.B) {
	benchOnce.Do(func() { benchDump = stacktest.BlockedDump(100_000) })
	b.SetBytes(int64(len(benchDump)))
	b.ReportAllocs()
	for b.Loop() {
		d, err := stack.ParseDump(benchDump)
		if err != nil {
			b.Fatal(err)
		}
		if len(d.Goroutines) < 100_000 {
			b.Fatalf("parsed %d goroutines, want at least 100000", len(d.Goroutines))
		}
	}
}
