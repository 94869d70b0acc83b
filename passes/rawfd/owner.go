package rawfd

import (
	"go/token"
	"go/types"

	"golang.org/x/tools/go/ssa"

	"github.com/leakhound/leakhound/passes/internal/passutil"
)

// An owner is an *os.File a function opened itself: its lifetime ends in
// that function unless the function hands it over.
type owner struct {
	fn      *ssa.Function
	values  map[ssa.Value]bool // the file, every value that is the same file, and the variable holding it
	origins []string           // the calls that opened it, e.g. "os.Open"
}

// ownerOf returns the file v denotes when every value v can hold is a file
// the function opened (or nil), and nil otherwise.
func ownerOf(v ssa.Value) *owner {
	o := &owner{fn: v.Parent(), values: map[ssa.Value]bool{}}
	if o.fn == nil || !o.fresh(v, map[ssa.Value]bool{}) || len(o.origins) == 0 {
		return nil
	}
	return o
}

// describe names the file for a diagnostic.
func (o *owner) describe() string {
	if len(o.origins) == 1 {
		return "the *os.File from " + o.origins[0]
	}
	return "its *os.File"
}

// fresh reports whether v holds, on every path, a file opened by the
// function or nil, and adds v and what it comes from to o.
func (o *owner) fresh(v ssa.Value, seen map[ssa.Value]bool) bool {
	if seen[v] {
		return true
	}
	seen[v] = true
	switch v := v.(type) {
	case *ssa.Const:
		return v.IsNil()
	case *ssa.Call:
		return o.opened(v, v.Common())
	case *ssa.Extract:
		call, ok := v.Tuple.(*ssa.Call)
		return ok && isFile(v.Type()) && o.opened(v, call.Common())
	case *ssa.ChangeType:
		o.values[v] = true
		return o.fresh(v.X, seen)
	case *ssa.Phi:
		o.values[v] = true
		for _, e := range v.Edges {
			if !o.fresh(e, seen) {
				return false
			}
		}
		return true
	case *ssa.UnOp:
		alloc, ok := v.X.(*ssa.Alloc)
		if v.Op != token.MUL || !ok || !isVariable(alloc) {
			return false
		}
		o.values[alloc] = true
		for _, r := range *alloc.Referrers() {
			if st, ok := r.(*ssa.Store); ok && !o.fresh(st.Val, seen) {
				return false
			}
		}
		return true
	}
	return false
}

// opened reports whether call opens a new file, the value v, and records it.
func (o *owner) opened(v ssa.Value, call *ssa.CallCommon) bool {
	name := openerName(call)
	if name == "" {
		return false
	}
	o.values[v] = true
	o.origins = append(o.origins, name)
	return true
}

// openerName returns how diagnostics name a call that returns a new file:
// a function of package os or a method of package net with an *os.File
// result ("os.Open", "(*net.TCPListener).File"), or "" for other calls.
func openerName(call *ssa.CallCommon) string {
	name, pkg := passutil.CalleeName(call)
	if pkg != "os" && pkg != "net" || call.IsInvoke() {
		return ""
	}
	res := call.Signature().Results()
	opens := false
	for i := range res.Len() {
		opens = opens || isFile(res.At(i).Type())
	}
	if !opens {
		return ""
	}
	fn := call.StaticCallee()
	if fn.Signature.Recv() == nil || pkg != "net" {
		return name
	}
	// A promoted method, (*net.conn).File, is called on the embedded
	// field: name it after the type the program used.
	recv := call.Args[0]
	if fa, ok := recv.(*ssa.FieldAddr); ok {
		recv = fa.X
	}
	return "(" + types.TypeString(recv.Type(), types.RelativeTo(nil)) + ")." + fn.Name()
}

func isFile(t types.Type) bool {
	p, ok := types.Unalias(t).(*types.Pointer)
	if !ok {
		return false
	}
	n, ok := types.Unalias(p.Elem()).(*types.Named)
	return ok && n.Obj().Name() == "File" && n.Obj().Pkg() != nil && n.Obj().Pkg().Path() == "os"
}

// isVariable reports whether alloc is a local variable that is only
// assigned and read in its function, and read by closures.
func isVariable(alloc *ssa.Alloc) bool {
	for _, r := range *alloc.Referrers() {
		switch r := r.(type) {
		case *ssa.Store:
			if r.Addr != alloc {
				return false
			}
		case *ssa.UnOp:
			if r.Op != token.MUL {
				return false
			}
		case *ssa.MakeClosure:
			if !readOnlyCapture(r, alloc) {
				return false
			}
		case *ssa.DebugRef:
		default:
			return false
		}
	}
	return true
}

// readOnlyCapture reports whether the closure made by mc only reads the
// variable v it captures.
func readOnlyCapture(mc *ssa.MakeClosure, v ssa.Value) bool {
	fn := mc.Fn.(*ssa.Function)
	for i, b := range mc.Bindings {
		if b != v {
			continue
		}
		for _, r := range *fn.FreeVars[i].Referrers() {
			if st, ok := r.(*ssa.Store); ok && st.Addr == fn.FreeVars[i] {
				return false
			}
		}
	}
	return true
}

