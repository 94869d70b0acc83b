package unclosed

import (
	"go/token"
	"go/types"

	"golang.org/x/tools/go/ssa"

	"github.com/leakhound/leakhound/passes/internal/passutil"
)

// Values the function built itself. A method of an interface called on a
// value whose making the function sees (a test double of http.Hijacker
// whose Hijack calls a function literal kept in a field, a wrapper whose
// Unwrap returns such a double) runs code of the package: when that code
// returns nil at a result on every path, the call opens nothing there.
// Values are followed through function literals and their captured
// variables, parameters bound to the caller's arguments, fields of structs
// the function allocated, method calls on values of known type, phis and
// type assertions, a few calls deep. Anything else (a parameter of the
// function that makes the call, a global, a call into another package) is
// unknown, and the call keeps the contract of its interface.

// maxBuiltDepth bounds the nested calls a built value is followed through.
const maxBuiltDepth = 6

// maxBuiltRounds bounds the rounds of the fixpoint over loops.
const maxBuiltRounds = 8

// A frame is one call followed: the function and what its parameters and
// free variables are bound to. The outermost frame binds nothing.
type frame struct {
	fn    *ssa.Function
	binds map[ssa.Value]builtValue
	depth int
}

// A builtValue is an SSA value as computed in a frame.
type builtValue struct {
	v ssa.Value
	f *frame
}

// A valueSet is the values an expression can have: leaves (constants,
// interfaces made from a concrete value, allocations, structs loaded from
// allocations, functions), or unknown.
type valueSet struct {
	leaves  []builtValue
	unknown bool
}

func (s *valueSet) add(o valueSet) {
	s.unknown = s.unknown || o.unknown
	for _, l := range o.leaves {
		if !containsLeaf(s.leaves, l) {
			s.leaves = append(s.leaves, l)
		}
	}
}

func containsLeaf(ls []builtValue, l builtValue) bool {
	for _, x := range ls {
		if x == l || isNilLeaf(x) && isNilLeaf(l) {
			return true
		}
	}
	return false
}

// isNilLeaf reports whether l is a nil constant.
func isNilLeaf(l builtValue) bool {
	k, ok := l.v.(*ssa.Const)
	return ok && k.IsNil()
}

var unknownSet = valueSet{unknown: true}

// frameKey names a frame: the function, the call that entered it, the
// frame of that call and the receiver it was called on.
type frameKey struct {
	fn     *ssa.Function
	site   ssa.Value
	caller *frame
	recv   builtValue
	// closure is the function value called, with the frame that made it.
	closure builtValue
}

// builtEval evaluates the values of one function's calls.
type builtEval struct {
	prog    *ssa.Program
	frames  map[frameKey]*frame
	memo    map[builtValue]valueSet
	active  map[builtValue]bool
	changed bool
}

// builtNil reports, once per call and result, whether result r of call is
// nil on every path, from the values the function built (see built.go).
func (c *checker) builtNil(call *ssa.CallCommon, r int) bool {
	key := builtKey{call, r}
	is, ok := c.nilResults[key]
	if !ok {
		is = c.builtNilResult(call, r)
		c.nilResults[key] = is
	}
	return is
}

// A builtKey is one result of one call.
type builtKey struct {
	call *ssa.CallCommon
	r    int
}

// yieldsResources reports whether a function of signature sig returns a
// value a resource can be had from: an interface with a method that
// returns a resource (an http.Hijacker), or an http.ResponseWriter (an
// Unwrap that http.ResponseController follows). The values such a
// function builds are followed when a caller calls that method (built.go).
func (c *checker) yieldsResources(sig *types.Signature) bool {
	res := sig.Results()
	for i := range res.Len() {
		t := res.At(i).Type()
		it, ok := t.Underlying().(*types.Interface)
		if !ok {
			continue
		}
		if typeKey(t) == "net/http.ResponseWriter" {
			return true
		}
		for m := range it.Methods() {
			mres := m.Signature().Results()
			for j := range mres.Len() {
				if c.kindOf(mres.At(j).Type()) != nil {
					return true
				}
			}
		}
	}
	return false
}

