package finalizer

import (
	_ "embed"
	"fmt"
	"go/token"
	"go/types"
	"path/filepath"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/ssa"

	"github.com/leakhound/leakhound/passes/internal/passutil"
)

//go:embed doc.go
var doc string

// Analyzer reports finalizers and cleanups that never run, make the runtime
// abort, or block the goroutine that runs them.
var Analyzer = &analysis.Analyzer{
	Name: "finalizer",
	Doc:  passutil.Doc(doc, "finalizer"),
	URL:  "https://pkg.go.dev/github.com/leakhound/leakhound/passes/finalizer",
	Run:  run,
}

// reportLocks is the -finalizer.locks flag.
var reportLocks bool

func init() {
	Analyzer.Flags.BoolVar(&reportLocks, "locks", false,
		"also report finalizers and cleanups that lock a mutex (they wait while another goroutine holds it)")
}

// checker holds the state of one run over a package.
type checker struct {
	pass       *analysis.Pass
	starts     map[token.Pos]token.Pos // call Lparen -> call start
	blocking   map[any]bool            // functions (or methods) reported as blocking
	funcs      []*ssa.Function         // the package's functions
	chanStores map[string][]ssa.Value  // built on first use by buffered
}

func run(pass *analysis.Pass) (any, error) {
	if passutil.InGOROOT(pass) || !passutil.Refers(pass, "runtime.SetFinalizer", "runtime.AddCleanup") {
		return nil, nil // nothing registers a finalizer or cleanup here
	}
	c := &checker{pass: pass, starts: passutil.CallStarts(pass.Files), blocking: map[any]bool{}}
	c.funcs = passutil.BuildSSA(pass, nil)
	for _, fn := range c.funcs {
		for _, b := range fn.Blocks {
			for _, instr := range b.Instrs {
				call, ok := instr.(*ssa.Call)
				if !ok {
					continue
				}
				switch name, _ := passutil.CalleeName(call.Common()); name {
				case "runtime.SetFinalizer":
					c.report(call, c.setFinalizer(call.Common()))
				case "runtime.AddCleanup":
					c.report(call, c.addCleanup(call.Common()))
				}
			}
		}
	}
	return nil, nil
}

// A problem is what is wrong with one registration.
type problem struct {
	message string
	related token.Pos // where it shows, when not at the call
}

func (c *checker) report(call *ssa.Call, p *problem) {
	if p == nil {
		return
	}
	pos := call.Pos()
	if s, ok := c.starts[pos]; ok {
		pos = s
	}
	d := analysis.Diagnostic{Pos: pos, Category: "finalizer", Message: p.message}
	if p.related.IsValid() {
		d.Related = []analysis.RelatedInformation{{Pos: p.related, Message: "it blocks here"}}
	}
	c.pass.Report(d)
}

func problemf(format string, args ...any) *problem {
	return &problem{message: fmt.Sprintf(format, args...)}
}

// setFinalizer checks runtime.SetFinalizer(obj, finalizer).
func (c *checker) setFinalizer(call *ssa.CallCommon) *problem {
	obj, fin := call.Args[0], call.Args[1]
	if isNil(obj) {
		return problemf("runtime.SetFinalizer on nil: the runtime aborts the program")
	}
	obj = concrete(obj)
	objType := obj.Type()
	known := !types.IsInterface(objType) && !hasTypeParam(objType)
	if known {
		if _, ok := objType.Underlying().(*types.Pointer); !ok {
			return problemf("runtime.SetFinalizer on a %s, not a pointer: the runtime aborts the program (pass a pointer to a heap object)", c.typeString(objType))
		}
		if p := c.heapObject(obj, "finalizer", false); p != nil {
			return p
		}
	}
	if isNil(fin) {
		return nil // removes the finalizer
	}
	fin = concrete(fin)
	sig, ok := fin.Type().Underlying().(*types.Signature)
	if !ok {
		if types.IsInterface(fin.Type()) {
			return nil // not known here
		}
		return problemf("runtime.SetFinalizer with a %s, not a function: the runtime aborts the program", c.typeString(fin.Type()))
	}
	if sig.Variadic() || sig.Params().Len() != 1 {
		return problemf("finalizer of type %s does not take exactly one argument, the object: the runtime aborts the program", c.typeString(fin.Type()))
	}
	if param := sig.Params().At(0).Type(); known && !hasTypeParam(param) && !types.AssignableTo(objType, param) {
		return problemf("finalizer takes a %s, and a %s cannot be passed to it: the runtime aborts the program", c.typeString(param), c.typeString(objType))
	}
	var ptrType types.Type // nil when not known here
	if known {
		ptrType = objType
	}
	return c.lifetime(finalizerWords, obj, ptrType, fin, call)
}

