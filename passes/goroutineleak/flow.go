package goroutineleak

import (
	"go/token"
	"go/types"

	"golang.org/x/tools/go/ssa"
)

// An origin is where a channel value can come from: a make(chan) of the
// package (its index in flow.makes), the nil channel, or code the analysis
// cannot see.
type origin int

const (
	foreign origin = -1 // made or reachable by code the analysis cannot see
	nilChan origin = -2 // the nil channel
)

// escape says what code the analysis cannot see may do with a channel.
type escape uint8

const (
	escSend escape = 1 << iota // send on it or close it
	escRecv                    // receive from it
	escBoth = escSend | escRecv
)

// escapeOf returns what unseen code holding a value of type t can do with
// the channel: a receive-only channel can only be received from.
func escapeOf(t types.Type) escape {
	if ch := chanOf(t); ch != nil {
		switch ch.Dir() {
		case types.RecvOnly:
			return escRecv
		case types.SendOnly:
			return escSend
		}
	}
	return escBoth
}

// chanOf returns the channel type t is, or nil.
func chanOf(t types.Type) *types.Chan {
	ch, _ := t.Underlying().(*types.Chan)
	return ch
}

// isChanPtr reports whether t points to a channel (a variable holding one).
func isChanPtr(t types.Type) bool {
	p, ok := t.Underlying().(*types.Pointer)
	return ok && chanOf(p.Elem()) != nil
}

// A node of the flow graph holds the origins of the channels a value, a
// variable or a struct field can hold.
type node struct {
	origins map[origin]bool
	succs   []*node
	sink    escape // when non-zero, what flows here escapes
}

// flow is a flow-insensitive analysis of where the channels of a package go:
// for every channel value, the make(chan) calls it can come from, and for
// every make(chan), whether it escapes to code the analysis cannot see.
// Struct fields are modeled per field (every value of the type shares
// them); package variables, slices, maps and interfaces are unseen code.
type flow struct {
	pkg      *types.Package
	isMain   bool // nothing imports a main package: its exported names are private
	funcs    map[*ssa.Function]bool
	makes    []*ssa.MakeChan
	index    map[*ssa.MakeChan]origin
	nodes    map[any]*node // by ssa.Value (for variables, the address) or *types.Var (fields)
	unseen   map[*ssa.Function]bool
	calls    map[*ssa.Function][]ssa.CallInstruction // call sites of local functions
	closures map[*ssa.Function][]*ssa.MakeClosure    // where each function literal is made
	escapes  map[origin]escape
	sinks    [3]*node        // escSend, escRecv, escBoth
	ifaceMet map[string]bool // method names of the package's interfaces
}

func newFlow(pkg *types.Package, info *types.Info, funcs []*ssa.Function) *flow {
	f := &flow{
		pkg:      pkg,
		isMain:   pkg.Name() == "main",
		funcs:    map[*ssa.Function]bool{},
		index:    map[*ssa.MakeChan]origin{},
		nodes:    map[any]*node{},
		unseen:   map[*ssa.Function]bool{},
		calls:    map[*ssa.Function][]ssa.CallInstruction{},
		closures: map[*ssa.Function][]*ssa.MakeClosure{},
		escapes:  map[origin]escape{},
		ifaceMet: interfaceMethods(info),
	}
	for i, e := range []escape{escSend, escRecv, escBoth} {
		f.sinks[i] = &node{origins: map[origin]bool{}, sink: e}
	}
	for _, fn := range funcs {
		f.funcs[fn] = true
	}
	for _, fn := range funcs {
		f.findCallers(fn)
	}
	for _, fn := range funcs {
		if f.unseenCallers(fn) {
			for _, p := range fn.Params {
				if chanOf(p.Type()) != nil {
					f.seed(p, foreign)
				}
			}
		}
		for _, b := range fn.Blocks {
			for _, instr := range b.Instrs {
				f.addInstr(fn, instr)
			}
		}
	}
	f.propagate()
	for _, n := range f.nodes {
		f.addEscapes(n)
	}
	for _, n := range f.sinks {
		f.addEscapes(n)
	}
	return f
}

// addEscapes marks the channels that reach the sink n as escaping.
func (f *flow) addEscapes(n *node) {
	if n.sink == 0 {
		return
	}
	for o := range n.origins {
		if o >= 0 {
			f.escapes[o] |= n.sink
		}
	}
}

