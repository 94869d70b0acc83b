package goroutineleak

import (
	"go/token"
	"go/types"
	"slices"

	"golang.org/x/tools/go/ssa"

	"github.com/leakhound/leakhound/passes/internal/passutil"
)

// Waits: a goroutine that calls WaitGroup.Wait on a group nothing calls Done
// on, or Cond.Wait on a condition nothing signals, blocks forever. Only an
// object that does not escape to code the analysis cannot follow counts.

// releasers are the methods that let a wait on a sync object proceed.
var releasers = map[string][]string{
	"(*sync.WaitGroup).Wait": {"(*sync.WaitGroup).Done", "(*sync.WaitGroup).Go", "(*sync.WaitGroup).Add"},
	"(*sync.Cond).Wait":      {"(*sync.Cond).Signal", "(*sync.Cond).Broadcast"},
}

// syncBlocking returns where a call blocks forever: WaitGroup.Wait on a
// group nothing calls Done on, or Cond.Wait on a condition nothing signals.
func (c *checker) syncBlocking(call *ssa.Call) *site {
	name, _ := passutil.CalleeName(call.Common())
	rel, ok := releasers[name]
	if !ok || call.Call.IsInvoke() || len(call.Call.Args) == 0 {
		return nil
	}
	c.scanSync()
	root, ok := c.syncRoot(call.Call.Args[0])
	if !ok || c.syncEscaped[root] {
		return nil
	}
	adds := 0
	for _, m := range c.syncUses[root] {
		n, _ := passutil.CalleeName(m.Common())
		if !slices.Contains(rel, n) {
			continue
		}
		if n != "(*sync.WaitGroup).Add" {
			return nil
		}
		k, ok := m.Common().Args[1].(*ssa.Const)
		if !ok {
			return nil // a delta that may be negative releases
		}
		if v, isInt := constInt(k); !isInt || v <= 0 {
			return nil
		}
		adds++
	}
	what := "wait on " + c.lockName(call.Pos())
	if name == "(*sync.WaitGroup).Wait" {
		if adds == 0 {
			return nil // the counter stays zero: Wait returns
		}
		return &site{pos: call.Pos(), what: what, why: "nothing calls Done on it"}
	}
	return &site{pos: call.Pos(), what: what, why: "nothing signals it"}
}

// scanSync indexes, once, the sync method calls of the package by the
// object they are called on, and the objects that escape to code the
// analysis cannot follow (passed to a function, stored where loads cannot
// be traced back).
func (c *checker) scanSync() {
	if c.syncUses != nil {
		return
	}
	c.syncUses = map[any][]ssa.CallInstruction{}
	c.syncEscaped = map[any]bool{}
	check := func(v ssa.Value) {
		if !isSyncPtr(v.Type()) || v.Referrers() == nil {
			return
		}
		root, ok := c.syncRoot(v)
		for _, r := range *v.Referrers() {
			switch r := r.(type) {
			case ssa.CallInstruction:
				_, pkg := passutil.CalleeName(r.Common())
				if pkg == "sync" && !r.Common().IsInvoke() && len(r.Common().Args) > 0 && r.Common().Args[0] == v {
					if ok {
						c.syncUses[root] = append(c.syncUses[root], r)
					}
					continue
				}
				if ok {
					c.syncEscaped[root] = true
				}
			case *ssa.Store:
				if ok && r.Val == v && (!c.traceable(r.Addr) || copiesField(r.Addr, root)) {
					c.syncEscaped[root] = true
				}
			case *ssa.MakeClosure, *ssa.DebugRef, *ssa.FieldAddr:
			default:
				if ok {
					c.syncEscaped[root] = true
				}
			}
		}
	}
	for _, fn := range c.funcs {
		for _, p := range fn.Params {
			check(p)
		}
		for _, fv := range fn.FreeVars {
			check(fv)
		}
		for _, b := range fn.Blocks {
			for _, instr := range b.Instrs {
				if v, ok := instr.(ssa.Value); ok {
					check(v)
				}
			}
		}
	}
}

// traceable reports whether loads from addr can be traced back to what is
// stored there: a field of the package, or a variable stored once.
func (c *checker) traceable(addr ssa.Value) bool {
	switch a := addr.(type) {
	case *ssa.FieldAddr:
		f := fieldVar(a.X.Type(), a.Field)
		return f != nil && f.Pkg() == c.pass.Pkg && (!f.Exported() || c.flow.isMain)
	case *ssa.Alloc, *ssa.FreeVar:
		return storedOnce(a) != nil
	}
	return false
}

