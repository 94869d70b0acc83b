// Package go113dep is a module at go 1.13 with a requirement: its go.mod,
// go.sum and language version are what the test binary is built with.
package go113dep

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestDiff(t *testing.T) {
	if d := cmp.Diff([]int{1, 2}, []int{1, 2}); d != "" {
		t.Fatalf("unexpected diff:\n%s", d)
	}
	if d := cmp.Diff([]int{1, 2}, []int{1, 3}); d == "" {
		t.Fatal("no diff between different slices")
	}
}
