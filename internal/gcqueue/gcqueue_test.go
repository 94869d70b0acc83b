package gcqueue

import "testing"

func TestGrowthObserve(t *testing.T) {
	grow := func(n int, perTick, ranPerTick uint64) [][2]uint64 {
		var s [][2]uint64
		var q, e uint64
		for range n {
			q += perTick
			e += ranPerTick
			s = append(s, [2]uint64{q, e})
		}
		return s
	}
	tests := []struct {
		name    string
		samples [][2]uint64 // queued, executed
		want    int         // index of the sample that reports, or -1
	}{
		{"grows while running", grow(10, 1000, 100), 5},
		{"grows below the floor", grow(10, 50, 10), -1},
		{"blocked: nothing runs", grow(10, 1000, 0), -1},
		{"keeps up", grow(10, 1000, 1000), -1},
		{"stops growing once, then grows again", [][2]uint64{
			{1000, 100}, {2000, 200}, {3000, 300}, {3100, 2900}, // drained
			{4100, 3000}, {5100, 3100}, {6100, 3200}, {7100, 3300}, {8100, 3400},
		}, 8},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := Growth{Samples: 5, Floor: 1000}
			got := -1
			for i, smp := range tt.samples {
				if s.Observe(smp[0], smp[1]) {
					if got >= 0 {
						t.Fatalf("reported twice, at %d and %d", got, i)
					}
					got = i
				}
			}
			if got != tt.want {
				t.Errorf("reported at sample %d, want %d", got, tt.want)
			}
		})
	}
}
