package unclosed

import (
	"golang.org/x/tools/go/ssa"

	"github.com/leakhound/leakhound/passes/internal/passutil"
)

// A check is a value a call checks, stopping the goroutine unless the value
// is nil (nilAfter) or unless it is not nil.
type check struct {
	v        ssa.Value
	nilAfter bool
}

// checks returns the values instr checks: the value of one of testify's
// require checks (require.NoError(t, err), require.NotNil(t, x)), and the
// error arguments of a helper that ends the goroutine when they are not nil
// (check(t, err) calling t.Fatal).
func (c *checker) checks(instr ssa.Instruction) []check {
	call, isCall := instr.(*ssa.Call)
	if !isCall {
		return nil
	}
	var out []check
	for _, v := range c.ends.NilAfter(call.Common()) {
		out = append(out, check{v: v, nilAfter: true})
	}
	fn := passutil.Callee(call.Common())
	if fn == nil || fn.Pkg() == nil || fn.Pkg().Path() != testifyRequire {
		return out
	}
	nilAfter, ok := requireCheckers[fn.FullName()]
	args := call.Common().Args
	if !ok || len(args) < 2 {
		return out
	}
	v := args[1] // after t, or after the receiver of an *Assertions method
	switch conv := v.(type) {
	case *ssa.MakeInterface:
		v = conv.X
	case *ssa.ChangeInterface:
		v = conv.X
	}
	return append(out, check{v: v, nilAfter: nilAfter})
}

// requireEnds reports whether instr is a check after which the path owes
// nothing: it goes on only when the opening call failed
// (require.Error(t, err)), when the callee that took the resource
// succeeded, or when the resource is nil.
func (t *tracker) requireEnds(instr ssa.Instruction) bool {
	for _, ch := range t.c.checks(instr) {
		if ch.nilAfter && (t.on(t.freeOnSuccess, ch.v) || t.on(t.aliases, ch.v)) ||
			!ch.nilAfter && t.on(t.freeOnFailure, ch.v) {
			return true
		}
	}
	return false
}

// requiredBefore reports whether a check of v runs on every path to block
// b (its block dominates b), and whether v is nil after it: a path that
// reaches b has passed the check.
func (c *checker) requiredBefore(v ssa.Value, b *ssa.BasicBlock) (nilAfter, required bool) {
	for _, w := range []ssa.Value{v, storedValue(v)} {
		if w == nil || w.Referrers() == nil {
			continue
		}
		for _, ref := range *w.Referrers() {
			for _, instr := range checkCalls(ref) {
				if !instr.Block().Dominates(b) {
					continue
				}
				for _, ch := range c.checks(instr) {
					if ch.v == w {
						return ch.nilAfter, true
					}
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
