// Package randseed is at go 1.19, where the randseednop GODEBUG is off by
// default: rand.Seed still seeds the top-level functions of math/rand.
package randseed

import (
	"math/rand"
	"testing"
)

func TestSeed(t *testing.T) {
	rand.Seed(1)
	want := []int{81, 887, 847} // the sequence of seed 1, from go test
	for i, w := range want {
		if got := rand.Intn(1000); got != w {
			t.Fatalf("rand.Intn #%d = %d, want %d: rand.Seed had no effect", i, got, w)
		}
	}
}
