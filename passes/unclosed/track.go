package unclosed

import (
	"go/token"
	"go/types"
	"slices"

	"golang.org/x/tools/go/ssa"

	"github.com/leakhound/leakhound/passes/internal/passutil"
)

// A tracker follows one resource through the control-flow graph of the
// function that holds it, looking for a path to a return on which the
// resource is neither released nor handed to someone else.
type tracker struct {
	c       *checker
	kind    *kind
	start   ssa.Instruction    // the opening call; nil when tracking a parameter
	aliases map[ssa.Value]bool // the resource and every value that is the same resource
	errs    map[ssa.Value]bool // the error results of the opening call
}

// newTracker tracks roots (the values that hold the resource) opened by start.
func newTracker(c *checker, k *kind, start ssa.Instruction, roots []ssa.Value, errs []ssa.Value) *tracker {
	t := &tracker{c: c, kind: k, start: start, aliases: map[ssa.Value]bool{}, errs: map[ssa.Value]bool{}}
	for _, e := range errs {
		t.errs[e] = true
	}
	for _, r := range roots {
		t.addAlias(r)
	}
	return t
}

// addAlias adds v and every value derived from it that is the same resource:
// conversions, type assertions, phis, and for a response its Body.
func (t *tracker) addAlias(v ssa.Value) {
	if t.aliases[v] {
		return
	}
	t.aliases[v] = true
	refs := v.Referrers()
	if refs == nil {
		return
	}
	for _, r := range *refs {
		switch r := r.(type) {
		case *ssa.ChangeType, *ssa.MakeInterface, *ssa.ChangeInterface, *ssa.Phi, *ssa.Convert:
			t.addAlias(r.(ssa.Value))
		case *ssa.TypeAssert:
			if !r.CommaOk {
				t.addAlias(r)
				continue
			}
			for _, rr := range *r.Referrers() {
				if ex, ok := rr.(*ssa.Extract); ok && ex.Index == 0 {
					t.addAlias(ex)
				}
			}
		case *ssa.FieldAddr:
			if embeddedField(r) {
				t.addAlias(r) // promoted methods: (*net.TCPConn).Close is (*net.conn).Close
				continue
			}
			if t.kind.viaField == "" || fieldName(r) != t.kind.viaField {
				continue
			}
			for _, rr := range *r.Referrers() {
				if load, ok := rr.(*ssa.UnOp); ok && load.Op == token.MUL {
					t.addAlias(load)
				}
			}
		}
	}
}

func fieldName(fa *ssa.FieldAddr) string {
	if f := fieldVar(fa); f != nil {
		return f.Name()
	}
	return ""
}

func embeddedField(fa *ssa.FieldAddr) bool {
	f := fieldVar(fa)
	return f != nil && f.Embedded()
}

func fieldVar(fa *ssa.FieldAddr) *types.Var {
	p, ok := fa.X.Type().Underlying().(*types.Pointer)
	if !ok {
		return nil
	}
	st, ok := p.Elem().Underlying().(*types.Struct)
	if !ok {
		return nil
	}
	return st.Field(fa.Field)
}

// leakFrom looks for a path from the instruction at index i of block b to a
// return of the function on which the resource is still owed. It returns the
// position that path leaves through and whether there is such a path.
func (t *tracker) leakFrom(b *ssa.BasicBlock, i int) (token.Pos, bool) {
	type item struct {
		b *ssa.BasicBlock
		i int
	}
	seen := map[*ssa.BasicBlock]bool{}
	stack := []item{{b, i}}
	for len(stack) > 0 {
		it := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		last := token.NoPos
		done := false
		for _, instr := range it.b.Instrs[it.i:] {
			if instr == t.start && it.i == 0 {
				// Around a loop back to the opening call: the resource
				// is overwritten by the next one.
				return lastPos(it.b, last), true
			}
			if p := instr.Pos(); p.IsValid() {
				last = p
			}
			if t.releases(instr) || passutil.EndsGoroutine(instr) {
				done = true
				break
			}
		}
		if done {
			continue
		}
		switch end := it.b.Instrs[len(it.b.Instrs)-1].(type) {
		case *ssa.Return:
			return lastPos(it.b, end.Pos()), true
		case *ssa.If:
			for _, s := range t.feasible(end) {
				if !seen[s] {
					seen[s] = true
					stack = append(stack, item{s, 0})
				}
			}
		case *ssa.Jump:
			if s := it.b.Succs[0]; !seen[s] {
				seen[s] = true
				stack = append(stack, item{s, 0})
			}
		}
	}
	return token.NoPos, false
}