// interfaceMethods returns the names of the methods of every interface type
// the package mentions: an unexported method with one of these names may be
// called through an interface.
func interfaceMethods(info *types.Info) map[string]bool {
	names := map[string]bool{}
	add := func(t types.Type) {
		if it, ok := t.Underlying().(*types.Interface); ok {
			for m := range it.Methods() {
				names[m.Name()] = true
			}
		}
	}
	for _, tv := range info.Types {
		add(tv.Type)
	}
	for _, obj := range info.Defs {
		if tn, ok := obj.(*types.TypeName); ok {
			add(tn.Type())
		}
	}
	return names
}

// local returns the function of the package a call instruction runs, or nil
// (dynamic calls, interface methods, other packages, builtins).
func (f *flow) local(c *ssa.CallCommon) *ssa.Function {
	fn := c.StaticCallee()
	if fn == nil {
		return nil
	}
	if o := fn.Origin(); o != nil {
		fn = o
	}
	if !f.funcs[fn] {
		return nil
	}
	return fn
}

// findCallers records the call sites of local functions in fn, and marks
// the functions fn uses as values (their callers are unseen).
func (f *flow) findCallers(fn *ssa.Function) {
	for _, b := range fn.Blocks {
		for _, instr := range b.Instrs {
			var callee ssa.Value
			if ci, ok := instr.(ssa.CallInstruction); ok {
				callee = ci.Common().Value
				if target := f.local(ci.Common()); target != nil {
					f.calls[target] = append(f.calls[target], ci)
				}
			}
			if mc, ok := instr.(*ssa.MakeClosure); ok {
				f.closures[mc.Fn.(*ssa.Function)] = append(f.closures[mc.Fn.(*ssa.Function)], mc)
				if mc.Fn.(*ssa.Function).Synthetic != "" {
					f.markUnseen(mc.Fn.(*ssa.Function)) // a bound method value
				} else if !onlyCalled(mc) {
					f.unseen[mc.Fn.(*ssa.Function)] = true
				}
				continue
			}
			var ops [8]*ssa.Value
			for _, op := range instr.Operands(ops[:0]) {
				if g, ok := (*op).(*ssa.Function); ok && *op != callee {
					f.markUnseen(g)
				}
			}
		}
	}
}

// markUnseen marks the function g stands for as called from unseen places.
func (f *flow) markUnseen(g *ssa.Function) {
	if o := g.Origin(); o != nil {
		g = o
	}
	if g.Synthetic != "" {
		if obj, ok := g.Object().(*types.Func); ok {
			if m := g.Prog.FuncValue(obj); m != nil {
				g = m
			}
		}
	}
	f.unseen[g] = true
}

// onlyCalled reports whether the closure v is only ever called directly.
func onlyCalled(v ssa.Value) bool {
	for _, r := range *v.Referrers() {
		ci, ok := r.(ssa.CallInstruction)
		if !ok || ci.Common().Value != v {
			if _, dbg := r.(*ssa.DebugRef); !dbg {
				return false
			}
		}
	}
	return true
}

// unseenCallers reports whether fn may be called from code the analysis
// cannot see: other packages, interface method calls, function values.
func (f *flow) unseenCallers(fn *ssa.Function) bool {
	if f.unseen[fn] {
		return true
	}
	if fn.Parent() != nil {
		return false // a closure: its calls were checked where it is made
	}
	if len(f.calls[fn]) == 0 {
		return true // tests, reflection or assembly may call it
	}
	obj, _ := fn.Object().(*types.Func)
	if obj == nil {
		return true
	}
	if obj.Exported() && !f.isMain {
		return true
	}
	if obj.Signature().Recv() != nil && f.ifaceMet[obj.Name()] {
		return true
	}
	return false
}

func (f *flow) node(key any) *node {
	n := f.nodes[key]
	if n == nil {
		n = &node{origins: map[origin]bool{}}
		f.nodes[key] = n
	}
	return n
}

func (f *flow) seed(key any, o origin) { f.node(key).origins[o] = true }

func (f *flow) edge(from, to *node) { from.succs = append(from.succs, to) }

// value returns the node of a channel value; constants are the nil channel.
func (f *flow) value(v ssa.Value) *node {
	if c, ok := v.(*ssa.Const); ok && c.IsNil() {
		f.seed(v, nilChan)
	}
	return f.node(v)
}

