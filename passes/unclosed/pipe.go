package unclosed

import (
	"go/token"
	"slices"

	"golang.org/x/tools/go/ssa"
)

// An end of a pipe given to a new goroutine is not handed over: that
// goroutine is the one that blocks when the other end is dropped. The pipe
// is released there only when the goroutine closes its end on every path.

// onlyStarted reports whether the closure mc is only started as a goroutine
// (go func() { ... }()).
func onlyStarted(mc *ssa.MakeClosure) bool {
	refs := *mc.Referrers()
	if len(refs) == 0 {
		return false
	}
	for _, r := range refs {
		g, ok := r.(*ssa.Go)
		if !ok || g.Call.Value != mc {
			return false
		}
	}
	return true
}

// closureCloses reports whether the function of mc closes, on every path,
// an end of the pipe it captures: a value bound for which captured
// reports true (the end, or a variable holding it).
func (t *tracker) closureCloses(mc *ssa.MakeClosure, captured func(ssa.Value) bool) bool {
	fn, ok := mc.Fn.(*ssa.Function)
	if !ok || len(fn.Blocks) == 0 {
		return true // unknown code: trusted to close it
	}
	for k, b := range mc.Bindings {
		if !captured(b) || k >= len(fn.FreeVars) {
			continue
		}
		fv := fn.FreeVars[k]
		roots := []ssa.Value{fv}
		if _, cell := b.(*ssa.Alloc); cell {
			roots = loads(fv)
		}
		inner := newTracker(t.c, t.kind, nil, roots, nil)
		if _, leaks := inner.leakFrom(fn.Blocks[0], 0); !leaks {
			return true
		}
	}
	return false
}

// startedCell reports whether the variable cell is only loaded, stored and
// captured by closures started as goroutines.
func startedCell(cell *ssa.Alloc) bool {
	only, captured := cellUses(cell, onlyStarted)
	return only && captured
}

// closuresClose reports whether a goroutine capturing the variable cell
// closes, on every path, the pipe end it holds.
func (t *tracker) closuresClose(cell *ssa.Alloc) bool {
	for _, r := range *cell.Referrers() {
		if mc, ok := r.(*ssa.MakeClosure); ok && t.closureCloses(mc, func(v ssa.Value) bool { return v == cell }) {
			return true
		}
	}
	return false
}

// loads returns the loads of the variable at addr.
func loads(addr ssa.Value) []ssa.Value {
	var out []ssa.Value
	for _, r := range *addr.Referrers() {
		if load, ok := r.(*ssa.UnOp); ok && load.Op == token.MUL {
			out = append(out, load)
		}
	}
	return out
}

// goCloses reports whether the go statement g starts a goroutine that
// closes, on every path, an end of the pipe it is given.
func (t *tracker) goCloses(g *ssa.Go) bool {
	c := g.Common()
	if c.IsInvoke() && t.aliases[c.Value] {
		return slices.Contains(t.kind.methods, c.Method.Name()) // go a.Close()
	}
	for j, a := range c.Args {
		if !t.aliases[a] {
			continue
		}
		if t.c.argConsumed(c, j, false) {
			return true // closed or kept there
		}
	}
	return false
}