// copiesField reports whether a store at addr copies the object of a field
// root into another field: the calls on that field are then calls on the
// root too, which syncRoot does not trace back.
func copiesField(addr ssa.Value, root any) bool {
	f, isField := root.(*types.Var)
	fa, ok := addr.(*ssa.FieldAddr)
	return isField && ok && fieldVar(fa.X.Type(), fa.Field) != f
}

// isSyncPtr reports whether t points to a sync.WaitGroup or sync.Cond.
func isSyncPtr(t types.Type) bool {
	p, ok := t.Underlying().(*types.Pointer)
	if !ok {
		return false
	}
	n, ok := types.Unalias(p.Elem()).(*types.Named)
	if !ok || n.Obj().Pkg() == nil || n.Obj().Pkg().Path() != "sync" {
		return false
	}
	return n.Obj().Name() == "WaitGroup" || n.Obj().Name() == "Cond"
}

// syncRoot returns the identity of the WaitGroup or Cond at pointer v: a
// local variable whose address only sync methods and closures use, the
// sync.NewCond call that made it, or a field of the package no other
// package can reach.
func (c *checker) syncRoot(v ssa.Value) (any, bool) {
	switch x := v.(type) {
	case *ssa.Alloc:
		return x, true
	case *ssa.Call:
		name, _ := passutil.CalleeName(x.Common())
		return x, name == "sync.NewCond"
	case *ssa.FieldAddr:
		f := fieldVar(x.X.Type(), x.Field)
		return f, f != nil && f.Pkg() == c.pass.Pkg && (!f.Exported() || c.flow.isMain)
	case *ssa.FreeVar:
		b := c.binding(x)
		if b == nil {
			return nil, false
		}
		return c.syncRoot(b)
	case *ssa.UnOp:
		if x.Op != token.MUL {
			return nil, false
		}
		switch a := x.X.(type) {
		case *ssa.FieldAddr:
			// A pointer field: every value stored in it must be made here.
			f := fieldVar(a.X.Type(), a.Field)
			if f == nil || f.Pkg() != c.pass.Pkg || (f.Exported() && !c.flow.isMain) || !c.freshStores(f) {
				return nil, false
			}
			return f, true
		case *ssa.Alloc, *ssa.FreeVar:
			if st := storedOnce(a); st != nil {
				return c.syncRoot(st)
			}
			if fv, ok := a.(*ssa.FreeVar); ok {
				if b := c.binding(fv); b != nil {
					if st := storedOnce(b); st != nil {
						return c.syncRoot(st)
					}
				}
			}
		}
	}
	return nil, false
}

// binding returns the value the only closure made of fv's function binds to
// fv, or nil.
func (c *checker) binding(fv *ssa.FreeVar) ssa.Value {
	mcs := c.flow.closures[fv.Parent()]
	if len(mcs) != 1 {
		return nil
	}
	for j, f := range fv.Parent().FreeVars {
		if f == fv && j < len(mcs[0].Bindings) {
			return mcs[0].Bindings[j]
		}
	}
	return nil
}

// storedOnce returns the only value stored in the variable at addr, or nil.
func storedOnce(addr ssa.Value) ssa.Value {
	refs := addr.Referrers()
	if refs == nil {
		return nil
	}
	var val ssa.Value
	for _, r := range *refs {
		if s, ok := r.(*ssa.Store); ok && s.Addr == addr {
			if val != nil {
				return nil
			}
			val = s.Val
		}
	}
	return val
}

// freshStores reports whether every value stored in field f is made by
// sync.NewCond or is a new variable.
func (c *checker) freshStores(f *types.Var) bool {
	for _, fn := range c.funcs {
		for _, b := range fn.Blocks {
			for _, instr := range b.Instrs {
				s, ok := instr.(*ssa.Store)
				if !ok {
					continue
				}
				fa, ok := s.Addr.(*ssa.FieldAddr)
				if !ok || fieldVar(fa.X.Type(), fa.Field) != f {
					continue
				}
				switch v := s.Val.(type) {
				case *ssa.Alloc:
				case *ssa.Call:
					if name, _ := passutil.CalleeName(v.Common()); name != "sync.NewCond" {
						return false
					}
				default:
					return false
				}
			}
		}
	}
	return true
}
