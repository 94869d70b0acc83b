package passutil

import (
	"fmt"
	"go/constant"
	"go/token"
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
// the package path: "F", "T.M", "(*T).M", "F.func2", "F.func2.1".
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
			if star == "" {
				return name + "." + fn.Name() // the runtime writes T.M, but (*T).M
			}
			return "(*" + name + ")." + fn.Name()
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

// SCCs returns the strongly connected components of the graph of blocks
// (edges given by succs, restricted to blocks), successors first: when an
// edge leads from one component to another, the second comes earlier.
func SCCs(blocks []*ssa.BasicBlock, succs func(*ssa.BasicBlock) []*ssa.BasicBlock) [][]*ssa.BasicBlock {
	in := make(map[*ssa.BasicBlock]bool, len(blocks))
	for _, b := range blocks {
		in[b] = true
	}
	index := map[*ssa.BasicBlock]int{}
	low := map[*ssa.BasicBlock]int{}
	onStack := map[*ssa.BasicBlock]bool{}
	var stack []*ssa.BasicBlock
	var out [][]*ssa.BasicBlock
	var visit func(b *ssa.BasicBlock)
	visit = func(b *ssa.BasicBlock) {
		index[b] = len(index)
		low[b] = index[b]
		stack = append(stack, b)
		onStack[b] = true
		for _, s := range succs(b) {
			if !in[s] {
				continue
			}
			if _, ok := index[s]; !ok {
				visit(s)
				low[b] = min(low[b], low[s])
			} else if onStack[s] {
				low[b] = min(low[b], index[s])
			}
		}
		if low[b] != index[b] {
			return
		}
		var comp []*ssa.BasicBlock
		for {
			top := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			onStack[top] = false
			comp = append(comp, top)
			if top == b {
				break
			}
		}
		out = append(out, comp)
	}
	for _, b := range blocks {
		if _, ok := index[b]; !ok {
			visit(b)
		}
	}
	return out
}

// Loops returns the natural loops of fn: for each loop header, the blocks
// of the loops it heads (the header included).
func Loops(fn *ssa.Function) map[*ssa.BasicBlock]map[*ssa.BasicBlock]bool {
	loops := map[*ssa.BasicBlock]map[*ssa.BasicBlock]bool{}
	for _, b := range fn.Blocks {
		for _, h := range b.Succs {
			if !h.Dominates(b) {
				continue // not a back edge
			}
			body := loops[h]
			if body == nil {
				body = map[*ssa.BasicBlock]bool{h: true}
				loops[h] = body
			}
			stack := []*ssa.BasicBlock{b}
			for len(stack) > 0 {
				x := stack[len(stack)-1]
				stack = stack[:len(stack)-1]
				if body[x] {
					continue
				}
				body[x] = true
				stack = append(stack, x.Preds...)
			}
		}
	}
	return loops
}

// TripCount returns how many times the loop headed by header runs when it
// counts with a constant step of one to a constant bound, as in
// "for i := 0; i < 5; i++" and "for range 5" (whose test SSA puts at the
// end of the body, on the incremented counter).
func TripCount(header *ssa.BasicBlock) (int64, bool) {
	for _, b := range header.Preds {
		if !header.Dominates(b) {
			continue
		}
		// b is a back edge: the test is in the header or in b.
		for _, test := range []*ssa.BasicBlock{header, b} {
			if n, ok := tripCount(header, test); ok {
				return n, true
			}
		}
	}
	return 0, false
}

// tripCount recognizes the test of a counted loop at the end of block test.
func tripCount(header, test *ssa.BasicBlock) (int64, bool) {
	iff, ok := test.Instrs[len(test.Instrs)-1].(*ssa.If)
	if !ok {
		return 0, false
	}
	cmp, ok := iff.Cond.(*ssa.BinOp)
	if !ok {
		return 0, false
	}
	bound, ok := cmp.Y.(*ssa.Const)
	if !ok || !isInt(bound) {
		return 0, false
	}
	phi, rotated := CounterPhi(header, cmp.X)
	if phi == nil {
		return 0, false
	}
	var start *ssa.Const
	for i, e := range phi.Edges {
		if header.Dominates(header.Preds[i]) {
			if add, ok := e.(*ssa.BinOp); !ok || !isIncrement(add, phi) {
				return 0, false
			}
			continue
		}
		c, ok := e.(*ssa.Const)
		if !ok || !isInt(c) {
			return 0, false
		}
		start = c
	}
	if start == nil {
		return 0, false
	}
	n := bound.Int64() - start.Int64()
	switch cmp.Op {
	case token.LSS, token.NEQ:
	case token.LEQ:
		n++
	default:
		return 0, false
	}
	if rotated && n < 1 {
		n = 1 // a test at the end of the body comes after one run
	}
	return max(n, 0), true
}

// CounterPhi returns the counter of the loop headed by header that v is:
// a phi of the header, or that phi plus one (rotated reports the latter).
func CounterPhi(header *ssa.BasicBlock, v ssa.Value) (phi *ssa.Phi, rotated bool) {
	if add, ok := v.(*ssa.BinOp); ok && add.Op == token.ADD {
		if p, ok := add.X.(*ssa.Phi); ok && p.Block() == header && isIncrement(add, p) {
			return p, true
		}
		return nil, false
	}
	if p, ok := v.(*ssa.Phi); ok && p.Block() == header && len(p.Edges) == 2 {
		return p, false
	}
	return nil, false
}

func isIncrement(add *ssa.BinOp, phi *ssa.Phi) bool {
	one, ok := add.Y.(*ssa.Const)
	return ok && add.Op == token.ADD && add.X == phi && isInt(one) && one.Int64() == 1
}

func isInt(c *ssa.Const) bool {
	b, ok := c.Type().Underlying().(*types.Basic)
	return ok && b.Info()&types.IsInteger != 0 && c.Value != nil
}

// ConstCond returns the value of a condition that compares two constants,
// such as the "0 < 5" SSA tests before the first run of "for range 5".
func ConstCond(v ssa.Value) (value, known bool) {
	bin, ok := v.(*ssa.BinOp)
	if !ok {
		return false, false
	}
	x, ok := bin.X.(*ssa.Const)
	y, ok2 := bin.Y.(*ssa.Const)
	if !ok || !ok2 || x.Value == nil || y.Value == nil {
		return false, false
	}
	switch bin.Op {
	case token.EQL, token.NEQ, token.LSS, token.LEQ, token.GTR, token.GEQ:
		return constant.Compare(x.Value, bin.Op, y.Value), true
	}
	return false, false
}

// Feasible returns the successors of b that can run: both of an if, but
// one when its condition is constant or is the ok of a receive from a
// channel that is never closed ("for range ticker.C" ends only by break or
// return).
func Feasible(b *ssa.BasicBlock) []*ssa.BasicBlock {
	if iff, ok := b.Instrs[len(b.Instrs)-1].(*ssa.If); ok {
		if ex, ok := iff.Cond.(*ssa.Extract); ok && ex.Index == 1 {
			if recv, ok := ex.Tuple.(*ssa.UnOp); ok && recv.Op == token.ARROW && NeverClosed(recv.X) {
				return b.Succs[:1]
			}
		}
		if v, known := ConstCond(iff.Cond); known {
			if v {
				return b.Succs[:1]
			}
			return b.Succs[1:]
		}
	}
	return b.Succs
}

// NeverClosed reports whether the channel ch is one the standard library
// never closes: the C of a time.Ticker or time.Timer, or what time.Tick or
// time.After returned. A receive from it never reports closed.
func NeverClosed(ch ssa.Value) bool {
	switch ch := ch.(type) {
	case *ssa.UnOp:
		fa, ok := ch.X.(*ssa.FieldAddr)
		if !ok || ch.Op != token.MUL {
			return false
		}
		p, ok := fa.X.Type().Underlying().(*types.Pointer)
		if !ok {
			return false
		}
		n, ok := types.Unalias(p.Elem()).(*types.Named)
		if !ok || n.Obj().Pkg() == nil || n.Obj().Pkg().Path() != "time" {
			return false
		}
		st, ok := n.Underlying().(*types.Struct)
		return ok && (n.Obj().Name() == "Ticker" || n.Obj().Name() == "Timer") && st.Field(fa.Field).Name() == "C"
	case *ssa.Call:
		name, _ := CalleeName(ch.Common())
		return name == "time.Tick" || name == "time.After"
	}
	return false
}
