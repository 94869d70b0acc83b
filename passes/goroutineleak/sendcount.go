package goroutineleak

import (
	"fmt"
	"go/constant"
	"go/token"
	"go/types"
	"slices"
	"strings"

	"golang.org/x/tools/go/ssa"

	"github.com/leakhound/leakhound/passes/internal/passutil"
)

// The counts of checkSenders: how many values the goroutines of a group send
// on its channels, found by following the functions they run along every
// path.

// unbounded stands for a count with no bound (sends in a loop).
const unbounded = -1

// maxPending bounds the counts a path tracks; more is unbounded.
const maxPending = 16

func addCount(a, b int) int {
	if a == unbounded || b == unbounded || a+b > maxPending {
		return unbounded
	}
	return a + b
}

func mulCount(a, b int) int {
	if a == unbounded || b == unbounded || a*b > maxPending {
		return unbounded
	}
	return a * b
}

// goCount returns how many goroutines the go statement g starts in a call of
// its function: the product of the trip counts of the loops around it.
func goCount(g *ssa.Go) int {
	n := 1
	for h, body := range passutil.Loops(g.Parent()) {
		if !body[g.Block()] {
			continue
		}
		k, ok := passutil.TripCount(h)
		if !ok || k > maxPending {
			return unbounded
		}
		n = mulCount(n, int(k))
	}
	return n
}

// received returns the count of values not received after one more
// receive.
func received(pending int) int {
	if pending == unbounded || pending == 0 {
		return pending
	}
	return pending - 1
}

// goSends returns the most values the goroutine g starts sends on the
// channels of chans before it ends (unbounded when it sends in a loop), and
// the sends it can reach.
func (c *checker) goSends(g *ssa.Go, chans map[origin]bool) (int, []*chanOp) {
	target := c.flow.local(g.Common())
	if target == nil {
		return 0, nil
	}
	r := c.maxSends(target, chans, c.argsHolding(g.Common(), nil, nil, chans), constArgs(g.Common()), 0)
	return r.n, r.ops
}

// sendCount is the result of maxSends.
type sendCount struct {
	n      int
	ops    []*chanOp
	weight map[*ssa.BasicBlock]int // sends per block
	reach  []*ssa.BasicBlock       // the blocks that can run
}

// maxDepth bounds how deep maxSends follows calls.
const maxDepth = 8

// maxSends returns the most blocking sends on chans a call of fn does on one
// path, and the sends it counts. held are the parameters that hold one of
// chans, consts those that are constants (nil, "stdout").
func (c *checker) maxSends(fn *ssa.Function, chans map[origin]bool, held map[int]bool, consts map[int]*ssa.Const, depth int) sendCount {
	if depth > maxDepth || len(fn.Blocks) == 0 {
		return sendCount{}
	}
	key := fmt.Sprint(fn, setKey(chans), held, constsKey(consts))
	if r, ok := c.sendMemo[key]; ok {
		return r
	}
	c.sendMemo[key] = sendCount{} // recursion sends nothing more
	var ops []*chanOp
	weight := map[*ssa.BasicBlock]int{}
	reach := c.reachable(fn, consts)
	for _, b := range reach {
		w := 0
		for _, instr := range b.Instrs {
			switch i := instr.(type) {
			case *ssa.Send:
				if c.holds(fn, i.Chan, held, chans) {
					w = addCount(w, 1)
					ops = append(ops, c.opAt(i, -1))
				}
			case *ssa.Select:
				for k, st := range i.States {
					if st.Dir == types.SendOnly && c.holds(fn, st.Chan, held, chans) {
						ops = append(ops, c.opAt(i, k))
						if i.Blocking && len(i.States) == 1 {
							w = addCount(w, 1)
						}
					}
				}
			case *ssa.Call, *ssa.Defer:
				// A deferred call sends when fn returns: counted where it
				// is deferred, unless fn never returns.
				if _, deferred := i.(*ssa.Defer); deferred && !c.summarize(fn).returns {
					continue
				}
				call := i.(ssa.CallInstruction).Common()
				callee := c.flow.local(call)
				if callee == nil {
					continue
				}
				r := c.maxSends(callee, chans, c.argsHolding(call, fn, held, chans), constArgs(call), depth+1)
				w = addCount(w, r.n)
				ops = append(ops, r.ops...)
			}
		}
		weight[b] = w
	}
	r := sendCount{longestPath(reach, weight), ops, weight, reach}
	c.sendMemo[key] = r
	return r
}

