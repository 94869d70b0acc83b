package goroutineleak

import (
	"fmt"
	"go/token"
	"slices"
	"strings"

	"golang.org/x/tools/go/ssa"

	"github.com/leakhound/leakhound/passes/internal/passutil"
)

// Locks: a goroutine that locks a sync.Mutex it already holds (directly, or
// in a function it calls on the same value, or after a function returned
// holding it) blocks forever. Locks are named relative to the function
// that takes them: a base value and the fields from it, e.g. (l, ".mu").

// lockKey names a lock: a base value (a parameter, a local or package
// variable) and the path of fields and pointer loads from it.
type lockKey struct {
	base ssa.Value
	path string
}

// lockMode is how a lock is held.
type lockMode uint8

const (
	writeLock lockMode = iota
	readLock
)

// lockOps are the methods that take or release a lock.
var lockOps = map[string]struct {
	mode    lockMode
	release bool
}{
	"(*sync.Mutex).Lock":      {writeLock, false},
	"(*sync.Mutex).Unlock":    {writeLock, true},
	"(*sync.RWMutex).Lock":    {writeLock, false},
	"(*sync.RWMutex).Unlock":  {writeLock, true},
	"(*sync.RWMutex).RLock":   {readLock, false},
	"(*sync.RWMutex).RUnlock": {readLock, true},
}

// A lockUse is a lock a function takes while it does not hold it.
type lockUse struct {
	key  lockKey
	mode lockMode
	pos  token.Pos
}

// A lockSummary says what a function does with the locks of its
// parameters: which it takes while not holding them, which it releases
// without taking them, which it holds on every return; and a lock it takes
// while already holding it.
type lockSummary struct {
	busy     bool
	takes    []lockUse
	releases []lockKey
	holds    []lockKey
	dead     *site
}

// lockOf returns the lock a call takes or releases, or false.
func lockOf(call *ssa.CallCommon) (lockKey, lockMode, bool, bool) {
	name, _ := passutil.CalleeName(call)
	op, ok := lockOps[name]
	if !ok || call.IsInvoke() || len(call.Args) == 0 {
		return lockKey{}, 0, false, false
	}
	k, ok := keyOf(call.Args[0])
	return k, op.mode, op.release, ok
}

// keyOf returns the name of the lock at address v.
func keyOf(v ssa.Value) (lockKey, bool) {
	path := ""
	for {
		switch x := v.(type) {
		case *ssa.FieldAddr:
			f := fieldVar(x.X.Type(), x.Field)
			if f == nil {
				return lockKey{}, false
			}
			path = "." + f.Name() + path
			v = x.X
		case *ssa.UnOp:
			if x.Op != token.MUL {
				return lockKey{}, false
			}
			switch a := x.X.(type) {
			case *ssa.FieldAddr:
				path = "*" + path
				v = a
			case *ssa.Alloc, *ssa.FreeVar:
				if !assignedOnce(a) {
					return lockKey{}, false
				}
				return lockKey{a, "*" + path}, true
			default:
				return lockKey{}, false
			}
		case *ssa.Parameter, *ssa.Alloc, *ssa.FreeVar, *ssa.Global:
			return lockKey{v, path}, true
		default:
			return lockKey{}, false
		}
	}
}

// assignedOnce reports whether the variable at addr is stored at most once
// in its function (loads of it are the same value).
func assignedOnce(addr ssa.Value) bool {
	refs := addr.Referrers()
	if refs == nil {
		return false
	}
	n := 0
	for _, r := range *refs {
		if s, ok := r.(*ssa.Store); ok && s.Addr == addr {
			n++
		}
	}
	return n <= 1
}

// lockName returns the source name of the lock a call at pos takes.
func (c *checker) lockName(pos token.Pos) string {
	return c.name(pos, "the lock")
}

// maxLockStates bounds the states explored per function.
const maxLockStates = 2000