// addCleanup checks runtime.AddCleanup(ptr, cleanup, arg).
func (c *checker) addCleanup(call *ssa.CallCommon) *problem {
	ptr, cleanup, arg := call.Args[0], call.Args[1], call.Args[2]
	if isNil(ptr) {
		return problemf("runtime.AddCleanup on nil: it panics")
	}
	if p := c.heapObject(ptr, "cleanup", true); p != nil {
		return p
	}
	roots := rootsOf(ptr)
	if a := normalize(arg); roots[a] {
		if a == normalize(ptr) {
			return problemf("cleanup argument is the object itself: AddCleanup panics, the object would never be unreachable (pass only what the cleanup needs, such as a field)")
		}
		return problemf("cleanup argument holds the object: the object stays reachable and the cleanup never runs (pass only what the cleanup needs)")
	}
	var ptrType types.Type
	if !hasTypeParam(ptr.Type()) {
		ptrType = ptr.Type()
	}
	return c.lifetime(cleanupWords, ptr, ptrType, cleanup, call)
}

// words are what the diagnostics of a finalizer or a cleanup say.
type words struct {
	name     string // "finalizer"
	own      string // "finalizes"
	instead  string // the fix for a function that refers to its object
	blockage string // the consequence of a function that blocks
}

var (
	finalizerWords = words{name: "finalizer", own: "finalizes", instead: "use the finalizer's argument instead",
		blockage: "all finalizers run on one goroutine, so every later finalizer (and every file or socket the garbage collector closes) waits behind it"}
	cleanupWords = words{name: "cleanup", own: "cleans up", instead: "pass what it needs as the argument",
		blockage: "cleanups share a few goroutines, so other cleanups wait behind it"}
)

// lifetime checks what finalizers and cleanups have in common: the function
// fn must not keep the object obj reachable, the object must not have zero
// size (ptrType, its pointer type, is nil when not known here), and fn must
// not block.
func (c *checker) lifetime(w words, obj ssa.Value, ptrType types.Type, fn ssa.Value, call *ssa.CallCommon) *problem {
	if name := capturedRoot(fn, obj); name != "" {
		return problemf("%s refers to the object it %s (through %s): the object stays reachable and the %s never runs (%s)",
			w.name, w.own, name, w.name, w.instead)
	}
	if ptrType != nil {
		if p := c.zeroSize(ptrType, w.name); p != nil {
			return p
		}
	}
	if op := c.blocks(body(fn)); op != nil {
		return &problem{related: op.pos, message: fmt.Sprintf("%s %s: %s (do blocking work in a new goroutine)",
			w.name, c.where(op, call), w.blockage)}
	}
	return nil
}

// heapObject reports a pointer that does not point to the start of a heap
// object: to a package-level variable, or (for finalizers, which must get
// the start of an allocation) into an object.
func (c *checker) heapObject(ptr ssa.Value, what string, inner bool) *problem {
	for v := ptr; ; {
		switch x := v.(type) {
		case *ssa.Global:
			return problemf("%s set on package-level variable %s, which is not allocated on the heap: it never runs (allocate the object with new or &T{})", what, x.Name())
		case *ssa.FieldAddr:
			if hasTypeParam(x.X.Type()) {
				return nil // the layout is not known here
			}
			if !inner && c.offset(x) != 0 && !c.tiny(x.Type()) {
				return problemf("runtime.SetFinalizer on a pointer to field %s, not to the start of an object: the runtime aborts the program", fieldName(x))
			}
			v = x.X
		case *ssa.IndexAddr:
			if hasTypeParam(x.X.Type()) {
				return nil
			}
			if k, ok := x.Index.(*ssa.Const); !inner && ok && k.Int64() != 0 && !c.tiny(x.Type()) {
				return problemf("runtime.SetFinalizer on a pointer to element %d, not to the start of an object: the runtime aborts the program", k.Int64())
			}
			if _, ok := x.X.Type().Underlying().(*types.Slice); ok {
				return nil // the array is on the heap
			}
			v = x.X
		default:
			return nil
		}
	}
}

// tiny reports whether the runtime accepts a finalizer on an inner pointer of
// type ptr: objects without pointers smaller than 16 bytes may share a block.
func (c *checker) tiny(ptr types.Type) bool {
	elem := ptr.Underlying().(*types.Pointer).Elem()
	return !hasPointers(elem) && c.sizes().Sizeof(elem) < 16
}

func (c *checker) offset(fa *ssa.FieldAddr) int64 {
	st := fa.X.Type().Underlying().(*types.Pointer).Elem().Underlying().(*types.Struct)
	fields := make([]*types.Var, st.NumFields())
	for i := range fields {
		fields[i] = st.Field(i)
	}
	return c.sizes().Offsetsof(fields)[fa.Field]
}

func fieldName(fa *ssa.FieldAddr) string {
	st := fa.X.Type().Underlying().(*types.Pointer).Elem().Underlying().(*types.Struct)
	return st.Field(fa.Field).Name()
}

// zeroSize reports a finalizer or cleanup on a zero-size object.
func (c *checker) zeroSize(ptr types.Type, what string) *problem {
	elem := ptr.Underlying().(*types.Pointer).Elem()
	if c.sizes().Sizeof(elem) != 0 {
		return nil
	}
	return problemf("%s set on a zero-size %s: it may share its address with other zero-size values and never run", what, c.typeString(elem))
}

func (c *checker) sizes() types.Sizes {
	if c.pass.TypesSizes != nil {
		return c.pass.TypesSizes
	}
	return types.SizesFor("gc", "amd64")
}