// argsHolding returns the arguments of call, made in fn whose parameters
// held hold one of chans, that hold one of chans.
func (c *checker) argsHolding(call *ssa.CallCommon, fn *ssa.Function, held map[int]bool, chans map[origin]bool) map[int]bool {
	out := map[int]bool{}
	for j, a := range call.Args {
		if chanOf(a.Type()) != nil && c.holds(fn, a, held, chans) {
			out[j] = true
		}
	}
	return out
}

// holds reports whether the channel v of fn is one of chans: it is a
// parameter of held, or comes, other than through a parameter, from one of
// chans. Parameters are followed in the context of the call, not through
// every call of fn.
func (c *checker) holds(fn *ssa.Function, v ssa.Value, held map[int]bool, chans map[origin]bool) bool {
	for _, r := range localRoots(v, map[ssa.Value]bool{}) {
		if p, ok := r.(*ssa.Parameter); ok && p.Parent() == fn {
			if held[paramIndex(p)] {
				return true
			}
			continue
		}
		if c.sendsOn(r, chans) {
			return true
		}
	}
	return false
}

// localRoots returns the values v comes from inside its function, through
// phis and conversions.
func localRoots(v ssa.Value, seen map[ssa.Value]bool) []ssa.Value {
	if seen[v] {
		return nil
	}
	seen[v] = true
	switch x := v.(type) {
	case *ssa.Phi:
		var out []ssa.Value
		for _, e := range x.Edges {
			out = append(out, localRoots(e, seen)...)
		}
		return out
	case *ssa.ChangeType:
		return localRoots(x.X, seen)
	case *ssa.Convert:
		return localRoots(x.X, seen)
	}
	return []ssa.Value{v}
}

// constArgs returns the arguments of call that are constants, by index.
func constArgs(call *ssa.CallCommon) map[int]*ssa.Const {
	out := map[int]*ssa.Const{}
	for j, a := range call.Args {
		if k, ok := a.(*ssa.Const); ok {
			out[j] = k
		}
	}
	return out
}

// constsKey returns a deterministic key of constant arguments.
func constsKey(consts map[int]*ssa.Const) string {
	keys := make([]int, 0, len(consts))
	for j := range consts {
		keys = append(keys, j)
	}
	slices.Sort(keys)
	var b strings.Builder
	for _, j := range keys {
		fmt.Fprintf(&b, "%d=%s;", j, consts[j].String())
	}
	return b.String()
}

// setKey returns a deterministic key of a set of origins.
func setKey(set map[origin]bool) string {
	keys := make([]int, 0, len(set))
	for o := range set {
		keys = append(keys, int(o))
	}
	slices.Sort(keys)
	return fmt.Sprint(keys)
}

// sendsOn reports whether a send on ch may send on one of chans.
func (c *checker) sendsOn(ch ssa.Value, chans map[origin]bool) bool {
	for o := range c.flow.origins(ch) {
		if chans[o] {
			return true
		}
	}
	return false
}

// opAt returns the collected operation of instr (and select case k).
func (c *checker) opAt(instr ssa.Instruction, k int) *chanOp {
	return c.opIndex[opKey{instr, k}]
}

// reachable returns the blocks of fn that can run when the parameters in
// consts have those constant values, in order.
func (c *checker) reachable(fn *ssa.Function, consts map[int]*ssa.Const) []*ssa.BasicBlock {
	seen := map[*ssa.BasicBlock]bool{fn.Blocks[0]: true}
	out := []*ssa.BasicBlock{}
	work := []*ssa.BasicBlock{fn.Blocks[0]}
	for len(work) > 0 {
		b := work[len(work)-1]
		work = work[:len(work)-1]
		out = append(out, b)
		for _, s := range constBranches(fn, b, consts) {
			if !seen[s] {
				seen[s] = true
				work = append(work, s)
			}
		}
	}
	return out
}

