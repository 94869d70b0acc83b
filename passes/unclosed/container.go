package unclosed

import (
	"go/token"
	"slices"

	"golang.org/x/tools/go/ssa"
)

// A resource stored in a field of a struct the function allocates itself is
// not handed over by the store: the struct carries it, and the function
// still owes it until the struct is handed over (returned, stored, sent,
// captured, passed to a function that may release the field or keep the
// struct) or the field is released. A path that drops the struct leaks the
// resource, as in
//
//	conn, err := db.Conn(ctx)
//	if err != nil {
//		return nil, err
//	}
//	s := &session{conn: conn}
//	if err := s.setup(ctx); err != nil {
//		return nil, err // s is dropped with the connection in it
//	}
//	return s, nil
//
// The tracker keeps such structs in its containers, by the index of the
// field that holds the resource; they are aliases too, so handing one over
// releases the resource.

// maxFieldDepth bounds the calls mayTakeField follows.
const maxFieldDepth = 3

// containerField returns the local struct allocation addr is a field of,
// and the field, when addr is the address of a field of a struct the
// function allocates; nil otherwise.
func containerField(addr ssa.Value) (*ssa.Alloc, int) {
	fa, ok := addr.(*ssa.FieldAddr)
	if !ok {
		return nil, 0
	}
	alloc, ok := fa.X.(*ssa.Alloc)
	if !ok {
		return nil, 0
	}
	return alloc, fa.Field
}

// addContainer makes the struct v a container of the resource in field.
func (t *tracker) addContainer(v ssa.Value, field int) {
	if t.aliases[v] {
		return
	}
	if t.containers == nil {
		t.containers = map[ssa.Value]int{}
	}
	t.containers[v] = field
	t.addAlias(v)
}

// addFromContainer adds what the use r of the container v derives from it:
// a load of the field is the resource, the struct read whole (or converted,
// or kept in a variable) is the container again.
func (t *tracker) addFromContainer(v ssa.Value, field int, r ssa.Instruction) {
	switch r := r.(type) {
	case *ssa.FieldAddr:
		if r.Field != field {
			return
		}
		for _, load := range loads(r) {
			t.addAlias(load)
		}
	case *ssa.Field:
		if r.Field == field {
			t.addAlias(r)
		}
	case *ssa.UnOp:
		if r.Op == token.MUL && r.X == v {
			t.addContainer(r, field) // the struct read whole
		}
	case *ssa.ChangeType, *ssa.MakeInterface, *ssa.ChangeInterface, *ssa.Phi, *ssa.Convert:
		t.addContainer(r.(ssa.Value), field)
	case *ssa.Store:
		if r.Val != v {
			return
		}
		if localCell(r.Addr) {
			for _, load := range loads(r.Addr) {
				t.addContainer(load, field) // the variable still holds the struct
			}
		} else if alloc, ok := r.Addr.(*ssa.Alloc); ok {
			t.addContainer(alloc, field) // a copy in a variable of the function
		}
	}
}

// intoContainer reports whether a store to addr puts the resource, or a
// container of it, into a container: the tracker still owes it.
func (t *tracker) intoContainer(addr ssa.Value) bool {
	if alloc, ok := addr.(*ssa.Alloc); ok {
		_, ok := t.containers[alloc]
		return ok
	}
	alloc, field := containerField(addr)
	f, ok := t.containers[alloc]
	return alloc != nil && ok && f == field
}

// containerReleased reports whether the call c, which passes the container
// a as argument j, may release the resource in it or keep the container:
// unless the callee is a function with a body that only reads the field,
// and uses what it reads in place, it is trusted to.
func (t *tracker) containerReleased(c *ssa.CallCommon, a ssa.Value, j int) bool {
	if c.IsInvoke() || j >= len(c.Args) {
		return true
	}
	return t.c.mayTakeField(c.StaticCallee(), j, t.containers[a], t.kind, 0)
}

// mayTakeField reports whether fn, called with a struct (or a pointer to
// one) as parameter j, may release the resource in field of it, or keep the
// struct or the resource beyond the call.
func (c *checker) mayTakeField(fn *ssa.Function, j, field int, k *kind, depth int) bool {
	if fn == nil || len(fn.Blocks) == 0 || depth > maxFieldDepth || j >= len(fn.Params) {
		return true
	}
	p := fn.Params[j]
	for _, r := range *p.Referrers() {
		switch r := r.(type) {
		case *ssa.FieldAddr:
			if r.Field != field {
				continue // another field: the resource is not there
			}
			for _, rr := range *r.Referrers() {
				load, ok := rr.(*ssa.UnOp)
				if !ok || load.Op != token.MUL || c.mayTakeValue(load, k) {
					return true // overwritten, its address taken, or released
				}
			}
		case *ssa.Field:
			if r.Field == field && c.mayTakeValue(r, k) {
				return true
			}
		case *ssa.Call:
			call := r.Common()
			if call.IsInvoke() {
				return true
			}
			for i, a := range call.Args {
				if a == p && c.mayTakeField(call.StaticCallee(), i, field, k, depth+1) {
					return true
				}
			}
		case *ssa.DebugRef:
		default:
			return true // stored, returned, captured, compared: it may be kept
		}
	}
	return false
}

// mayTakeValue reports whether the resource v of kind k (read from a field)
// may be released or handed over by its uses: anything other than a method
// call that does not release it, or an argument of a function that does not
// take it over.
func (c *checker) mayTakeValue(v ssa.Value, k *kind) bool {
	for _, r := range *v.Referrers() {
		call, ok := r.(*ssa.Call)
		if !ok {
			if _, debug := r.(*ssa.DebugRef); debug {
				continue
			}
			return true
		}
		cc := call.Common()
		if cc.IsInvoke() {
			if cc.Value == v && slices.Contains(k.methods, cc.Method.Name()) {
				return true
			}
		}
		callee := cc.StaticCallee()
		for j, a := range cc.Args {
			if a != v {
				continue
			}
			if j == 0 && callee != nil && callee.Signature.Recv() != nil {
				if slices.Contains(k.methods, callee.Name()) {
					return true
				}
				continue
			}
			if c.argConsumed(cc, j, false) {
				return true
			}
		}
	}
	return false
}
