package unclosed

import (
	"go/ast"
	"go/token"
	"go/types"
	"slices"
	"strings"

	"golang.org/x/tools/go/ssa"

	"github.com/leakhound/leakhound/passes/internal/passutil"
)

// maxRounds bounds the fixpoint iterations of the summaries of one package.
const maxRounds = 8

// summarize computes, for every function of the package, which results are
// resources it opened (opensFact) and which parameters it releases or takes
// over on every path (consumesFact), and exports them as facts.
func (c *checker) summarize(funcs []*ssa.Function) {
	for range maxRounds {
		changed := false
		for _, fn := range funcs {
			idx, pipes, live := c.openedReturns(fn)
			if len(idx) > len(c.opens[fn]) || len(pipes) != len(c.pipes[fn]) || len(live) != len(c.liveErr[fn]) {
				c.opens[fn], c.pipes[fn], c.liveErr[fn] = idx, pipes, live
				changed = true
			}
		}
		if !changed {
			break
		}
	}
	for range maxRounds {
		changed := false
		for _, fn := range funcs {
			sum := c.consumedParams(fn)
			if sum == nil {
				continue
			}
			old, ok := c.consumes[fn]
			if !ok || !slices.Equal(old.Params, sum.Params) || !slices.Equal(old.OnFailure, sum.OnFailure) ||
				!slices.Equal(old.OnSuccess, sum.OnSuccess) || !slices.Equal(old.Guards, sum.Guards) {
				c.consumes[fn] = sum
				changed = true
			}
		}
		if !changed {
			break
		}
	}
	for _, fn := range funcs {
		obj := passutil.FuncObj(fn)
		if obj == nil || fn.Origin() != nil || obj.Pkg() != c.pass.Pkg ||
			!obj.Exported() && obj.Signature().Recv() == nil {
			// Only what importers can call needs a fact.
			continue
		}
		if idx := c.opens[fn]; len(idx) > 0 {
			c.pass.ExportObjectFact(obj, &opensFact{Results: idx, Pipes: c.pipes[fn], LiveOnError: c.liveErr[fn]})
		}
		if sum, ok := c.consumes[fn]; ok {
			c.pass.ExportObjectFact(obj, sum)
		}
	}
}

// openedReturns returns the indices of fn's results that are, on some path,
// a resource fn opened (or a new value of a closable user type it
// allocated), those of them that are ends of an in-memory pipe, and those
// that may be live when fn's error result is not nil (see liveOnError).
func (c *checker) openedReturns(fn *ssa.Function) (idx, pipes, live []int) {
	if handledDirective(fn) {
		return nil, nil, nil
	}
	res := fn.Signature.Results()
	withErr := res.Len() > 1 && isError(res.At(res.Len()-1).Type())
	for i := range res.Len() {
		if c.kindOf(res.At(i).Type()) == nil {
			continue
		}
		opened := false
		for _, b := range fn.Blocks {
			ret, ok := b.Instrs[len(b.Instrs)-1].(*ssa.Return)
			if !ok {
				continue
			}
			if !opened {
				if k := c.openedBy(ret.Results[i], map[ssa.Value]bool{}); k != nil {
					opened = true
					idx = append(idx, i)
					if k == pipeKind {
						pipes = append(pipes, i)
					}
				}
			}
			if withErr && c.returnsLiveOnError(ret.Results[i], ret.Results[res.Len()-1]) {
				live = append(live, i)
				break
			}
		}
	}
	return idx, pipes, live
}

// unconverted returns the value v was made from by interface and type
// changes.
func unconverted(v ssa.Value) ssa.Value {
	for {
		switch x := v.(type) {
		case *ssa.MakeInterface:
			v = x.X
		case *ssa.ChangeType:
			v = x.X
		default:
			return v
		}
	}
}

