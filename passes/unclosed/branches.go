package unclosed

import (
	"go/constant"
	"go/token"
	"go/types"
	"slices"
	"strings"
	"unicode"

	"golang.org/x/tools/go/ssa"

	"github.com/leakhound/leakhound/passes/internal/passutil"
)

// The branches a tracked resource's paths can take: an error known not to
// be nil, and the conditions that cannot hold on a path (the outcome of
// the call that opened the resource, a select's chosen case).

// nonNil reports whether the error err is never nil in block b: a new error,
// or one checked against nil on the way to b.
func nonNil(err ssa.Value, b *ssa.BasicBlock) bool {
	switch e := err.(type) {
	case *ssa.Call:
		name, _ := passutil.CalleeName(e.Common())
		if name == "errors.New" || name == "fmt.Errorf" {
			return true
		}
	case *ssa.UnOp:
		if g, ok := e.X.(*ssa.Global); ok && e.Op == token.MUL && isSentinel(g) {
			return true
		}
	case *ssa.MakeInterface:
		switch x := e.X.(type) {
		case *ssa.Alloc:
			return true
		default:
			if _, ptr := x.Type().Underlying().(*types.Pointer); !ptr {
				return true // a struct or a string is never a nil interface
			}
		}
	}
	for ; b != nil && b.Idom() != nil; b = b.Idom() {
		if len(b.Preds) != 1 {
			continue
		}
		x, ok := b.Preds[0].Instrs[len(b.Preds[0].Instrs)-1].(*ssa.If)
		if !ok {
			continue
		}
		cmp, ok := x.Cond.(*ssa.BinOp)
		if !ok || nilOperand(cmp) != err {
			continue
		}
		if cmp.Op == token.NEQ && b == x.Block().Succs[0] || cmp.Op == token.EQL && b == x.Block().Succs[1] {
			return true
		}
	}
	return false
}

// isSentinel reports whether g is a sentinel error: a package-level variable
// of type error named Err... or err... (var ErrClosed = errors.New(...)),
// which by that convention is never nil.
func isSentinel(g *ssa.Global) bool {
	ptr, ok := g.Type().(*types.Pointer)
	if !ok || !isError(ptr.Elem()) {
		return false
	}
	name := g.Name()
	return len(name) > 3 && (strings.HasPrefix(name, "Err") || strings.HasPrefix(name, "err")) &&
		unicode.IsUpper(rune(name[3]))
}

