package unclosed

import (
	"go/constant"
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
	// Outcomes (an error, or a bool result) that say the resource is not
	// owed when they report failure (a non-nil error, false), such as the
	// error of the opening call, or when they report success (a nil error,
	// true), such as the result of a constructor that takes it over.
	freeOnFailure, freeOnSuccess map[ssa.Value]bool
	returns                      returnKind // the returns a path may leak through
	// borrowed marks a parameter that the function may merely borrow (an
	// any or an io.Reader): returning it, or keeping it in a variable of
	// the function's own, hands nothing over; closing it, passing it to a
	// function that releases it, or storing it where it outlives the call
	// (as a body stream that is closed later) does.
	borrowed bool
	// containers are the structs the function allocated that hold the
	// resource in a field (see container.go), by the index of the field.
	containers map[ssa.Value]int
	// assume gives the value of bool parameters when summarizing whether
	// the function releases a parameter under a flag (see flagGuard).
	assume map[ssa.Value]bool
}

// A returnKind selects the returns through which an unreleased resource
// leaks: all of them when checking a function that opens the resource;
// those that report failure (a non-nil error or false) or those that report
// success (a nil error or true) when summarizing whether a function releases
// a parameter whenever it fails or whenever it succeeds.
type returnKind int

const (
	allReturns returnKind = iota
	failingReturns
	succeedingReturns
)

