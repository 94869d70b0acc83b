package unclosed

import (
	"golang.org/x/tools/go/ssa"

	"github.com/leakhound/leakhound/passes/internal/passutil"
)

// requireCheck returns, for a call of one of testify's require checks of a
// value (require.NoError(t, err), require.NotNil(t, x)), the value it
// checks and whether the path goes on after it only when that value is nil
// (the check calls t.FailNow otherwise).
func requireCheck(instr ssa.Instruction) (v ssa.Value, nilAfter, ok bool) {
	call, isCall := instr.(*ssa.Call)
	if !isCall {
		return nil, false, false
	}
	name, _ := passutil.CalleeName(call.Common())
	nilAfter, ok = requireCheckers[name]
	args := call.Common().Args
	if !ok || len(args) < 2 {
		return nil, false, false
	}
	v = args[1] // after t, or after the receiver of an *Assertions method
	switch conv := v.(type) {
	case *ssa.MakeInterface:
		v = conv.X
	case *ssa.ChangeInterface:
		v = conv.X
	}
	return v, nilAfter, true
}

// requireEnds reports whether instr is a require check after which the
// path owes nothing: it goes on only when the opening call failed
// (require.Error(t, err)), when the callee that took the resource
// succeeded, or when the resource is nil.
func (t *tracker) requireEnds(instr ssa.Instruction) bool {
	v, nilAfter, ok := requireCheck(instr)
	if !ok {
		return false
	}
	if nilAfter {
		return t.on(t.freeOnSuccess, v) || t.on(t.aliases, v)
	}
	return t.on(t.freeOnFailure, v)
}

// requiredBefore reports whether a require check of v runs on every path to
// block b (its block dominates b), and whether v is nil after it: a path
// that reaches b has passed the check.
func requiredBefore(v ssa.Value, b *ssa.BasicBlock) (nilAfter, required bool) {
	for _, w := range []ssa.Value{v, storedValue(v)} {
		if w == nil || w.Referrers() == nil {
			continue
		}
		for _, ref := range *w.Referrers() {
			for _, instr := range checkCalls(ref) {
				checked, isNil, ok := requireCheck(instr)
				if ok && checked == w && instr.Block().Dominates(b) {
					return isNil, true
				}
			}
		}
	}
	return false, false
}

// checkCalls returns ref when it is a call, and the calls that use ref when
// it converts a value to an interface (require.Nil takes an any).
func checkCalls(ref ssa.Instruction) []ssa.Instruction {
	switch r := ref.(type) {
	case *ssa.Call:
		return []ssa.Instruction{r}
	case *ssa.MakeInterface, *ssa.ChangeInterface:
		var calls []ssa.Instruction
		for _, rr := range *r.(ssa.Value).Referrers() {
			if c, ok := rr.(*ssa.Call); ok {
				calls = append(calls, c)
			}
		}
		return calls
	}
	return nil
}