// feasible returns the successors of an if on which the resource is live:
// the branch where the opening call failed (err != nil, os.IsNotExist(err))
// or the resource is nil owes nothing, and so do the branch where a
// response's status is 204 or 304 (it has no body), the branch where rows.Next
// returned false (database/sql closes the rows then) and the branch where the
// resource is not of an interface type that can release it; a branch on a
// bool parameter the tracker assumes a value of is taken only one way. from is the
// block the path entered the if's block from: a phi there, such as the err
// of a loop that retries a call, has the value of that edge.
func (t *tracker) feasible(x *ssa.If, from *ssa.BasicBlock) []*ssa.BasicBlock {
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
	case *ssa.Parameter:
		if value, ok := t.assume[c]; ok {
			drop = 0 // a flag assumed false: the true branch is never taken
			if value {
				drop = 1
			}
		}
	case *ssa.BinOp:
		if c.Op != token.EQL && c.Op != token.NEQ {
			break
		}
		if is, equal := t.bodilessStatus(c); is {
			drop = 1 // resp.StatusCode != 304 is false for a response with no body
			if equal {
				drop = 0
			}
			break
		}
		if t.selectSends(c) {
			drop = 0 // the case that sends it away
			if c.Op == token.NEQ {
				drop = 1
			}
			break
		}
		other := nilOperand(c)
		if other == nil {
			break
		}
		other = onEdge(other, x.Block(), from)
		isNil := 0 // the successor taken when other == nil
		if c.Op == token.NEQ {
			isNil = 1
		}
		switch nilAfter, required := t.c.requiredBefore(other, x.Block()); {
		case required && nilAfter:
			drop = 1 - isNil // require.NoError(t, err) before: err != nil never continues
		case required:
			drop = isNil
		case t.on(t.freeOnFailure, other):
			drop = 1 - isNil // err != nil
		case t.on(t.freeOnSuccess, other):
			drop = isNil // err == nil: released
		case t.on(t.aliases, other):
			drop = isNil
		}
	case *ssa.Call:
		name, _ := passutil.CalleeName(&c.Call)
		switch {
		case errorPredicates[name] && len(c.Call.Args) > 0 && t.on(t.freeOnFailure, c.Call.Args[0]):
			drop = 0
		case nilCheckers[name] && t.checksOutcome(&c.Call):
			drop = 1 // false: the error was not nil, the resource is
		case nonNilCheckers[name] && t.checksOutcome(&c.Call):
			drop = 0
		case t.kind == rowsKind && !c.Call.IsInvoke() && len(c.Call.Args) == 1 && t.aliases[c.Call.Args[0]]:
			if fn := c.Call.StaticCallee(); fn != nil && fn.Name() == "Next" {
				drop = 1
			}
		}
	case *ssa.Extract:
		if recv, ok := c.Tuple.(*ssa.UnOp); ok && c.Index == 1 && recv.Op == token.ARROW && passutil.NeverClosed(recv.X) {
			drop = 1 // for range ticker.C: the standard library never closes it
			break
		}
		ta, ok := c.Tuple.(*ssa.TypeAssert)
		switch {
		case !ok || c.Index != 1:
		case t.on(t.freeOnFailure, onEdge(ta.X, x.Block(), from)):
			drop = 0 // err.(*T) holds: err is not nil
		case t.aliases[ta.X] && t.releasable(ta.AssertedType):
			drop = 1 // not a closer: nothing to close
		}
	}
	if drop < 0 {
		// A bool outcome: pool.Put(c) reports whether it took c over.
		switch b := onEdge(cond, x.Block(), from); {
		case t.on(t.freeOnSuccess, b):
			drop = 0
		case t.on(t.freeOnFailure, b):
			drop = 1
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

// checksOutcome reports whether an argument of call is an error that is not
// nil only when the resource was not opened (the opening call's error).
func (t *tracker) checksOutcome(call *ssa.CallCommon) bool {
	for _, a := range call.Args {
		switch conv := a.(type) {
		case *ssa.MakeInterface:
			a = conv.X
		case *ssa.ChangeInterface:
			a = conv.X
		}
		if t.on(t.freeOnFailure, a) {
			return true
		}
	}
	return false
}

// selectSends reports whether cmp compares the index a select chose with
// the index of a case that sends the resource.
func (t *tracker) selectSends(cmp *ssa.BinOp) bool {
	idx, ok := cmp.X.(*ssa.Extract)
	k, isConst := cmp.Y.(*ssa.Const)
	if !ok || !isConst || idx.Index != 0 || k.Value == nil || k.Value.Kind() != constant.Int {
		return false
	}
	sel, ok := idx.Tuple.(*ssa.Select)
	if !ok {
		return false
	}
	i, exact := constant.Int64Val(k.Value)
	if !exact || i < 0 || i >= int64(len(sel.States)) {
		return false
	}
	st := sel.States[i]
	return st.Dir == types.SendOnly && t.aliases[st.Send]
}

// onEdge returns the value v has in block b when b was entered from the
// block from: the edge's value for a phi of b, v otherwise.
func onEdge(v ssa.Value, b, from *ssa.BasicBlock) ssa.Value {
	phi, ok := v.(*ssa.Phi)
	if !ok || phi.Block() != b || from == nil {
		return v
	}
	if i := slices.Index(b.Preds, from); i >= 0 {
		return phi.Edges[i]
	}
	return v
}