// locks returns the lock summary of a function of the package.
func (c *checker) locks(fn *ssa.Function) *lockSummary {
	if s := c.lockSums[fn]; s != nil {
		if s.busy {
			return &lockSummary{}
		}
		return s
	}
	s := &lockSummary{busy: true}
	c.lockSums[fn] = s
	if len(fn.Blocks) > 0 && c.usesLocks(fn) {
		c.walkLocks(fn, s)
	}
	s.busy = false
	return s
}

// usesLocks reports whether fn, or a function of the package it calls,
// directly or not, takes or releases a lock: only then can walking its
// paths find anything. Most functions that call others of the package lock
// nothing, and walking their paths is the analyzer's costliest step.
func (c *checker) usesLocks(fn *ssa.Function) bool {
	if free, ok := c.lockFree[fn]; ok {
		return !free
	}
	// Depth-first over the functions fn reaches. When none of them locks,
	// none of them reaches one that does: all are lock-free.
	seen := map[*ssa.Function]bool{fn: true}
	stack := []*ssa.Function{fn}
	for len(stack) > 0 {
		f := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if free, ok := c.lockFree[f]; ok {
			if !free {
				c.lockFree[fn] = false
				return true
			}
			continue
		}
		for _, b := range f.Blocks {
			for _, instr := range b.Instrs {
				ci, ok := instr.(ssa.CallInstruction)
				if !ok {
					continue
				}
				if _, _, _, ok := lockOf(ci.Common()); ok {
					c.lockFree[fn] = false
					return true
				}
				if callee := c.flow.local(ci.Common()); callee != nil && !seen[callee] {
					seen[callee] = true
					stack = append(stack, callee)
				}
			}
		}
	}
	for f := range seen {
		c.lockFree[f] = true
	}
	return false
}

// walkLocks follows the paths of fn, tracking the locks they hold.
func (c *checker) walkLocks(fn *ssa.Function, s *lockSummary) {
	seen := map[string]bool{}
	ids := valueIDs{}
	takes := map[lockKey]bool{}
	var holds map[lockKey]bool // on every return so far
	tested := testedAgain(fn)
	work := []lockState{{b: fn.Blocks[0], held: map[lockKey]heldLock{}, deferred: map[lockKey]bool{},
		released: map[lockKey]bool{}, conds: map[any]bool{}}}
	for len(work) > 0 && len(seen) < maxLockStates {
		st := work[len(work)-1]
		work = work[:len(work)-1]
		sig := st.signature(ids)
		if seen[sig] {
			continue
		}
		seen[sig] = true
		next, ret, ok := c.lockStep(fn, s, st, takes, tested)
		if !ok {
			continue
		}
		if ret {
			h := map[lockKey]bool{}
			if !st.unknown {
				for k := range next[0].held {
					if !next[0].deferred[k] && rootedInParams(fn, k) {
						h[k] = true
					}
				}
			}
			if holds == nil {
				holds = h
			} else {
				for k := range holds {
					if !h[k] {
						delete(holds, k)
					}
				}
			}
			continue
		}
		work = append(work, next...)
	}
	for k := range holds {
		s.holds = append(s.holds, k)
	}
}

// rootedInParams reports whether k names a lock reached from a parameter of
// fn, which a caller can name too.
func rootedInParams(fn *ssa.Function, k lockKey) bool {
	p, ok := k.base.(*ssa.Parameter)
	return ok && p.Parent() == fn
}

