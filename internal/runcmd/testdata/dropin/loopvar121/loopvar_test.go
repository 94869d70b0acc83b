// Package loopvar121 is at go 1.21: a range loop has one variable for all
// its iterations (per-iteration variables came with go 1.22).
package loopvar121

import "testing"

func TestSharedLoopVar(t *testing.T) {
	var ptrs []*int
	for _, v := range []int{1, 2, 3} {
		ptrs = append(ptrs, &v)
	}
	for _, p := range ptrs[1:] {
		if p != ptrs[0] {
			t.Fatal("each iteration has its own variable: built with go >= 1.22 semantics")
		}
	}
}