// sink returns the node whose contents escape as e.
func (f *flow) sink(e escape) *node {
	switch e {
	case escSend:
		return f.sinks[0]
	case escRecv:
		return f.sinks[1]
	}
	return f.sinks[2]
}

// content returns the node of what the address addr holds.
func (f *flow) content(addr ssa.Value) *node {
	switch a := addr.(type) {
	case *ssa.Alloc, *ssa.FreeVar:
		if !addressKept(a) {
			n := f.node(a)
			if n.sink == 0 {
				n.sink = escBoth
				n.origins[foreign] = true
			}
		}
		return f.node(a)
	case *ssa.FieldAddr:
		return f.field(fieldVar(a.X.Type(), a.Field))
	}
	n := f.node(addr)
	n.sink = escBoth
	n.origins[foreign] = true
	return n
}

// addressKept reports whether the variable at addr is only loaded, stored
// and captured by closures: nothing else can reach what it holds.
func addressKept(addr ssa.Value) bool {
	for _, r := range *addr.Referrers() {
		switch r := r.(type) {
		case *ssa.Store:
			if r.Addr != addr {
				return false
			}
		case *ssa.UnOp, *ssa.DebugRef:
		case *ssa.MakeClosure:
		default:
			return false
		}
	}
	return true
}

// field returns the node of struct field v. A field of another package, or
// an exported one that other packages can reach, holds channels from code
// the analysis cannot see.
func (f *flow) field(v *types.Var) *node {
	n := f.node(v)
	if v != nil && v.Pkg() == f.pkg && (!v.Exported() || f.isMain) {
		return n
	}
	if n.sink == 0 {
		n.sink = escBoth
		n.origins[foreign] = true
	}
	return n
}

// fieldVar returns field i of the struct t (or *t) is.
func fieldVar(t types.Type, i int) *types.Var {
	if p, ok := t.Underlying().(*types.Pointer); ok {
		t = p.Elem()
	}
	st, ok := t.Underlying().(*types.Struct)
	if !ok || i >= st.NumFields() {
		return nil
	}
	return st.Field(i)
}

// addInstr adds the edges and seeds of one instruction of fn.
func (f *flow) addInstr(fn *ssa.Function, instr ssa.Instruction) {
	if v, ok := instr.(ssa.Value); ok && chanOf(v.Type()) != nil {
		f.addValue(v)
	}
	switch i := instr.(type) {
	case *ssa.Alloc:
		if isChanPtr(i.Type()) {
			f.seed(i, nilChan) // a variable starts as the nil channel
		}
	case *ssa.Store:
		if chanOf(i.Val.Type()) != nil {
			f.edge(f.value(i.Val), f.content(i.Addr))
		}
	case *ssa.MakeClosure:
		clo := i.Fn.(*ssa.Function)
		for j, b := range i.Bindings {
			if j >= len(clo.FreeVars) {
				break
			}
			fv := clo.FreeVars[j]
			switch {
			case chanOf(b.Type()) != nil:
				f.edge(f.value(b), f.node(fv))
			case isChanPtr(b.Type()):
				// The closure shares the variable: stores on either side
				// reach loads on both.
				f.edge(f.content(b), f.content(fv))
				f.edge(f.content(fv), f.content(b))
			}
		}
	case *ssa.Send:
		if chanOf(i.X.Type()) != nil {
			f.edge(f.value(i.X), f.sink(escBoth))
		}
	case *ssa.MakeInterface:
		if chanOf(i.X.Type()) != nil {
			f.edge(f.value(i.X), f.sink(escBoth))
		}
	case *ssa.MapUpdate:
		for _, v := range []ssa.Value{i.Key, i.Value} {
			if chanOf(v.Type()) != nil {
				f.edge(f.value(v), f.sink(escBoth))
			}
		}
	case *ssa.Return:
		if f.unseenCallers(fn) {
			for _, r := range i.Results {
				if chanOf(r.Type()) != nil {
					f.edge(f.value(r), f.sink(escapeOf(r.Type())))
				}
			}
		}
	case ssa.CallInstruction:
		f.addCall(i)
	}
	if sel, ok := instr.(*ssa.Select); ok {
		for _, st := range sel.States {
			if st.Send != nil && chanOf(st.Send.Type()) != nil {
				f.edge(f.value(st.Send), f.sink(escBoth))
			}
		}
	}
}

