package parser

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"sync"
	"testing"

	pstack "github.com/maruel/panicparse/v2/stack"

	"github.com/leakhound/leakhound/internal/stack"
	"github.com/leakhound/leakhound/internal/testutil/stacktest"
)

var minRatio = flag.Float64("minratio", 0, "fail TestParserRatio when leakhound is less than this many times faster than panicparse (0: only report)")

const goroutines = 100_000

var (
	dumpOnce sync.Once
	dump     []byte
)

// realDump returns a runtime.Stack(all) dump of this process with 100,000
// blocked goroutines, taken once.
func realDump() []byte {
	dumpOnce.Do(func() { dump = stacktest.BlockedDump(goroutines) })
	return dump
}

func parseLeakhound(data []byte) (int, error) {
	d, err := stack.ParseDump(data)
	if err != nil {
		return 0, err
	}
	return len(d.Goroutines), nil
}

// parsePanicparse uses panicparse with every optional analysis off, its
// fastest configuration.
func parsePanicparse(data []byte) (int, error) {
	snap, _, err := pstack.ScanSnapshot(bytes.NewReader(data), io.Discard, &pstack.Opts{})
	if err != nil && err != io.EOF {
		return 0, err
	}
	if snap == nil {
		return 0, fmt.Errorf("panicparse found no snapshot")
	}
	return len(snap.Goroutines), nil
}

var parsers = []struct {
	name  string
	parse func([]byte) (int, error)
}{
	{"leakhound", parseLeakhound},
	{"panicparse", parsePanicparse},
}

func BenchmarkParse(b *testing.B) {
	data := realDump()
	for _, p := range parsers {
		b.Run(p.name, func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := p.parse(data); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestParserRatio checks that both parsers see every goroutine of the same
// dump, then benchmarks them and prints MB/s and the ratio.
func TestParserRatio(t *testing.T) {
	if testing.Short() {
		t.Skip("generates a 100,000-goroutine dump and benchmarks two parsers")
	}
	data := realDump()
	var mbs []float64
	t.Logf("dump: %d goroutines, %.1f MB", goroutines, float64(len(data))/1e6)
	t.Logf("%-12s %12s %10s %14s", "parser", "goroutines", "MB/s", "ms/parse")
	for _, p := range parsers {
		n, err := p.parse(data)
		if err != nil {
			t.Fatalf("%s: %v", p.name, err)
		}
		if n < goroutines {
			t.Fatalf("%s parsed %d goroutines, want at least %d", p.name, n, goroutines)
		}
		r := testing.Benchmark(func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				p.parse(data)
			}
		})
		mb := float64(r.Bytes) * float64(r.N) / 1e6 / r.T.Seconds()
		mbs = append(mbs, mb)
		t.Logf("%-12s %12d %10.0f %14.1f", p.name, n, mb, float64(r.NsPerOp())/1e6)
	}
	ratio := mbs[0] / mbs[1]
	t.Logf("leakhound / panicparse: %.1fx", ratio)
	if *minRatio > 0 && ratio < *minRatio {
		t.Errorf("leakhound is %.1fx faster than panicparse, want at least %.1fx", ratio, *minRatio)
	}
}