// storedAway reports whether fn stores v, or v converted (depth levels of
// interface or type changes), in a field of a parameter or in a package
// variable.
func storedAway(fn *ssa.Function, v ssa.Value, depth int) bool {
	refs := v.Referrers()
	if refs == nil {
		return false
	}
	for _, r := range *refs {
		switch r := r.(type) {
		case *ssa.Store:
			if r.Val != v || r.Parent() != fn {
				continue
			}
			switch a := r.Addr.(type) {
			case *ssa.Global:
				return true
			case *ssa.FieldAddr:
				if _, ok := a.X.(*ssa.Parameter); ok {
					return true // the receiver or an argument keeps it
				}
			}
		case *ssa.MakeInterface, *ssa.ChangeType:
			if depth > 0 && storedAway(fn, r.(ssa.Value), depth-1) {
				return true
			}
		}
	}
	return false
}

// openedBy returns the kind of resource v is when it comes from an opening
// call, or is a new value of a user-declared closable type; nil otherwise.
// A value its function also stores in a field of its receiver or of another
// parameter, or in a package variable, is kept there (a getter that dials a
// connection once and caches it): what the function returns of it is
// borrowed, not opened for the caller.
func (c *checker) openedBy(v ssa.Value, seen map[ssa.Value]bool) *kind {
	if seen[v] {
		return nil
	}
	seen[v] = true
	if instr, ok := v.(ssa.Instruction); ok && storedAway(instr.Parent(), unconverted(v), 2) {
		return nil
	}
	switch v := v.(type) {
	case *ssa.Call:
		if arg := wrappedArg(v.Common()); arg != nil {
			return c.openedBy(arg, seen)
		}
		if idx := c.openedResults(v.Common()); len(idx) > 0 {
			return c.openedKind(v.Common(), idx[0])
		}
	case *ssa.Extract:
		if call, ok := v.Tuple.(*ssa.Call); ok && slices.Contains(c.openedResults(call.Common()), v.Index) {
			return c.openedKind(call.Common(), v.Index)
		}
	case *ssa.Alloc:
		if k := c.kindOf(v.Type()); k != nil && !isStdKind(k) {
			return k
		}
	case *ssa.UnOp:
		// A result kept in a variable: the named result a deferred
		// closure reads, or the result of a function with a defer.
		if alloc, ok := v.X.(*ssa.Alloc); ok && v.Op == token.MUL && !capturedAway(alloc) {
			for _, r := range *alloc.Referrers() {
				if st, ok := r.(*ssa.Store); ok && st.Addr == alloc {
					if k := c.openedBy(st.Val, seen); k != nil && !c.deferReleases(alloc.Parent(), st.Val, k) && !(k == responseKind && bodyReplaced(alloc.Parent(), st.Val)) {
						return k
					}
				}
			}
		}
	case *ssa.ChangeType:
		return c.openedBy(v.X, seen)
	case *ssa.MakeInterface:
		return c.openedBy(v.X, seen)
	case *ssa.Phi:
		for _, e := range v.Edges {
			if k := c.openedBy(e, seen); k != nil {
				return k
			}
		}
	}
	return nil
}

// deferReleases reports whether fn defers a call that releases v, a
// resource of kind k: defer resp.Body.Close() before returning resp hands
// the caller a closed response.
func (c *checker) deferReleases(fn *ssa.Function, v ssa.Value, k *kind) bool {
	t := newTracker(c, k, nil, []ssa.Value{v}, nil)
	for _, b := range fn.Blocks {
		for _, instr := range b.Instrs {
			if d, ok := instr.(*ssa.Defer); ok && t.releases(d) {
				return true
			}
		}
	}
	return false
}

// bodyReplaced reports whether fn assigns the Body field of the response
// resp: a function that takes the body out of the response it returns
// (coder/websocket's dial keeps the connection's body and hands back nil or
// a copy read into memory) does not hand its caller an open body.
func bodyReplaced(fn *ssa.Function, resp ssa.Value) bool {
	same := []ssa.Value{resp}
	if load, ok := resp.(*ssa.UnOp); ok && load.Op == token.MUL {
		// A variable a closure captures: every load of it is the response.
		if alloc, ok := load.X.(*ssa.Alloc); ok {
			same = append(same, loads(alloc)...)
		}
	}
	for _, v := range same {
		if bodyStored(fn, v) {
			return true
		}
	}
	return false
}