// builtNilResult reports whether result r of call, a call in a function of
// the package, is nil on every path, judged from the values the function
// built (see above).
func (c *checker) builtNilResult(call *ssa.CallCommon, r int) bool {
	fn := callerOf(call)
	if fn == nil {
		return false
	}
	e := &builtEval{prog: fn.Prog, frames: map[frameKey]*frame{}, memo: map[builtValue]valueSet{}}
	top := &frame{fn: fn}
	var s valueSet
	for range maxBuiltRounds {
		e.changed = false
		e.active = map[builtValue]bool{}
		s = e.results(call, r, top)
		if !e.changed {
			break
		}
	}
	if e.changed || s.unknown {
		return false
	}
	for _, l := range s.leaves {
		if !isNilLeaf(l) {
			return false
		}
	}
	return true
}

// callerOf returns the function a call is made in.
func callerOf(call *ssa.CallCommon) *ssa.Function {
	vals := append([]ssa.Value{call.Value}, call.Args...)
	for _, v := range vals {
		switch v.(type) {
		case *ssa.Const, *ssa.Function, *ssa.Global, *ssa.Builtin:
			continue
		}
		if fn := v.Parent(); fn != nil {
			return fn
		}
	}
	return nil
}

// values returns the values v can have in frame f.
func (e *builtEval) values(v ssa.Value, f *frame) valueSet {
	key := builtValue{v, f}
	if e.active[key] {
		return e.memo[key] // a loop: what is known so far
	}
	e.active[key] = true
	s := e.compute(v, f)
	delete(e.active, key)
	old := e.memo[key]
	merged := valueSet{leaves: append([]builtValue(nil), old.leaves...), unknown: old.unknown}
	merged.add(s)
	if merged.unknown != old.unknown || len(merged.leaves) != len(old.leaves) {
		e.changed = true
	}
	e.memo[key] = merged
	return merged
}

func (e *builtEval) compute(v ssa.Value, f *frame) valueSet {
	leaf := valueSet{leaves: []builtValue{{v, f}}}
	switch v := v.(type) {
	case *ssa.Const, *ssa.MakeInterface, *ssa.MakeClosure, *ssa.Function, *ssa.Alloc:
		return leaf
	case *ssa.ChangeInterface:
		return e.values(v.X, f)
	case *ssa.ChangeType:
		return e.values(v.X, f)
	case *ssa.Parameter, *ssa.FreeVar:
		if b, ok := f.binds[v]; ok {
			return e.values(b.v, b.f)
		}
	case *ssa.Phi:
		var s valueSet
		for _, edge := range v.Edges {
			s.add(e.values(edge, f))
		}
		return s
	case *ssa.TypeAssert:
		return e.asserted(e.values(v.X, f), v.AssertedType, false)
	case *ssa.Extract:
		switch t := v.Tuple.(type) {
		case *ssa.TypeAssert:
			if v.Index == 0 {
				return e.asserted(e.values(t.X, f), t.AssertedType, true)
			}
		case *ssa.Call:
			return e.results(t.Common(), v.Index, f)
		}
	case *ssa.Call:
		return e.results(v.Common(), 0, f)
	case *ssa.Field:
		return e.field(e.values(v.X, f), v.Field)
	case *ssa.UnOp:
		if v.Op != token.MUL {
			break
		}
		switch x := v.X.(type) {
		case *ssa.FieldAddr:
			return e.field(e.values(x.X, f), x.Field)
		case *ssa.Alloc:
			if _, isStruct := x.Type().(*types.Pointer).Elem().Underlying().(*types.Struct); isStruct {
				return leaf // a struct the function built
			}
			return e.stored(x, f)
		}
	}
	return unknownSet
}

// asserted returns the values of s that pass a type assertion to typ; with
// commaOk, also the zero value a failing one gives.
func (e *builtEval) asserted(s valueSet, typ types.Type, commaOk bool) valueSet {
	out := valueSet{unknown: s.unknown}
	for _, l := range s.leaves {
		mi, ok := l.v.(*ssa.MakeInterface)
		if !ok {
			continue // nil, or not an interface: the assertion fails
		}
		t := mi.X.Type()
		if types.IsInterface(typ) && types.Implements(t, typ.Underlying().(*types.Interface)) || types.Identical(t, typ) {
			if types.IsInterface(typ) {
				out.add(valueSet{leaves: []builtValue{l}})
			} else {
				out.add(e.values(mi.X, l.f))
			}
		}
	}
	if commaOk && types.IsInterface(typ) {
		out.add(valueSet{leaves: []builtValue{{ssa.NewConst(nil, typ), nil}}})
	} else if commaOk {
		out.unknown = true // a zero value of a concrete type: not followed
	}
	return out
}