// lastPos returns p, or when p is not valid the position of the last
// instruction of b (or of any block before it) that has one.
func lastPos(b *ssa.BasicBlock, p token.Pos) token.Pos {
	if p.IsValid() {
		return p
	}
	for _, instr := range slices.Backward(b.Instrs) {
		if instr.Pos().IsValid() {
			return instr.Pos()
		}
	}
	if fn := b.Parent(); fn != nil && fn.Syntax() != nil {
		return fn.Syntax().End() - 1
	}
	return token.NoPos
}

// feasible returns the successors of an if on which the resource is live:
// the branch where the opening call failed (err != nil) or the resource is
// nil owes nothing, and so does the branch where rows.Next returned false
// (database/sql closes the rows then).
func (t *tracker) feasible(x *ssa.If) []*ssa.BasicBlock {
	succs := x.Block().Succs
	cond, negated := x.Cond, false
	for {
		u, ok := cond.(*ssa.UnOp)
		if !ok || u.Op != token.NOT {
			break
		}
		cond, negated = u.X, !negated
	}
	drop := -1 // index into succs (true, false) that owes nothing
	switch c := cond.(type) {
	case *ssa.BinOp:
		if c.Op != token.EQL && c.Op != token.NEQ {
			break
		}
		other := nilOperand(c)
		if other == nil {
			break
		}
		isNil := 0 // the successor taken when other == nil
		if c.Op == token.NEQ {
			isNil = 1
		}
		switch {
		case t.errs[other]:
			drop = 1 - isNil // err != nil
		case t.aliases[other]:
			drop = isNil
		}
	case *ssa.Call:
		if t.kind == rowsKind && !c.Call.IsInvoke() && len(c.Call.Args) == 1 && t.aliases[c.Call.Args[0]] {
			if fn := c.Call.StaticCallee(); fn != nil && fn.Name() == "Next" {
				drop = 1
			}
		}
	}
	if drop < 0 {
		return succs
	}
	if negated {
		drop = 1 - drop
	}
	return []*ssa.BasicBlock{succs[1-drop]}
}

// nilOperand returns the operand of an equality compared with nil.
func nilOperand(b *ssa.BinOp) ssa.Value {
	if c, ok := b.Y.(*ssa.Const); ok && c.IsNil() {
		return b.X
	}
	if c, ok := b.X.(*ssa.Const); ok && c.IsNil() {
		return b.Y
	}
	return nil
}

// releases reports whether instr closes the resource or hands it to someone
// who takes over the duty: returned, stored, sent, captured by a closure, or
// passed to a function that consumes it.
func (t *tracker) releases(instr ssa.Instruction) bool {
	switch i := instr.(type) {
	case *ssa.Return:
		return slices.ContainsFunc(i.Results, t.isAlias)
	case *ssa.Store:
		if !t.aliases[i.Val] {
			return false
		}
		if call, j, ok := passutil.VarargsCall(i); ok {
			return t.c.argConsumed(call.Common(), j, true)
		}
		return true
	case *ssa.Send:
		return t.aliases[i.X]
	case *ssa.MapUpdate:
		return t.aliases[i.Value] || t.aliases[i.Key]
	case *ssa.MakeClosure:
		return slices.ContainsFunc(i.Bindings, t.isAlias)
	case *ssa.Go:
		return slices.ContainsFunc(i.Call.Args, t.isAlias) || t.aliases[i.Call.Value]
	case ssa.CallInstruction:
		return t.callReleases(i.Common())
	}
	return false
}

func (t *tracker) isAlias(v ssa.Value) bool { return t.aliases[v] }

// callReleases reports whether the call closes the resource (a release method
// on it) or passes it to a callee that consumes it.
func (t *tracker) callReleases(c *ssa.CallCommon) bool {
	if c.IsInvoke() && t.aliases[c.Value] {
		return slices.Contains(t.kind.methods, c.Method.Name())
	}
	if b, ok := c.Value.(*ssa.Builtin); ok {
		return b.Name() == "append" && slices.ContainsFunc(c.Args, t.isAlias)
	}
	callee := c.StaticCallee()
	for j, a := range c.Args {
		if !t.aliases[a] {
			continue
		}
		if j == 0 && callee != nil && callee.Signature.Recv() != nil {
			if slices.Contains(t.kind.methods, callee.Name()) {
				return true
			}
			continue // another method of the resource borrows it
		}
		if t.c.argConsumed(c, j, false) {
			return true
		}
	}
	return false
}