// bodyStored reports whether fn stores to the Body field of resp.
func bodyStored(fn *ssa.Function, resp ssa.Value) bool {
	for _, r := range *resp.Referrers() {
		fa, ok := r.(*ssa.FieldAddr)
		if !ok || fa.Parent() != fn || fieldName(fa) != "Body" {
			continue
		}
		for _, use := range *fa.Referrers() {
			if st, ok := use.(*ssa.Store); ok && st.Addr == fa {
				return true
			}
		}
	}
	return false
}

// capturedAway reports whether a function literal that outlives its
// creation captures the variable alloc: one that is returned, stored or
// passed on (a cleanup function returned with the resource), not only
// called or deferred. Such a function may release what alloc holds.
func capturedAway(alloc *ssa.Alloc) bool {
	for _, r := range *alloc.Referrers() {
		mc, ok := r.(*ssa.MakeClosure)
		if !ok {
			continue
		}
		for _, use := range *mc.Referrers() {
			call, ok := use.(ssa.CallInstruction)
			if !ok || call.Common().Value != mc {
				return true
			}
		}
	}
	return false
}

func isStdKind(k *kind) bool {
	for _, s := range stdKinds {
		if s == k {
			return true
		}
	}
	return false
}

// consumedParams returns, for each parameter of fn (receiver first), whether
// fn releases or takes it over on every path, on every path that reports
// failure and on every path that reports success; nil when no parameter can
// be released.
func (c *checker) consumedParams(fn *ssa.Function) *consumesFact {
	if len(fn.Blocks) == 0 {
		return nil
	}
	n := len(fn.Params)
	sum := &consumesFact{Params: make([]bool, n), OnFailure: make([]bool, n), OnSuccess: make([]bool, n)}
	res := fn.Signature.Results()
	outcome := res.Len() > 0 && isOutcome(res.At(res.Len()-1).Type())
	tracked := false
	for i, p := range fn.Params {
		if i == 0 && fn.Signature.Recv() != nil {
			continue // calls on the receiver are judged by the method's name
		}
		k, borrowed := c.trackedParamKind(p.Type())
		if k == nil {
			continue
		}
		tracked = true
		released := func(returns returnKind, assume map[ssa.Value]bool) bool {
			t := newTracker(c, k, nil, []ssa.Value{p}, nil)
			t.returns = returns
			t.borrowed = borrowed
			t.assume = assume
			_, leaks := t.leakFrom(fn.Blocks[0], 0)
			return !leaks
		}
		sum.Params[i] = released(allReturns, nil)
		if outcome && !sum.Params[i] {
			sum.OnFailure[i] = released(failingReturns, nil)
			sum.OnSuccess[i] = released(succeedingReturns, nil)
		}
		if !sum.Params[i] {
			sum.Guards = append(sum.Guards, flagGuards(fn, i, func(assume map[ssa.Value]bool) bool {
				return released(allReturns, assume)
			})...)
		}
	}
	if !tracked {
		return nil
	}
	return sum
}

// trackedParamKind returns the kind a parameter of type t is summarized as:
// its resource kind, io.Closer for any type with a Close method, and also
// io.Closer for the empty interface and the interfaces of package io, which a
// helper may assert to io.Closer and close. borrowed says the parameter is
// one of the latter, which the function may merely borrow.
func (c *checker) trackedParamKind(t types.Type) (k *kind, borrowed bool) {
	if k := c.paramKind(t); k != nil {
		return k, false
	}
	if it, ok := t.Underlying().(*types.Interface); ok {
		n, named := types.Unalias(t).(*types.Named)
		if it.Empty() || named && n.Obj().Pkg() != nil && n.Obj().Pkg().Path() == "io" {
			return closerKind, true
		}
	}
	return nil, false
}

// handledDirective reports whether the declaration of fn carries bodyclose's
// "//bodyclose:handled" directive (also written "// bodyclose:handled"): the
// responses it returns are closed elsewhere, and its callers owe nothing.
// Code annotated for bodyclose needs no second annotation.
func handledDirective(fn *ssa.Function) bool {
	fd, ok := fn.Syntax().(*ast.FuncDecl)
	if !ok || fd.Doc == nil {
		return false
	}
	for _, cm := range fd.Doc.List {
		text := strings.TrimSpace(strings.TrimPrefix(cm.Text, "//"))
		if text == "bodyclose:handled" {
			return true
		}
	}
	return false
}
