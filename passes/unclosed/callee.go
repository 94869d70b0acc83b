package unclosed

import (
	"go/types"

	"golang.org/x/tools/go/ssa"
)

// callee returns the function call runs: its static callee, or for a call
// of an interface method on a value of a user type converted to the
// interface in the function itself (var l net.Listener = &memListener{}) or
// in a function of the package that returns it (l := newMemListener()), the
// method of that concrete type. nil when it cannot be known.
func (c *checker) callee(call *ssa.CallCommon) *ssa.Function {
	if !call.IsInvoke() {
		return call.StaticCallee()
	}
	typ := c.concreteType(call.Value, maxConcreteDepth)
	if typ == nil || types.IsInterface(typ) {
		return nil // unknown, or a type parameter (its constraint is an interface)
	}
	fn := call.Value.Parent()
	if fn == nil {
		return nil
	}
	sel := fn.Prog.MethodSets.MethodSet(typ).Lookup(call.Method.Pkg(), call.Method.Name())
	if sel == nil {
		return nil
	}
	if obj, ok := sel.Obj().(*types.Func); !ok || obj.Pkg() == nil || fn.Prog.Package(obj.Pkg()) == nil {
		return nil // a package the program did not create: nothing known
	}
	return fn.Prog.MethodValue(sel)
}

// maxConcreteDepth bounds the calls concreteType follows.
const maxConcreteDepth = 2

// concreteType returns the one concrete type every value v can hold: v
// is made from a concrete value (through phis) or returned by a function of
// the package that always returns values made so, depth calls deep; nil
// when there is no such type.
func (c *checker) concreteType(v ssa.Value, depth int) types.Type {
	switch v := v.(type) {
	case *ssa.MakeInterface:
		return v.X.Type()
	case *ssa.ChangeInterface:
		return c.concreteType(v.X, depth)
	case *ssa.Call:
		return c.returnedType(v.Common(), 0, depth)
	case *ssa.Extract:
		if call, ok := v.Tuple.(*ssa.Call); ok {
			return c.returnedType(call.Common(), v.Index, depth)
		}
	case *ssa.Phi:
		var typ types.Type
		for _, e := range v.Edges {
			if _, self := e.(*ssa.Phi); self {
				return nil // loops: keep it simple
			}
			t := c.concreteType(e, depth)
			if t == nil || typ != nil && !types.Identical(t, typ) {
				return nil
			}
			typ = t
		}
		return typ
	}
	return nil
}

// returnedType returns the one concrete type result r of call holds, when
// the callee is a function of the package whose every return makes it.
func (c *checker) returnedType(call *ssa.CallCommon, r, depth int) types.Type {
	fn := call.StaticCallee()
	if depth == 0 || fn == nil || fn.Pkg == nil || fn.Pkg.Pkg != c.pass.Pkg || len(fn.Blocks) == 0 {
		return nil
	}
	var typ types.Type
	for _, b := range fn.Blocks {
		ret, ok := b.Instrs[len(b.Instrs)-1].(*ssa.Return)
		if !ok || r >= len(ret.Results) {
			continue
		}
		t := c.concreteType(ret.Results[r], depth-1)
		if t == nil || typ != nil && !types.Identical(t, typ) {
			return nil
		}
		typ = t
	}
	return typ
}
