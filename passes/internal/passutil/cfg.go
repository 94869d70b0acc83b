package passutil

import (
	"fmt"
	"go/types"

	"golang.org/x/tools/go/ssa"
)

// InLoop reports whether block b is on a cycle of its function's
// control-flow graph (it can run more than once).
func InLoop(b *ssa.BasicBlock) bool {
	return Reaches(b.Succs, b)
}

// Reaches reports whether target is reachable from any of the blocks from.
func Reaches(from []*ssa.BasicBlock, target *ssa.BasicBlock) bool {
	seen := map[*ssa.BasicBlock]bool{}
	stack := append([]*ssa.BasicBlock(nil), from...)
	for len(stack) > 0 {
		b := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if b == target {
			return true
		}
		if seen[b] {
			continue
		}
		seen[b] = true
		stack = append(stack, b.Succs...)
	}
	return false
}

// InstrReaches reports whether instruction b can run after instruction a
// in the same function.
func InstrReaches(a, b ssa.Instruction) bool {
	if a.Block() == b.Block() {
		for _, in := range a.Block().Instrs {
			if in == a {
				return true // a comes first
			}
			if in == b {
				break
			}
		}
	}
	return Reaches(a.Block().Succs, b.Block())
}

// RuntimeName returns the name the runtime gives fn in stack traces, without
// the package path: "F", "(*T).M", "F.func2", "F.func2.1".
func RuntimeName(fn *ssa.Function) string {
	parent := fn.Parent()
	if parent == nil {
		if recv := fn.Signature.Recv(); recv != nil {
			t := recv.Type()
			star := ""
			if p, ok := t.(interface{ Elem() types.Type }); ok {
				if _, isPtr := t.(*types.Pointer); isPtr {
					t, star = p.Elem(), "*"
				}
			}
			name := t.String()
			if n, ok := types.Unalias(t).(*types.Named); ok {
				name = n.Obj().Name()
			}
			return "(" + star + name + ")." + fn.Name()
		}
		return fn.Name()
	}
	idx := 0
	for i, anon := range parent.AnonFuncs {
		if anon == fn {
			idx = i + 1
		}
	}
	if parent.Parent() == nil {
		return fmt.Sprintf("%s.func%d", RuntimeName(parent), idx)
	}
	return fmt.Sprintf("%s.%d", RuntimeName(parent), idx)
}