// field returns the values field i of the structs in s can have.
func (e *builtEval) field(s valueSet, i int) valueSet {
	out := valueSet{unknown: s.unknown}
	for _, l := range s.leaves {
		alloc, ok := l.v.(*ssa.Alloc)
		if !ok {
			if load, isLoad := l.v.(*ssa.UnOp); isLoad {
				alloc, ok = load.X.(*ssa.Alloc)
			}
		}
		if !ok {
			return unknownSet
		}
		out.add(e.allocField(alloc, i, l.f))
	}
	return out
}

// allocField returns the values stored in field i of the struct alloc
// holds: the zero value when nothing is stored there. The struct must stay
// in the function (loaded, stored, made into an interface): handed to a
// call, anything may be stored in it.
func (e *builtEval) allocField(alloc *ssa.Alloc, i int, f *frame) valueSet {
	var out valueSet
	stores := 0
	for _, r := range *alloc.Referrers() {
		switch r := r.(type) {
		case *ssa.FieldAddr:
			if r.Field != i {
				continue
			}
			for _, use := range *r.Referrers() {
				switch u := use.(type) {
				case *ssa.Store:
					if u.Addr != r {
						return unknownSet
					}
					out.add(e.values(u.Val, f))
					stores++
				case *ssa.UnOp, *ssa.DebugRef:
				default:
					return unknownSet
				}
			}
		case *ssa.Store:
			if r.Addr != alloc {
				return unknownSet
			}
			out.add(e.field(e.values(r.Val, f), i))
			stores++
		case *ssa.UnOp, *ssa.DebugRef, *ssa.MakeInterface:
		default:
			return unknownSet
		}
	}
	if stores == 0 {
		typ := alloc.Type().(*types.Pointer).Elem().Underlying().(*types.Struct).Field(i).Type()
		if !nillable(typ) {
			return unknownSet
		}
		out.add(valueSet{leaves: []builtValue{{ssa.NewConst(nil, typ), nil}}})
	}
	return out
}

// stored returns the values stored in the variable alloc.
func (e *builtEval) stored(alloc *ssa.Alloc, f *frame) valueSet {
	var out valueSet
	for _, r := range *alloc.Referrers() {
		switch r := r.(type) {
		case *ssa.Store:
			if r.Addr != alloc {
				return unknownSet
			}
			out.add(e.values(r.Val, f))
		case *ssa.UnOp, *ssa.DebugRef:
		default:
			return unknownSet
		}
	}
	return out
}

func nillable(t types.Type) bool {
	switch t.Underlying().(type) {
	case *types.Interface, *types.Signature, *types.Pointer, *types.Map, *types.Slice, *types.Chan:
		return true
	}
	return false
}

// responseControllerHijack is the method that hijacks the connection of
// the writer given to http.NewResponseController: that writer's Hijack, or
// the Hijack of what its Unwrap returns, followed until one has it; a
// writer with neither gives a nil connection and an error.
const responseControllerHijack = "(*net/http.ResponseController).Hijack"

// results returns the values result r of call can have in frame f.
func (e *builtEval) results(call *ssa.CallCommon, r int, f *frame) valueSet {
	if f.depth >= maxBuiltDepth {
		return unknownSet
	}
	if name, _ := passutil.CalleeName(call); name == responseControllerHijack {
		return e.controllerHijack(call, r, f)
	}
	if call.IsInvoke() {
		return e.invoke(e.values(call.Value, f), call.Method.Name(), call.Value, call.Args, r, f)
	}
	if _, ok := call.Value.(*ssa.Builtin); ok {
		return unknownSet
	}
	var out valueSet
	for _, l := range e.values(call.Value, f).leaves {
		out.add(e.enter(l, nil, call.Value, call.Args, r, f))
	}
	out.unknown = out.unknown || e.values(call.Value, f).unknown
	return out
}