// ownerUses says how a function uses a file it opened.
type ownerUses struct {
	uses    []ssa.Instruction // instructions that mention the file
	defers  []*ssa.Defer      // deferred calls that hold it until the function returns
	closes  []ssa.Instruction // calls of its Close method, deferred or not
	escapes bool              // handed to someone who may keep it
}

// uses collects the uses of the file o.
func (o *owner) uses() *ownerUses {
	u := &ownerUses{}
	seen := map[ssa.Value]bool{}
	var work []ssa.Value
	alias := func(v ssa.Value) {
		if !seen[v] {
			seen[v] = true
			work = append(work, v)
		}
	}
	for v := range o.values {
		alias(v)
	}
	for len(work) > 0 && !u.escapes {
		v := work[len(work)-1]
		work = work[:len(work)-1]
		for _, r := range *v.Referrers() {
			switch r := r.(type) {
			case *ssa.DebugRef:
				continue
			case *ssa.UnOp:
				if r.Op == token.MUL {
					alias(r) // a read of the variable holding the file
				}
			case *ssa.Phi, *ssa.ChangeType, *ssa.MakeInterface, *ssa.ChangeInterface, *ssa.TypeAssert, *ssa.MakeClosure:
				alias(r.(ssa.Value)) // the same file, or a closure that keeps it
			case *ssa.Store:
				if r.Addr != v && !o.values[r.Addr] {
					u.escapes = true
				}
			case *ssa.Defer:
				u.defers = append(u.defers, r)
				if isClose(r.Common(), v) {
					u.closes = append(u.closes, r)
				}
			case *ssa.Call:
				if !borrows(r.Common(), v) {
					u.escapes = true
				}
				if isClose(r.Common(), v) {
					u.closes = append(u.closes, r)
				}
			case *ssa.Return, *ssa.Send, *ssa.MapUpdate, *ssa.Go, *ssa.Slice, *ssa.FieldAddr, *ssa.IndexAddr:
				u.escapes = true
			}
			u.uses = append(u.uses, r)
		}
	}
	return u
}

// borrows reports whether call only uses v, the file or a closure holding
// it, for its duration: a method of the file, a call of the closure,
// runtime.KeepAlive, or a function known not to keep its arguments.
func borrows(call *ssa.CallCommon, v ssa.Value) bool {
	if call.Value == v {
		return true // invoking a method of the file, or calling the closure
	}
	if b, ok := call.Value.(*ssa.Builtin); ok {
		return b.Name() != "append"
	}
	name, pkg := passutil.CalleeName(call)
	if fn := call.StaticCallee(); pkg == "os" && fn != nil && fn.Signature.Recv() != nil && call.Args[0] == v {
		return true
	}
	return borrowers[name]
}

// borrowers are functions that use a file only while they run.
var borrowers = map[string]bool{
	"runtime.KeepAlive": true,
	"fmt.Fprint":        true, "fmt.Fprintf": true, "fmt.Fprintln": true,
	"fmt.Fscan": true, "fmt.Fscanf": true, "fmt.Fscanln": true,
	"io.Copy": true, "io.CopyBuffer": true, "io.CopyN": true,
	"io.ReadAll": true, "io.ReadFull": true, "io.ReadAtLeast": true, "io.WriteString": true,
}

// isClose reports whether call closes the file v.
func isClose(call *ssa.CallCommon, v ssa.Value) bool {
	if call.IsInvoke() {
		return call.Value == v && call.Method.Name() == "Close"
	}
	name, _ := passutil.CalleeName(call)
	return name == "(*os.File).Close" && len(call.Args) > 0 && call.Args[0] == v
}

// keptAt reports whether the file is reachable while the descriptor use u
// runs: it is used again afterwards, or a deferred call holds it.
func (u *ownerUses) keptAt(d descriptorUse) bool {
	if d.how == deferred {
		return len(u.defers) > 0 // both run when the function returns
	}
	for _, df := range u.defers {
		if passutil.InstrReaches(df, d.instr) {
			return true
		}
	}
	for _, use := range u.uses {
		if passutil.InstrReaches(d.instr, use) { // true for d.instr itself
			return true
		}
	}
	return false
}

// deferredClose returns a deferred Close of the file, or nil.
func (u *ownerUses) deferredClose() ssa.Instruction {
	for _, c := range u.closes {
		if _, ok := c.(*ssa.Defer); ok {
			return c
		}
	}
	return nil
}

// closeBefore returns a Close of the file that can run before instr, or nil.
func (u *ownerUses) closeBefore(instr ssa.Instruction) ssa.Instruction {
	for _, c := range u.closes {
		if _, ok := c.(*ssa.Defer); !ok && passutil.InstrReaches(c, instr) {
			return c
		}
	}
	return nil
}