func (c *checker) typeString(t types.Type) string {
	return types.TypeString(t, types.RelativeTo(c.pass.Pkg))
}

// where describes a blocking operation of a function registered by call:
// what it is and its line, with the file when it is another one.
func (c *checker) where(op *blockingOp, call *ssa.CallCommon) string {
	p := c.pass.Fset.Position(op.pos)
	at := fmt.Sprintf("line %d", p.Line)
	if p.Filename != c.pass.Fset.Position(call.Pos()).Filename {
		at = fmt.Sprintf("%s:%d", filepath.Base(p.Filename), p.Line)
	}
	if op.lock {
		return fmt.Sprintf("waits on %s at %s while another goroutine holds the lock", op.what, at)
	}
	return fmt.Sprintf("blocks on %s at %s", op.what, at)
}

func isNil(v ssa.Value) bool {
	k, ok := v.(*ssa.Const)
	return ok && k.IsNil()
}

// concrete returns the value converted to an interface at v, or v.
func concrete(v ssa.Value) ssa.Value {
	for {
		switch x := v.(type) {
		case *ssa.MakeInterface:
			v = x.X
		case *ssa.ChangeInterface:
			v = x.X
		default:
			return v
		}
	}
}

// normalize returns the value v stands for: without conversions, and a read
// of a local variable replaced by the variable.
func normalize(v ssa.Value) ssa.Value {
	for {
		switch x := concrete(v).(type) {
		case *ssa.ChangeType:
			v = x.X
		case *ssa.UnOp:
			if _, ok := x.X.(*ssa.Alloc); x.Op != token.MUL || !ok {
				return x
			}
			v = x.X
		default:
			return x
		}
	}
}

// rootsOf returns the values from which the object v points to is
// reachable: v, the variables holding it, and the objects it is a part of
// or was loaded from.
func rootsOf(v ssa.Value) map[ssa.Value]bool {
	roots := map[ssa.Value]bool{}
	for v != nil {
		v = normalize(v)
		if roots[v] {
			break
		}
		roots[v] = true
		switch x := v.(type) {
		case *ssa.UnOp:
			if x.Op != token.MUL {
				return roots
			}
			v = x.X
		case *ssa.FieldAddr:
			v = x.X
		case *ssa.IndexAddr:
			v = x.X
		case *ssa.Field:
			v = x.X
		default:
			v = nil
		}
	}
	return roots
}

// capturedRoot returns the name of a variable the function value fn
// captures that keeps obj reachable (a method value's receiver included),
// or "".
func capturedRoot(fn, obj ssa.Value) string {
	mc, ok := normalize(fn).(*ssa.MakeClosure)
	if !ok {
		return ""
	}
	roots := rootsOf(obj)
	callee := mc.Fn.(*ssa.Function)
	for i, b := range mc.Bindings {
		if !roots[normalize(b)] {
			continue
		}
		if m, ok := callee.Object().(*types.Func); ok && callee.Synthetic != "" {
			return "the receiver of the method value " + m.Name() // the binding of a bound method
		}
		return callee.FreeVars[i].Name()
	}
	return ""
}

// body returns the function a finalizer or cleanup value calls, or nil.
func body(fn ssa.Value) *ssa.Function {
	switch f := normalize(fn).(type) {
	case *ssa.MakeClosure:
		return f.Fn.(*ssa.Function)
	case *ssa.Function:
		return f
	}
	return nil
}

func hasTypeParam(t types.Type) bool {
	found := false
	var visit func(types.Type)
	seen := map[types.Type]bool{}
	visit = func(t types.Type) {
		if found || seen[t] {
			return
		}
		seen[t] = true
		switch t := t.(type) {
		case *types.TypeParam:
			found = true
		case *types.Pointer:
			visit(t.Elem())
		case *types.Slice:
			visit(t.Elem())
		case *types.Array:
			visit(t.Elem())
		case *types.Map:
			visit(t.Key())
			visit(t.Elem())
		case *types.Chan:
			visit(t.Elem())
		case *types.Named:
			for i := range t.TypeArgs().Len() {
				visit(t.TypeArgs().At(i))
			}
		case *types.Signature:
			for i := range t.Params().Len() {
				visit(t.Params().At(i).Type())
			}
			for i := range t.Results().Len() {
				visit(t.Results().At(i).Type())
			}
		case *types.Struct:
			for i := range t.NumFields() {
				visit(t.Field(i).Type())
			}
		case *types.Alias:
			visit(types.Unalias(t))
		}
	}
	visit(t)
	return found
}

// hasPointers reports whether values of type t hold pointers.
func hasPointers(t types.Type) bool {
	switch u := t.Underlying().(type) {
	case *types.Basic:
		return u.Kind() == types.String || u.Kind() == types.UnsafePointer
	case *types.Array:
		return u.Len() > 0 && hasPointers(u.Elem())
	case *types.Struct:
		for i := range u.NumFields() {
			if hasPointers(u.Field(i).Type()) {
				return true
			}
		}
		return false
	}
	return true
}