// newTracker tracks roots (the values that hold the resource) opened by start.
func newTracker(c *checker, k *kind, start ssa.Instruction, roots []ssa.Value, errs []ssa.Value) *tracker {
	t := &tracker{c: c, kind: k, start: start, aliases: map[ssa.Value]bool{},
		freeOnFailure: map[ssa.Value]bool{}, freeOnSuccess: map[ssa.Value]bool{}}
	for _, e := range errs {
		t.freeOnFailure[e] = true
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
	if field, ok := t.containers[v]; ok {
		for _, r := range *refs {
			t.addFromContainer(v, field, r)
		}
		return
	}
	for _, r := range *refs {
		switch r := r.(type) {
		case *ssa.Call:
			if wrappedArg(r.Common()) == v {
				t.addAlias(r) // tls.Client(conn, cfg) is the connection
			} else if u := unwrapped(r, v); u != nil {
				t.addAlias(u) // cc.Hijack() returns the connection cc wraps
			}
		case *ssa.ChangeType, *ssa.MakeInterface, *ssa.ChangeInterface, *ssa.Phi, *ssa.Convert:
			t.addAlias(r.(ssa.Value))
		case *ssa.Store:
			if r.Val == v && localCell(r.Addr) {
				for _, load := range loads(r.Addr) {
					t.addAlias(load) // the variable still holds the resource
				}
			} else if alloc, field := containerField(r.Addr); r.Val == v && alloc != nil {
				t.addContainer(alloc, field) // the struct holds the resource
			}
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
			for _, load := range loads(r) {
				t.addAlias(load)
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
		b, from *ssa.BasicBlock // from: the block the path came from
		i       int
	}
	type edge struct{ from, to *ssa.BasicBlock }
	seen := map[edge]bool{}
	stack := []item{{b: b, i: i}}
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
			if t.releases(instr) || t.c.ends.Ends(instr) || t.requireEnds(instr) {
				done = true
				break
			}
		}
		if done {
			continue
		}
		switch end := it.b.Instrs[len(it.b.Instrs)-1].(type) {
		case *ssa.Return:
			if !t.leaksThrough(end) {
				continue
			}
			return lastPos(it.b, end.Pos()), true
		case *ssa.If:
			for _, s := range t.feasible(end, it.from) {
				if e := (edge{it.b, s}); !seen[e] {
					seen[e] = true
					stack = append(stack, item{b: s, from: it.b})
				}
			}
		case *ssa.Jump:
			if e := (edge{it.b, it.b.Succs[0]}); !seen[e] {
				seen[e] = true
				stack = append(stack, item{b: e.to, from: it.b})
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

// leaksThrough reports whether a path that reaches ret without releasing
// the resource leaks it, given the returns the tracker looks at.
func (t *tracker) leaksThrough(ret *ssa.Return) bool {
	if t.returns == allReturns {
		return true
	}
	if len(ret.Results) == 0 {
		return false
	}
	v := ret.Results[len(ret.Results)-1]
	if c, ok := v.(*ssa.Const); ok {
		success := c.IsNil() || c.Value != nil && c.Value.Kind() == constant.Bool && constant.BoolVal(c.Value)
		return success == (t.returns == succeedingReturns)
	}
	if t.returns == failingReturns {
		return !t.on(t.freeOnFailure, v)
	}
	return !t.on(t.freeOnSuccess, v) && !(isError(v.Type()) && nonNil(v, ret.Block()))
}

// on reports whether v, or the value last stored in the variable v reads,
// is in set.
func (t *tracker) on(set map[ssa.Value]bool, v ssa.Value) bool {
	return set[v] || set[storedValue(v)]
}

// releasable reports whether typ is an interface with the methods that
// release the resource: a type assertion to it fails only for values that
// are not the resource.
func (t *tracker) releasable(typ types.Type) bool {
	if !types.IsInterface(typ) {
		return false
	}
	for _, m := range t.kind.methods {
		if hasMethod(typ, m) {
			return true
		}
	}
	return false
}

// storedValue returns the value a load of a variable reads, when the store
// it reads is in the load's block or in the chain of single predecessors
// before it; nil when v is not such a load. The variable is one of the
// function's own that lives in memory (a named result, or an err captured
// by a deferred closure) or, in a function literal, one of the enclosing
// function's it captured (resp, err = rt.RoundTrip(req) in a closure
// assigning the outer err).
func storedValue(v ssa.Value) ssa.Value {
	load, ok := v.(*ssa.UnOp)
	if !ok || load.Op != token.MUL {
		return nil
	}
	addr := load.X
	switch addr.(type) {
	case *ssa.Alloc, *ssa.FreeVar:
	default:
		return nil
	}
	b := load.Block()
	instrs := b.Instrs[:slices.Index(b.Instrs, ssa.Instruction(load))]
	for range maxStoreSearch {
		for _, instr := range slices.Backward(instrs) {
			switch i := instr.(type) {
			case *ssa.Store:
				if i.Addr == addr {
					return i.Val
				}
			case *ssa.Call:
				if slices.Contains(i.Call.Args, addr) || capturesCell(i.Call.Value, addr) {
					return nil // the callee may store into it
				}
			}
		}
		if len(b.Preds) != 1 {
			return nil
		}
		b = b.Preds[0]
		instrs = b.Instrs
	}
	return nil
}

// capturesCell reports whether the function value fn is a closure that
// captured the variable addr (and so may store into it).
func capturesCell(fn, addr ssa.Value) bool {
	mc, ok := fn.(*ssa.MakeClosure)
	return ok && slices.Contains(mc.Bindings, addr)
}

// maxStoreSearch bounds the blocks storedValue walks back through.
const maxStoreSearch = 16

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
		return !t.borrowed && slices.ContainsFunc(i.Results, t.isAlias)
	case *ssa.Store:
		if !t.aliases[i.Val] || t.borrowed && !outlivesCall(i.Addr) || localCell(i.Addr) || t.intoContainer(i.Addr) {
			return false
		}
		if cell, ok := i.Addr.(*ssa.Alloc); ok && t.kind == pipeKind && startedCell(cell) {
			return t.closuresClose(cell) // a variable only goroutines capture
		}
		if _, ok := t.containers[i.Val]; ok {
			return true // the struct is kept elsewhere (an element, a variadic argument)
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
		if t.kind == pipeKind && onlyStarted(i) {
			return t.closureCloses(i, t.isAlias)
		}
		return slices.ContainsFunc(i.Bindings, t.isAlias)
	case *ssa.Go:
		if t.kind == pipeKind {
			return t.goCloses(i)
		}
		return slices.ContainsFunc(i.Call.Args, t.isAlias) || t.aliases[i.Call.Value]
	case *ssa.Call:
		t.noteDeadline(i)
		return t.callReleases(i.Common()) || t.releasedOnOutcome(i)
	case ssa.CallInstruction:
		return t.callReleases(i.Common())
	}
	return false
}

// releasedOnOutcome notes the outcome (the error or bool result) of call
// when the callee releases the resource whenever it fails (a helper that
// checks a response and closes it when the check fails) or whenever it
// succeeds (a constructor that takes over a connection, a pool's Put). It
// reports whether the callee releases it either way.
func (t *tracker) releasedOnOutcome(call *ssa.Call) bool {
	c := call.Common()
	for j, a := range c.Args {
		if !t.aliases[a] {
			continue
		}
		onFailure, onSuccess := t.c.argReleasedOn(c, j)
		if onFailure && onSuccess {
			return true
		}
		for _, v := range outcomes(call) {
			if onFailure {
				t.freeOnFailure[v] = true
			}
			if onSuccess {
				t.freeOnSuccess[v] = true
			}
		}
	}
	return false
}

// outcomes returns the values holding the last result of call when it is an
// error or a bool.
func outcomes(call *ssa.Call) []ssa.Value {
	if isOutcome(call.Type()) {
		return []ssa.Value{call}
	}
	tuple, ok := call.Type().(*types.Tuple)
	if !ok || tuple.Len() == 0 || !isOutcome(tuple.At(tuple.Len()-1).Type()) {
		return nil
	}
	var vs []ssa.Value
	for _, ref := range *call.Referrers() {
		if ex, ok := ref.(*ssa.Extract); ok && ex.Index == tuple.Len()-1 {
			vs = append(vs, ex)
		}
	}
	return vs
}

// isOutcome reports whether a last result of type t says whether the
// function succeeded: an error or a bool.
func isOutcome(t types.Type) bool {
	if isError(t) {
		return true
	}
	return isBool(t)
}

func (t *tracker) isAlias(v ssa.Value) bool { return t.aliases[v] }

// callReleases reports whether the call closes the resource (a release method
// on it) or passes it to a callee that consumes it.
func (t *tracker) callReleases(c *ssa.CallCommon) bool {
	if t.releasesHolder(c) {
		return true
	}
	if c.IsInvoke() && t.aliases[c.Value] {
		if _, ok := t.containers[c.Value]; ok && !t.borrowed {
			return true // a method of an unknown type may release the field
		}
		return slices.Contains(t.kind.methods, c.Method.Name())
	}
	if b, ok := c.Value.(*ssa.Builtin); ok {
		return !t.borrowed && b.Name() == "append" && slices.ContainsFunc(c.Args, t.isAlias)
	}
	if arg := wrappedArg(c); arg != nil && t.aliases[arg] {
		return false // the result is the resource
	}
	callee := c.StaticCallee()
	for j, a := range c.Args {
		if !t.aliases[a] {
			continue
		}
		if _, ok := t.containers[a]; ok && !t.borrowed {
			if t.containerReleased(c, a, j) {
				return true
			}
			continue
		}
		if j == 0 && callee != nil && callee.Signature.Recv() != nil {
			if slices.Contains(t.kind.methods, callee.Name()) {
				return true
			}
			continue // another method of the resource borrows it
		}
		if t.borrowed {
			if sum := t.c.summary(c); sum != nil && j < len(sum.Params) && sum.Params[j] || t.c.guardHolds(c, j, t.assume) {
				return true
			}
		} else if t.c.argConsumed(c, j, false) || t.assume != nil && t.c.guardHolds(c, j, t.assume) {
			return true
		}
	}
	return false
}

// localCell reports whether addr is a variable of the function (kept in
// memory because a closure captures it) that only the function itself uses:
// it is loaded and stored, and the closures capturing it are never called,
// stored or passed on. A resource stored there stays in the function.
func localCell(addr ssa.Value) bool {
	alloc, ok := addr.(*ssa.Alloc)
	if !ok {
		return false
	}
	only, _ := cellUses(alloc, func(mc *ssa.MakeClosure) bool { return len(*mc.Referrers()) == 0 })
	return only
}

// cellUses reports whether the variable alloc is only loaded, stored into
// and captured by closures for which closure reports true, and whether a
// closure captures it.
func cellUses(alloc *ssa.Alloc, closure func(*ssa.MakeClosure) bool) (only, captured bool) {
	for _, r := range *alloc.Referrers() {
		switch r := r.(type) {
		case *ssa.Store:
			if r.Val == alloc {
				return false, captured
			}
		case *ssa.UnOp:
			if r.Op != token.MUL {
				return false, captured
			}
		case *ssa.MakeClosure:
			if !closure(r) {
				return false, captured
			}
			captured = true
		case *ssa.DebugRef:
		default:
			return false, captured
		}
	}
	return true, captured
}

// outlivesCall reports whether the memory at addr may outlive the call of
// the function that stores into it: it is not reached from a variable or
// allocation of the function's own.
func outlivesCall(addr ssa.Value) bool {
	for {
		switch a := addr.(type) {
		case *ssa.FieldAddr:
			addr = a.X
		case *ssa.IndexAddr:
			addr = a.X
		case *ssa.Alloc:
			return false
		default:
			return true
		}
	}
}