// lockStep runs the block of st and returns the states after it; ret is set
// (with the state at the return) when the block returns, ok is false when
// the path ends. It consumes st: its maps become those of a state after it.
// The state remembers the outcome of the conditions in tested only: no
// path tests another one twice.
func (c *checker) lockStep(fn *ssa.Function, s *lockSummary, st lockState, takes map[lockKey]bool, tested map[any]bool) (next []lockState, ret, ok bool) {
	for _, instr := range st.b.Instrs {
		switch i := instr.(type) {
		case *ssa.Call:
			if c.ends.Ends(i) {
				return nil, false, false
			}
			if !c.lockCall(fn, s, &st, i, takes) {
				return nil, false, false
			}
		case *ssa.Defer:
			c.lockDefer(fn, &st, i)
		case *ssa.Go:
			// A goroutine started here may release a lock the path holds.
			c.forgetPassed(&st, i.Common())
		case *ssa.Return:
			return []lockState{st}, true, true
		case *ssa.Panic:
			return nil, false, false
		}
	}
	if iff, ok := st.b.Instrs[len(st.b.Instrs)-1].(*ssa.If); ok && len(passutil.Feasible(st.b)) == 2 {
		// Paths that test the same condition twice take the same branch.
		cond, neg := unwrapNot(iff.Cond)
		key := condKey(cond)
		var succs []*ssa.BasicBlock
		var outcomes []bool
		for i, succ := range st.b.Succs {
			holds := (i == 0) != neg
			if t, known := st.conds[key]; known && t != holds {
				continue
			}
			succs = append(succs, succ)
			outcomes = append(outcomes, holds)
		}
		next = successors(st, succs)
		if tested[key] {
			for i := range next {
				next[i].conds[key] = outcomes[i]
			}
		}
		return next, false, true
	}
	return successors(st, passutil.Feasible(st.b)), false, true
}

// successors returns the states of st at the start of each of succs: the
// last one is st itself, the others copies.
func successors(st lockState, succs []*ssa.BasicBlock) []lockState {
	next := make([]lockState, len(succs))
	for i, succ := range succs {
		n := st
		if i < len(succs)-1 {
			n = st.clone()
		}
		n.b = succ
		next[i] = n
	}
	return next
}

// condKey returns what identifies the value of a condition: the condition,
// or the variable it loads when the variable is assigned once, or the
// operator and operands of a comparison.
func condKey(v ssa.Value) any {
	switch x := v.(type) {
	case *ssa.UnOp:
		switch x.X.(type) {
		case *ssa.FreeVar, *ssa.Alloc:
			if x.Op == token.MUL && assignedOnce(x.X) {
				return x.X
			}
		}
	case *ssa.BinOp:
		type cmp struct {
			op   token.Token
			x, y any
		}
		if k, ok := x.Y.(*ssa.Const); ok {
			return cmp{x.Op, condKey(x.X), k.String()}
		}
		return cmp{x.Op, condKey(x.X), condKey(x.Y)}
	}
	return v
}

// lockCall applies a call to the locks st holds, and reports whether the
// path goes on (false when the call blocks forever on a lock the path
// holds).
func (c *checker) lockCall(fn *ssa.Function, s *lockSummary, st *lockState, call *ssa.Call, takes map[lockKey]bool) bool {
	common := call.Common()
	if k, mode, release, ok := lockOf(common); ok {
		if release {
			releaseLock(fn, s, st, k)
			return true
		}
		if h, held := st.held[k]; held && (mode == writeLock || h.mode == writeLock) {
			c.deadlock(s, call.Pos(), "lock of "+c.lockName(call.Pos()), h.pos)
			return false
		}
		if _, held := st.held[k]; !held && rootedInParams(fn, k) && !st.released[k] && !takes[k] {
			takes[k] = true
			s.takes = append(s.takes, lockUse{k, mode, call.Pos()})
		}
		st.held[k] = heldLock{mode, call.Pos()}
		return true
	}
	callee := c.flow.local(common)
	if callee == nil {
		c.forgetPassed(st, common)
		return true
	}
	cs := c.locks(callee)
	for _, u := range cs.takes {
		k, ok := mapKey(common, callee, u.key)
		if !ok {
			continue
		}
		if h, held := st.held[k]; held && (u.mode == writeLock || h.mode == writeLock) {
			c.deadlock(s, call.Pos(), fmt.Sprintf("call of %s, which locks %s,", callee.Name(), c.lockName(u.pos)), h.pos)
			return false
		}
		if _, held := st.held[k]; !held && rootedInParams(fn, k) && !st.released[k] && !takes[k] {
			takes[k] = true
			s.takes = append(s.takes, lockUse{k, u.mode, u.pos})
		}
	}
	for _, r := range cs.releases {
		if k, ok := mapKey(common, callee, r); ok {
			releaseLock(fn, s, st, k)
		}
	}
	for _, h := range cs.holds {
		if k, ok := mapKey(common, callee, h); ok {
			st.held[k] = heldLock{writeLock, call.Pos()}
		}
	}
	return true
}

