package rawfd

import (
	"go/token"
	"go/types"

	"golang.org/x/tools/go/ssa"

	"github.com/leakhound/leakhound/passes/internal/passutil"
)

// useKind says how a descriptor is used.
type useKind int

const (
	called   useKind = iota // passed to a call
	deferred                // passed to a deferred call: used when the function returns
	started                 // passed to a new goroutine
	escaped                 // returned, stored or sent: used after the function returns
)

func (k useKind) String() string {
	switch k {
	case deferred:
		return "by a deferred call"
	case started:
		return "by a new goroutine"
	case escaped:
		return "after the function returns"
	}
	return "in a call"
}

// A descriptorUse is an instruction that needs the descriptor to be open.
type descriptorUse struct {
	instr ssa.Instruction
	how   useKind
}

// descriptorUses returns the instructions that use the descriptor fd
// returned, following it through conversions, variables, closures and the
// structs and slices it is put in.
func descriptorUses(fd *ssa.Call) []descriptorUse {
	var uses []descriptorUse
	seen := map[ssa.Value]bool{}
	var work []ssa.Value
	carry := func(v ssa.Value) {
		if !seen[v] {
			seen[v] = true
			work = append(work, v)
		}
	}
	carry(fd)
	for len(work) > 0 {
		v := work[len(work)-1]
		work = work[:len(work)-1]
		for _, r := range *v.Referrers() {
			switch r := r.(type) {
			case *ssa.Convert, *ssa.ChangeType, *ssa.MakeInterface, *ssa.Phi, *ssa.MakeClosure,
				*ssa.Slice, *ssa.Field, *ssa.FieldAddr, *ssa.Index, *ssa.IndexAddr:
				carry(r.(ssa.Value))
			case *ssa.UnOp:
				if r.Op == token.MUL {
					carry(r) // a read of a variable holding the descriptor
				}
			case *ssa.Store:
				if r.Val != v {
					continue // a store into a struct holding the descriptor
				}
				if call, _, ok := passutil.VarargsCall(r); ok {
					if callUse(call) {
						uses = append(uses, descriptorUse{call, called})
					}
					continue
				}
				if base := localBase(r.Addr, fd.Parent()); base != nil {
					carry(base)
					continue
				}
				uses = append(uses, descriptorUse{r, escaped})
			case *ssa.Return, *ssa.Send, *ssa.MapUpdate:
				uses = append(uses, descriptorUse{r, escaped})
			case *ssa.Defer:
				uses = append(uses, descriptorUse{r, deferred})
			case *ssa.Go:
				uses = append(uses, descriptorUse{r, started})
			case *ssa.Call:
				if b, ok := r.Call.Value.(*ssa.Builtin); ok {
					if b.Name() == "append" {
						carry(r)
					}
					continue
				}
				if callUse(r) {
					uses = append(uses, descriptorUse{r, called})
				}
			}
		}
	}
	return uses
}

// callUse reports whether call needs the descriptors among its arguments
// to be open: every call except formatting and logging, which only print
// the number.
func callUse(call ssa.CallInstruction) bool {
	_, pkg := passutil.CalleeName(call.Common())
	switch pkg {
	case "fmt", "log", "log/slog", "strconv", "errors":
		return false
	}
	return true
}

// localBase returns the local variable, struct or array of fn that addr
// points into, or nil when addr may point anywhere else.
func localBase(addr ssa.Value, fn *ssa.Function) ssa.Value {
	for {
		switch a := addr.(type) {
		case *ssa.Alloc:
			if a.Parent() == fn {
				return a
			}
			return nil
		case *ssa.FieldAddr:
			addr = a.X
		case *ssa.IndexAddr:
			if _, ok := a.X.Type().Underlying().(*types.Slice); ok {
				return nil // a slice's array may be shared
			}
			addr = a.X
		default:
			return nil
		}
	}
}
