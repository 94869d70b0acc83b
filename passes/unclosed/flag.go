package unclosed

import (
	"fmt"
	"go/constant"
	"go/token"
	"go/types"

	"golang.org/x/tools/go/ssa"
)

// A flagGuard says that a function releases (or takes over) its parameter
// Param on every path when its bool parameter Flag is Value, as a helper
// does that closes the rows it scans only when told to:
//
//	func process(rows Rows, closeRows bool) error {
//		if closeRows {
//			defer rows.Close()
//		}
//		...
//
// A call passing the constant Value releases the argument; a call passing
// the other constant or a value not known does not. A wrapper forwarding a
// bool parameter of its own as the flag is summarized with a guard of its
// own. Indices count the receiver first, as in consumesFact.
type flagGuard struct {
	Param, Flag int
	Value       bool
}

func (g flagGuard) String() string {
	return fmt.Sprintf("releases %d if %d=%t", g.Param, g.Flag, g.Value)
}

// flagGuards returns the guards under which fn releases its parameter i on
// every path, for each bool parameter of fn and each of its values, given
// released, which reports whether fn releases the parameter when the
// parameters in assume hold their values there.
func flagGuards(fn *ssa.Function, i int, released func(assume map[ssa.Value]bool) bool) []flagGuard {
	var guards []flagGuard
	for g, flag := range fn.Params {
		if g == i || !isBool(flag.Type()) || !usedAsCondition(flag) {
			continue
		}
		for _, value := range []bool{true, false} {
			if released(map[ssa.Value]bool{flag: value}) {
				guards = append(guards, flagGuard{Param: i, Flag: g, Value: value})
			}
		}
	}
	return guards
}

// usedAsCondition reports whether the function branches on the bool
// parameter flag or passes it to a call: only then can its value decide
// what the function releases.
func usedAsCondition(flag *ssa.Parameter) bool {
	for _, r := range *flag.Referrers() {
		switch r.(type) {
		case *ssa.If, *ssa.UnOp, ssa.CallInstruction:
			return true
		}
	}
	return false
}

// guardHolds reports whether the callee of call releases argument j under a
// flag guard that the call's arguments satisfy: the flag argument is the
// constant the guard names, or a parameter that assume says holds it (a
// wrapper summarized under the assumption that its own flag is set).
func (c *checker) guardHolds(call *ssa.CallCommon, j int, assume map[ssa.Value]bool) bool {
	sum := c.summary(call)
	if sum == nil {
		return false
	}
	for _, g := range sum.Guards {
		if g.Param != j || g.Flag >= len(call.Args) {
			continue
		}
		if v, ok := boolValue(call.Args[g.Flag], assume); ok && v == g.Value {
			return true
		}
	}
	return false
}

// boolValue returns the value of the bool v when it is known: a constant,
// a value assume gives, or the negation of one.
func boolValue(v ssa.Value, assume map[ssa.Value]bool) (value, known bool) {
	if k, ok := v.(*ssa.Const); ok && k.Value != nil && k.Value.Kind() == constant.Bool {
		return constant.BoolVal(k.Value), true
	}
	if not, ok := v.(*ssa.UnOp); ok && not.Op == token.NOT {
		value, known = boolValue(not.X, assume)
		return !value, known
	}
	value, known = assume[v]
	return value, known
}

func isBool(t types.Type) bool {
	b, ok := t.Underlying().(*types.Basic)
	return ok && b.Kind() == types.Bool
}