// constBranches returns the successors of b that can run when the
// parameters in consts have those constant values: a comparison of one of
// them with a constant (p == nil, kind == "stdout") has one outcome.
func constBranches(fn *ssa.Function, b *ssa.BasicBlock, consts map[int]*ssa.Const) []*ssa.BasicBlock {
	iff, ok := b.Instrs[len(b.Instrs)-1].(*ssa.If)
	if !ok || len(consts) == 0 {
		return passutil.Feasible(b)
	}
	cond, neg := unwrapNot(iff.Cond)
	bin, ok := cond.(*ssa.BinOp)
	if !ok || (bin.Op != token.EQL && bin.Op != token.NEQ) {
		return b.Succs
	}
	p, ok := bin.X.(*ssa.Parameter)
	k, isConst := bin.Y.(*ssa.Const)
	if !ok || !isConst || p.Parent() != fn {
		return b.Succs
	}
	arg := consts[paramIndex(p)]
	if arg == nil {
		return b.Succs
	}
	equal, known := constEqual(arg, k)
	if !known {
		return b.Succs
	}
	if holds := equal == (bin.Op == token.EQL); holds != neg {
		return b.Succs[:1]
	}
	return b.Succs[1:]
}

// constEqual reports whether the constants a and b are equal, and whether
// that is known: both nil, or both values of a basic type.
func constEqual(a, b *ssa.Const) (equal, known bool) {
	switch {
	case a.IsNil() && b.IsNil():
		return true, true
	case a.Value == nil || b.Value == nil:
		return false, false
	case a.Value.Kind() != b.Value.Kind():
		return false, false
	}
	return constant.Compare(a.Value, token.EQL, b.Value), true
}

// longestPath returns the most weight on a path from the first block of
// blocks through the graph they form; unbounded when a cycle has weight.
func longestPath(blocks []*ssa.BasicBlock, weight map[*ssa.BasicBlock]int) int {
	in := map[*ssa.BasicBlock]bool{}
	for _, b := range blocks {
		in[b] = true
	}
	comps := passutil.SCCs(blocks, func(b *ssa.BasicBlock) []*ssa.BasicBlock { return b.Succs })
	comp := map[*ssa.BasicBlock]int{}
	for i, cs := range comps {
		for _, b := range cs {
			comp[b] = i
		}
	}
	// SCCs come in reverse topological order: successors first.
	best := make([]int, len(comps))
	for i, cs := range comps {
		w := 0
		cyclic := len(cs) > 1
		for _, b := range cs {
			w = addCount(w, weight[b])
			cyclic = cyclic || slices.Contains(b.Succs, b)
		}
		if cyclic && w != 0 {
			w = mulCount(w, tripsOf(cs))
		}
		next := 0
		for _, b := range cs {
			for _, s := range b.Succs {
				if j := comp[s]; in[s] && j != i && (best[j] == unbounded || next != unbounded && best[j] > next) {
					next = best[j]
				}
			}
		}
		best[i] = addCount(w, next)
	}
	return best[comp[blocks[0]]]
}

// tripsOf returns how many times the cycle of the blocks cs runs: the trip
// count of a counted loop with one entry and one back edge; unbounded
// otherwise.
func tripsOf(cs []*ssa.BasicBlock) int {
	in := map[*ssa.BasicBlock]bool{}
	for _, b := range cs {
		in[b] = true
	}
	var header *ssa.BasicBlock
	for _, b := range cs {
		outside, inside := 0, 0
		for _, p := range b.Preds {
			if in[p] {
				inside++
			} else {
				outside++
			}
		}
		if outside > 0 {
			if header != nil || inside != 1 {
				return unbounded
			}
			header = b
		}
	}
	if header == nil {
		return unbounded
	}
	k, ok := passutil.TripCount(header)
	if !ok || k > maxPending {
		return unbounded
	}
	return int(k)
}