// releaseLock applies the release of lock k on the path st of fn: the path
// holds it no more, or, when the path did not take it, fn releases its
// caller's.
func releaseLock(fn *ssa.Function, s *lockSummary, st *lockState, k lockKey) {
	if _, held := st.held[k]; held {
		delete(st.held, k)
		return
	}
	if rootedInParams(fn, k) {
		st.released[k] = true
		if !slices.Contains(s.releases, k) {
			s.releases = append(s.releases, k)
		}
	}
}

// lockDefer records what a deferred call releases at return.
func (c *checker) lockDefer(fn *ssa.Function, st *lockState, d *ssa.Defer) {
	common := d.Common()
	if k, _, release, ok := lockOf(common); ok {
		if release {
			st.deferred[k] = true
		}
		return
	}
	callee := c.flow.local(common)
	if callee == nil {
		st.unknown = true
		return
	}
	cs := c.locks(callee)
	for _, r := range cs.releases {
		if k, ok := mapKey(common, callee, r); ok {
			st.deferred[k] = true
		} else {
			st.unknown = true
		}
	}
}

// forgetPassed drops the locks whose base a call gives to code the analysis
// cannot follow: that code may release them.
func (c *checker) forgetPassed(st *lockState, common *ssa.CallCommon) {
	vals := append([]ssa.Value{common.Value}, common.Args...)
	for k := range st.held {
		for _, v := range vals {
			if mc, ok := v.(*ssa.MakeClosure); ok {
				if slices.Contains(mc.Bindings, k.base) {
					delete(st.held, k)
				}
				continue
			}
			if base, ok := keyOf(v); ok && base.base == k.base && strings.HasPrefix(k.path, base.path) {
				delete(st.held, k)
			}
		}
	}
}

// mapKey maps a lock named in callee (from one of its parameters or free
// variables) to the name the caller gives it at call.
func mapKey(call *ssa.CallCommon, callee *ssa.Function, k lockKey) (lockKey, bool) {
	var arg ssa.Value
	switch b := k.base.(type) {
	case *ssa.Parameter:
		i := paramIndex(b)
		if i < 0 || i >= len(call.Args) || b.Parent() != callee {
			return lockKey{}, false
		}
		arg = call.Args[i]
	case *ssa.FreeVar:
		mc, ok := call.Value.(*ssa.MakeClosure)
		if !ok {
			return lockKey{}, false
		}
		for j, fv := range callee.FreeVars {
			if fv == b && j < len(mc.Bindings) {
				arg = mc.Bindings[j]
			}
		}
		if arg == nil {
			return lockKey{}, false
		}
		if strings.HasPrefix(k.path, "*") {
			// The closure loads the variable the caller holds at arg.
			if _, ok := arg.(*ssa.Alloc); ok {
				return lockKey{arg, k.path}, true
			}
		}
	default:
		return lockKey{}, false
	}
	base, ok := keyOf(arg)
	if !ok {
		return lockKey{}, false
	}
	return lockKey{base.base, base.path + k.path}, true
}

// deadlock records that a path of the function blocks forever at pos on a
// lock it took at since.
func (c *checker) deadlock(s *lockSummary, pos token.Pos, what string, since token.Pos) {
	if s.dead != nil {
		return
	}
	s.dead = &site{pos: pos, what: what, why: "it is already held since " + c.where(since, pos)}
}