// addValue adds where the channel value v, defined by an instruction, comes
// from.
func (f *flow) addValue(v ssa.Value) {
	switch v := v.(type) {
	case *ssa.MakeChan:
		o := origin(len(f.makes))
		f.makes = append(f.makes, v)
		f.index[v] = o
		f.seed(v, o)
	case *ssa.Phi:
		for _, e := range v.Edges {
			f.edge(f.value(e), f.node(v))
		}
	case *ssa.ChangeType:
		f.edge(f.value(v.X), f.node(v))
	case *ssa.Convert:
		f.edge(f.value(v.X), f.node(v))
	case *ssa.UnOp:
		if v.Op == token.MUL {
			f.edge(f.content(v.X), f.node(v))
			return
		}
		f.seed(v, foreign)
	case *ssa.Field:
		f.edge(f.field(fieldVar(v.X.Type(), v.Field)), f.node(v))
	case *ssa.Call:
		if f.local(v.Common()) == nil {
			f.seed(v, foreign) // results are added by addCall
		}
	case *ssa.Extract:
		if call, ok := v.Tuple.(*ssa.Call); !ok || f.local(call.Common()) == nil {
			f.seed(v, foreign)
		}
	default:
		f.seed(v, foreign)
	}
}

// addCall binds the channel arguments of a call to the parameters of a local
// callee and its results to the call; anything else escapes.
func (f *flow) addCall(ci ssa.CallInstruction) {
	c := ci.Common()
	if b, ok := c.Value.(*ssa.Builtin); ok {
		switch b.Name() {
		case "close", "len", "cap":
			return
		}
		for _, a := range c.Args {
			if chanOf(a.Type()) != nil {
				f.edge(f.value(a), f.sink(escBoth))
			}
		}
		return
	}
	callee := f.local(c)
	for j, a := range c.Args {
		if chanOf(a.Type()) == nil {
			if isChanPtr(a.Type()) {
				f.content(a) // &ch given away: its variable escapes
			}
			continue
		}
		if callee != nil && j < len(callee.Params) {
			f.edge(f.value(a), f.node(callee.Params[j]))
			continue
		}
		f.edge(f.value(a), f.sink(argEscape(c, j)))
	}
	if c.IsInvoke() && chanOf(c.Value.Type()) != nil {
		f.edge(f.value(c.Value), f.sink(escBoth))
	}
	call, ok := ci.(*ssa.Call)
	if !ok || callee == nil {
		return
	}
	for _, b := range callee.Blocks {
		ret, ok := b.Instrs[len(b.Instrs)-1].(*ssa.Return)
		if !ok {
			continue
		}
		for i, r := range ret.Results {
			if chanOf(r.Type()) == nil {
				continue
			}
			if len(ret.Results) == 1 {
				f.edge(f.value(r), f.node(call))
				continue
			}
			for _, ref := range *call.Referrers() {
				if ex, ok := ref.(*ssa.Extract); ok && ex.Index == i {
					f.edge(f.value(r), f.node(ex))
				}
			}
		}
	}
}

// argEscape returns what an unseen callee can do with argument j of c, from
// the type of the parameter it binds to.
func argEscape(c *ssa.CallCommon, j int) escape {
	sig := c.Signature()
	if sig == nil {
		return escBoth
	}
	if !c.IsInvoke() && sig.Recv() != nil {
		j--
	}
	params := sig.Params()
	switch {
	case j < 0:
		return escBoth
	case sig.Variadic() && j >= params.Len()-1:
		return escBoth
	case j < params.Len():
		return escapeOf(params.At(j).Type())
	}
	return escBoth
}

// propagate pushes origins along the edges until nothing changes.
func (f *flow) propagate() {
	var work []*node
	for _, n := range f.nodes {
		if len(n.origins) > 0 {
			work = append(work, n)
		}
	}
	for len(work) > 0 {
		n := work[len(work)-1]
		work = work[:len(work)-1]
		for _, s := range n.succs {
			grew := false
			for o := range n.origins {
				if !s.origins[o] {
					s.origins[o] = true
					grew = true
				}
			}
			if grew {
				work = append(work, s)
			}
		}
	}
}

// origins returns where the channel v can come from. A value nothing flows
// into (dead code) is treated as unseen.
func (f *flow) origins(v ssa.Value) map[origin]bool {
	if c, ok := v.(*ssa.Const); ok && c.IsNil() {
		return map[origin]bool{nilChan: true}
	}
	n := f.nodes[v]
	if n == nil || len(n.origins) == 0 {
		return map[origin]bool{foreign: true}
	}
	return n.origins
}