// enter returns the values result r of the function value fv called with
// args (after the receiver recv, if any) can have.
func (e *builtEval) enter(fv builtValue, recv *builtValue, site ssa.Value, args []ssa.Value, r int, f *frame) valueSet {
	var fn *ssa.Function
	var bindings []ssa.Value
	switch v := fv.v.(type) {
	case *ssa.Function:
		fn = v
	case *ssa.MakeClosure:
		fn, bindings = v.Fn.(*ssa.Function), v.Bindings
	case *ssa.Const:
		return valueSet{} // a nil function: the call panics
	default:
		return unknownSet
	}
	if fn == nil || len(fn.Blocks) == 0 {
		return unknownSet // a function the program has no body for
	}
	key := frameKey{fn: fn, site: site, caller: f, closure: fv}
	if recv != nil {
		key.recv = *recv
	}
	callee, ok := e.frames[key]
	if !ok {
		callee = &frame{fn: fn, binds: map[ssa.Value]builtValue{}, depth: f.depth + 1}
		params := fn.Params
		if recv != nil && len(params) > 0 {
			callee.binds[params[0]] = *recv
			params = params[1:]
		}
		for i, p := range params {
			if i < len(args) {
				callee.binds[p] = builtValue{args[i], f}
			}
		}
		for i, free := range fn.FreeVars {
			if i < len(bindings) {
				callee.binds[free] = builtValue{bindings[i], fv.f} // captured where the literal was made
			}
		}
		e.frames[key] = callee
	}
	var out valueSet
	for _, b := range fn.Blocks {
		ret, ok := b.Instrs[len(b.Instrs)-1].(*ssa.Return)
		if ok && r < len(ret.Results) {
			out.add(e.values(ret.Results[r], callee))
		}
	}
	return out
}

// invoke returns the values result r of the method name, called on the
// receivers recvs with args, can have.
func (e *builtEval) invoke(recvs valueSet, name string, site ssa.Value, args []ssa.Value, r int, f *frame) valueSet {
	out := valueSet{unknown: recvs.unknown}
	for _, l := range recvs.leaves {
		mi, ok := l.v.(*ssa.MakeInterface)
		if !ok {
			if isNilLeaf(l) {
				continue // a nil interface: the call panics
			}
			return unknownSet
		}
		fn := e.method(mi.X.Type(), name)
		if fn == nil {
			return unknownSet
		}
		recv := builtValue{mi.X, l.f}
		out.add(e.enter(builtValue{fn, nil}, &recv, site, args, r, f))
	}
	return out
}

// method returns the method name of the concrete type t, or nil.
func (e *builtEval) method(t types.Type, name string) *ssa.Function {
	sel := e.prog.MethodSets.MethodSet(t).Lookup(nil, name)
	if sel == nil {
		return nil
	}
	if obj, ok := sel.Obj().(*types.Func); !ok || obj.Pkg() == nil || e.prog.Package(obj.Pkg()) == nil {
		return nil
	}
	return e.prog.MethodValue(sel)
}

// controllerHijack returns the values result r of
// http.NewResponseController(rw).Hijack() can have: see
// responseControllerHijack.
func (e *builtEval) controllerHijack(call *ssa.CallCommon, r int, f *frame) valueSet {
	if len(call.Args) != 1 {
		return unknownSet
	}
	mk, ok := call.Args[0].(*ssa.Call)
	if !ok || len(mk.Call.Args) != 1 {
		return unknownSet
	}
	if name, _ := passutil.CalleeName(mk.Common()); name != "net/http.NewResponseController" {
		return unknownSet
	}
	none := valueSet{leaves: []builtValue{{ssa.NewConst(nil, call.Signature().Results().At(r).Type()), nil}}}
	writers := e.values(mk.Call.Args[0], f)
	var out valueSet
	for range maxBuiltDepth {
		out.unknown = out.unknown || writers.unknown
		var next valueSet
		for _, l := range writers.leaves {
			mi, ok := l.v.(*ssa.MakeInterface)
			if !ok {
				if isNilLeaf(l) {
					out.add(none) // no writer: not supported
					continue
				}
				return unknownSet
			}
			one := valueSet{leaves: []builtValue{l}}
			switch {
			case e.hasMethod(mi.X.Type(), "Hijack", 3):
				out.add(e.invoke(one, "Hijack", call.Value, nil, r, f))
			case e.hasMethod(mi.X.Type(), "Unwrap", 1):
				next.add(e.invoke(one, "Unwrap", call.Value, nil, 0, f))
			default:
				out.add(none) // not supported
			}
		}
		if len(next.leaves) == 0 && !next.unknown {
			return out
		}
		writers = next
	}
	return unknownSet
}

// hasMethod reports whether the concrete type t has a method name without
// parameters and with n results (the shape of http.Hijacker's Hijack and
// of the Unwrap NewResponseController follows).
func (e *builtEval) hasMethod(t types.Type, name string, n int) bool {
	sel := e.prog.MethodSets.MethodSet(t).Lookup(nil, name)
	if sel == nil {
		return false
	}
	sig := sel.Type().(*types.Signature)
	return sig.Params().Len() == 0 && sig.Results().Len() == n
}
