package goroutineleak

import (
	"fmt"
	"go/token"
	"go/types"
	"slices"
	"strings"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/ssa"

	"github.com/leakhound/leakhound/passes/internal/passutil"
)

// A function that makes a channel, starts goroutines that send on it and is
// the only one to receive from it must receive every value they send, or
// they block forever: when it returns early, when a select takes a timeout
// or ctx.Done case instead, when it receives once from N senders, or when a
// sender sends twice. checkSenders follows the paths of such a function,
// counting the values sent and not yet received.

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

// reportsFailure reports whether call reports a test failure: t.Error,
// t.Errorf, t.Fail, or Fail of Ginkgo (or a fork of it).
func reportsFailure(call *ssa.CallCommon) bool {
	name, pkg := passutil.CalleeName(call)
	switch name {
	case "(*testing.common).Error", "(*testing.common).Errorf", "(*testing.common).Fail",
		"(testing.TB).Error", "(testing.TB).Errorf", "(testing.TB).Fail":
		return true
	}
	return strings.Contains(pkg, "/ginkgo") && strings.HasSuffix(name, ".Fail")
}

// received returns the count of values not received after one more
// receive.
func received(pending int) int {
	if pending == unbounded || pending == 0 {
		return pending
	}
	return pending - 1
}

// A group is a set of channels made by one function that its goroutines
// send on: a goroutine that sends on either of two channels (a result or an
// error) is released by one receive from either.
type group struct {
	chans  map[origin]bool
	cap    int64               // total buffer
	total  int                 // most values all the goroutines send; unbounded when not known
	signal map[origin]bool     // channels whose receive means the goroutine owes nothing
	sends  map[*ssa.Go]int     // most values each go statement's goroutine sends
	first  map[*ssa.Go]*chanOp // a send of each
	ops    map[*chanOp]bool    // the sends the goroutines reach
}

// checkSenders reports the go statements of fn whose goroutines can be left
// blocked sending on a channel fn no longer receives from.
func (c *checker) checkSenders(fn *ssa.Function) {
	chans := c.ownedChans(fn)
	if len(chans) == 0 {
		return
	}
	var gos []*ssa.Go
	for _, b := range fn.Blocks {
		for _, instr := range b.Instrs {
			if g, ok := instr.(*ssa.Go); ok {
				gos = append(gos, g)
			}
		}
	}
	for _, grp := range c.groups(chans, gos) {
		for g := range grp.sends {
			grp.signal = c.signals(g, grp, chans)
		}
		newSenderWalk(c, fn, grp).run()
	}
}

// ownedChans returns the channels fn makes that only fn receives from, that
// fn never sends on, that no unseen code can reach and whose buffer size is
// a constant.
func (c *checker) ownedChans(fn *ssa.Function) []origin {
	var out []origin
	for _, b := range fn.Blocks {
		for _, instr := range b.Instrs {
			mc, ok := instr.(*ssa.MakeChan)
			if !ok {
				continue
			}
			o := c.flow.index[mc]
			if _, ok := c.capacity(o); !ok || c.flow.escapes[o] != 0 || c.inField(o) {
				continue
			}
			owned := true
			for _, op := range c.ops[o] {
				switch op.kind {
				case opRecv:
					owned = owned && op.instr.Parent() == fn && only(c.flow.origins(op.ch), o)
				case opSend:
					owned = owned && op.instr.Parent() != fn
				}
			}
			if owned {
				out = append(out, o)
			}
		}
	}
	return out
}

// only reports whether the channel origins are o, and maybe nil.
func only(origins map[origin]bool, o origin) bool {
	for p := range origins {
		if p != o && p != nilChan {
			return false
		}
	}
	return true
}

// inField reports whether channels made by o are stored in struct fields.
func (c *checker) inField(o origin) bool {
	for key, n := range c.flow.nodes {
		if _, ok := key.(*types.Var); ok && n.origins[o] {
			return true
		}
	}
	return false
}

// groups joins the channels goroutines send on, and keeps the groups whose
// every send is done by a goroutine started by gos.
func (c *checker) groups(chans []origin, gos []*ssa.Go) []*group {
	parent := map[origin]origin{}
	var find func(o origin) origin
	find = func(o origin) origin {
		if p, ok := parent[o]; ok && p != o {
			r := find(p)
			parent[o] = r
			return r
		}
		return o
	}
	single := map[origin]bool{}
	for _, o := range chans {
		parent[o] = o
		single[o] = true
	}
	for _, g := range gos {
		var sent []origin
		for _, o := range chans {
			if n, _ := c.goSends(g, map[origin]bool{o: true}); n != 0 {
				sent = append(sent, o)
			}
		}
		for _, o := range sent[min(1, len(sent)):] {
			parent[find(o)] = find(sent[0])
		}
	}
	byRoot := map[origin]*group{}
	var out []*group
	for _, o := range chans {
		r := find(o)
		grp := byRoot[r]
		if grp == nil {
			grp = &group{chans: map[origin]bool{}, sends: map[*ssa.Go]int{},
				first: map[*ssa.Go]*chanOp{}, ops: map[*chanOp]bool{}}
			byRoot[r] = grp
			out = append(out, grp)
		}
		grp.chans[o] = true
		n, _ := c.capacity(o)
		grp.cap += n
	}
	var kept []*group
	for _, grp := range out {
		for _, g := range gos {
			n, ops := c.goSends(g, grp.chans)
			if n == 0 {
				continue
			}
			grp.sends[g] = n
			for _, op := range ops {
				grp.ops[op] = true
				if f := grp.first[g]; f == nil || op.pos < f.pos {
					grp.first[g] = op
				}
			}
		}
		if len(grp.sends) == 0 || !c.allSendsBy(grp) {
			continue
		}
		for g, n := range grp.sends {
			grp.total = addCount(grp.total, mulCount(n, goCount(g)))
		}
		if grp.total != unbounded && int64(grp.total) <= grp.cap {
			continue // the buffer holds everything sent
		}
		if grp.total == unbounded && grp.cap > 0 {
			continue // an unknown number of senders: the buffer may be sized for them
		}
		kept = append(kept, grp)
	}
	return kept
}

// allSendsBy reports whether every send on the channels of grp is one the
// goroutines of grp reach.
func (c *checker) allSendsBy(grp *group) bool {
	for o := range grp.chans {
		for _, op := range c.ops[o] {
			if op.kind == opSend && !grp.ops[op] {
				return false
			}
		}
	}
	return true
}

// goSends returns the most values the goroutine g starts sends on the
// channels of chans before it ends (unbounded when it sends in a loop), and
// the sends it can reach.
func (c *checker) goSends(g *ssa.Go, chans map[origin]bool) (int, []*chanOp) {
	target := c.flow.local(g.Common())
	if target == nil {
		return 0, nil
	}
	r := c.maxSends(target, chans, c.argsHolding(g.Common(), nil, nil, chans), nilArgs(g.Common()), 0)
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
// chans, nils those that are nil.
func (c *checker) maxSends(fn *ssa.Function, chans map[origin]bool, held, nils map[int]bool, depth int) sendCount {
	if depth > maxDepth || len(fn.Blocks) == 0 {
		return sendCount{}
	}
	key := fmt.Sprint(fn, setKey(chans), held, nils)
	if r, ok := c.sendMemo[key]; ok {
		return r
	}
	c.sendMemo[key] = sendCount{} // recursion sends nothing more
	var ops []*chanOp
	weight := map[*ssa.BasicBlock]int{}
	reach := c.reachable(fn, nils)
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
			case *ssa.Call:
				callee := c.flow.local(i.Common())
				if callee == nil {
					continue
				}
				r := c.maxSends(callee, chans, c.argsHolding(i.Common(), fn, held, chans), nilArgs(i.Common()), depth+1)
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

// signals returns the channels fn owns, besides those of grp, that the
// goroutine g starts closes with no send on grp's channels after it:
// receiving from one means the goroutine owes nothing (a send before the
// close was received, or the goroutine would not have closed), as in
//
//	go func() {
//		if err := run(); err != nil {
//			errc <- err
//			return
//		}
//		close(done)
//	}()
//	select {
//	case <-done:
//	case err := <-errc:
//	}
func (c *checker) signals(g *ssa.Go, grp *group, owned []origin) map[origin]bool {
	target := c.flow.local(g.Common())
	if target == nil || len(grp.sends) != 1 || goCount(g) != 1 {
		return nil
	}
	r := c.maxSends(target, grp.chans, c.argsHolding(g.Common(), nil, nil, grp.chans), nilArgs(g.Common()), 0)
	out := map[origin]bool{}
	for _, o := range owned {
		if grp.chans[o] || c.has(o, opSend) {
			continue
		}
		var closes []*ssa.BasicBlock
		for _, op := range c.ops[o] {
			if op.kind != opClose {
				continue
			}
			if _, call := op.instr.(*ssa.Call); !call || op.instr.Parent() != target {
				closes = nil // deferred, or elsewhere
				break
			}
			closes = append(closes, op.instr.Block())
		}
		if len(closes) > 0 && sendFree(closes, r) {
			out[o] = true
		}
	}
	return out
}

// sendFree reports whether no path from one of the blocks at sends on the
// channels r counts.
func sendFree(at []*ssa.BasicBlock, r sendCount) bool {
	for _, b := range at {
		if r.weight[b] != 0 {
			return false
		}
		for _, x := range r.reach {
			if r.weight[x] != 0 && passutil.Reaches(b.Succs, x) {
				return false
			}
		}
	}
	return true
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

// nilArgs returns the arguments of call that are the constant nil.
func nilArgs(call *ssa.CallCommon) map[int]bool {
	out := map[int]bool{}
	for j, a := range call.Args {
		if k, ok := a.(*ssa.Const); ok && k.IsNil() {
			out[j] = true
		}
	}
	return out
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
// nils are nil, in order.
func (c *checker) reachable(fn *ssa.Function, nils map[int]bool) []*ssa.BasicBlock {
	seen := map[*ssa.BasicBlock]bool{fn.Blocks[0]: true}
	out := []*ssa.BasicBlock{}
	work := []*ssa.BasicBlock{fn.Blocks[0]}
	for len(work) > 0 {
		b := work[len(work)-1]
		work = work[:len(work)-1]
		out = append(out, b)
		for _, s := range nilBranches(fn, b, nils) {
			if !seen[s] {
				seen[s] = true
				work = append(work, s)
			}
		}
	}
	return out
}

// nilBranches returns the successors of b that can run when the parameters
// in nils are nil: a comparison of one of them with nil has one outcome.
func nilBranches(fn *ssa.Function, b *ssa.BasicBlock, nils map[int]bool) []*ssa.BasicBlock {
	iff, ok := b.Instrs[len(b.Instrs)-1].(*ssa.If)
	if !ok || len(nils) == 0 {
		return passutil.Feasible(b)
	}
	cond, neg := unwrapNot(iff.Cond)
	bin, ok := cond.(*ssa.BinOp)
	if !ok || (bin.Op != token.EQL && bin.Op != token.NEQ) {
		return b.Succs
	}
	p, ok := bin.X.(*ssa.Parameter)
	if k, isConst := bin.Y.(*ssa.Const); !ok || !isConst || !k.IsNil() || !nils[paramIndex(p)] || p.Parent() != fn {
		return b.Succs
	}
	holds := (bin.Op == token.EQL) != neg // p is nil, so p == nil holds
	if holds {
		return b.Succs[:1]
	}
	return b.Succs[1:]
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

// A senderWalk follows the paths of the function that owns a group of
// channels, counting the values its goroutines send and it has not
// received.
type senderWalk struct {
	c     *checker
	fn    *ssa.Function
	grp   *group
	loops map[*ssa.BasicBlock]map[*ssa.BasicBlock]bool // loops that receive from the group, by header
	found map[*ssa.Go]bool
}

// pathState is where a path is and what it carries.
type pathState struct {
	b       *ssa.BasicBlock
	i       int // the next instruction
	pending int
	last    *ssa.Go     // the latest go statement that added sends
	sel     *ssa.Select // the select whose case the path took
	k       int         // that case; -1 for default
	recv    *ssa.UnOp   // the comma-ok receive whose outcome the path took
	ok      bool
	other   token.Pos // a select case on another channel the path took
	failed  bool      // the path reports a test failure
}

func newSenderWalk(c *checker, fn *ssa.Function, grp *group) *senderWalk {
	w := &senderWalk{c: c, fn: fn, grp: grp, found: map[*ssa.Go]bool{}}
	w.loops = map[*ssa.BasicBlock]map[*ssa.BasicBlock]bool{}
	for h, body := range passutil.Loops(fn) {
		for b := range body {
			if w.receivesIn(b) {
				w.loops[h] = body
				break
			}
		}
	}
	return w
}

// receivesIn reports whether block b receives from the group.
func (w *senderWalk) receivesIn(b *ssa.BasicBlock) bool {
	for _, instr := range b.Instrs {
		switch i := instr.(type) {
		case *ssa.UnOp:
			if i.Op == token.ARROW && w.ours(i.X) {
				return true
			}
		case *ssa.Select:
			for _, st := range i.States {
				if st.Dir == types.RecvOnly && w.ours(st.Chan) {
					return true
				}
			}
		}
	}
	return false
}

// signals reports whether ch is a signal channel of the group.
func (w *senderWalk) signals(ch ssa.Value) bool {
	for o := range w.c.flow.origins(ch) {
		if w.grp.signal[o] {
			return true
		}
	}
	return false
}

// ours reports whether ch is a channel of the group.
func (w *senderWalk) ours(ch ssa.Value) bool {
	for o := range w.c.flow.origins(ch) {
		if w.grp.chans[o] {
			return true
		}
	}
	return false
}

func (w *senderWalk) run() {
	type key struct {
		b       *ssa.BasicBlock
		i       int
		pending int
		last    *ssa.Go
		sel     *ssa.Select
		k       int
		recv    *ssa.UnOp
		ok      bool
		failed  bool
	}
	seen := map[key]bool{}
	work := []pathState{{b: w.fn.Blocks[0]}}
	for len(work) > 0 && len(seen) < 100000 {
		st := work[len(work)-1]
		work = work[:len(work)-1]
		k := key{st.b, st.i, st.pending, st.last, st.sel, st.k, st.recv, st.ok, st.failed}
		if seen[k] {
			continue
		}
		seen[k] = true
		work = append(work, w.step(st)...)
	}
}

// step runs the path st until it forks or ends, and returns the states it
// continues in.
func (w *senderWalk) step(st pathState) []pathState {
	c := w.c
	for ; st.i < len(st.b.Instrs); st.i++ {
		switch i := st.b.Instrs[st.i].(type) {
		case *ssa.Go:
			if n := w.grp.sends[i]; n != 0 {
				st.pending = addCount(st.pending, n)
				st.last = i
			}
		case *ssa.MakeChan:
			if w.grp.chans[c.flow.index[i]] {
				w.leak(st, i.Pos(), "replaces "+c.name(i.Pos(), "the channel"))
				st.pending = 0
			}
		case *ssa.UnOp:
			if i.Op == token.ARROW && w.signals(i.X) {
				st.pending = 0
				break
			}
			if i.Op != token.ARROW || !w.ours(i.X) {
				break
			}
			if !i.CommaOk {
				if st.pending == 0 {
					return nil // blocks: no sender is left
				}
				st.pending = received(st.pending)
				break
			}
			var next []pathState
			if st.pending != 0 {
				s := st
				s.pending, s.recv, s.ok, s.i = received(st.pending), i, true, st.i+1
				next = append(next, s)
			}
			if !c.neverClosed(i.X) {
				s := st
				s.pending, s.recv, s.ok, s.i = 0, i, false, st.i+1
				next = append(next, s)
			}
			return next
		case *ssa.Select:
			return w.selectCases(st, i)
		case *ssa.Return:
			pos := i.Pos()
			if !pos.IsValid() && w.fn.Syntax() != nil {
				pos = w.fn.Syntax().End() - 1 // the closing brace
			}
			w.leak(st, pos, "")
			return nil
		case *ssa.Call:
			if passutil.EndsGoroutine(i) || c.blocking(i) != nil {
				return nil
			}
			if reportsFailure(i.Common()) {
				st.failed = true
			}
			if callee := c.flow.local(i.Common()); callee != nil && !c.summarize(callee).returns {
				return nil
			}
		case *ssa.Panic:
			return nil
		default:
			if c.blocking(i) != nil {
				return nil
			}
		}
	}
	return w.branches(st)
}

// selectCases returns the states of the cases of sel that can be taken.
func (w *senderWalk) selectCases(st pathState, sel *ssa.Select) []pathState {
	var next []pathState
	for k, s := range sel.States {
		n := st
		n.sel, n.k, n.i = sel, k, st.i+1
		switch {
		case s.Dir == types.RecvOnly && w.signals(s.Chan):
			n.pending = 0
		case s.Dir == types.RecvOnly && w.ours(s.Chan):
			if st.pending == 0 {
				continue
			}
			n.pending = received(st.pending)
		case !w.c.caseReady(sel, k):
			continue
		default:
			if n.other == token.NoPos {
				n.other = s.Pos
			}
		}
		next = append(next, n)
	}
	if !sel.Blocking {
		n := st
		n.sel, n.k, n.i = sel, -1, st.i+1
		next = append(next, n)
	}
	return next
}

// branches returns the states after the last instruction of st.b.
func (w *senderWalk) branches(st pathState) []pathState {
	b := st.b
	succs := passutil.Feasible(b)
	var cond ssa.Value
	if iff, ok := b.Instrs[len(b.Instrs)-1].(*ssa.If); ok {
		var neg bool
		cond, neg = unwrapNot(iff.Cond)
		yes, no := b.Succs[0], b.Succs[1]
		if neg {
			yes, no = no, yes
		}
		if sel, k, ok := selectCase(cond); ok && sel == st.sel {
			succs = []*ssa.BasicBlock{no}
			if k == st.k {
				succs = []*ssa.BasicBlock{yes}
			}
		} else if recv := commaOk(cond); recv != nil && recv == st.recv {
			succs = []*ssa.BasicBlock{no}
			if st.ok {
				succs = []*ssa.BasicBlock{yes}
			}
		}
	}
	var next []pathState
	for _, s := range succs {
		n := st
		n.b, n.i = s, 0
		if w.countedExit(b, s, cond) {
			n.pending = 0
		}
		next = append(next, n)
	}
	return next
}

// countedExit reports whether the edge from b to s leaves a loop that
// receives from the group because a count kept by the loop (its counter, or
// one its body increments) reached its bound: the count is taken to match
// what was sent, which the analysis cannot see.
func (w *senderWalk) countedExit(b, s *ssa.BasicBlock, cond ssa.Value) bool {
	bin, ok := cond.(*ssa.BinOp)
	if !ok {
		return false
	}
	for _, body := range w.loops {
		if !body[b] || body[s] {
			continue
		}
		for _, x := range []ssa.Value{bin.X, bin.Y} {
			if step, ok := x.(*ssa.BinOp); ok && (step.Op == token.ADD || step.Op == token.SUB) {
				if _, isConst := step.Y.(*ssa.Const); isConst {
					x = step.X
				}
			}
			if phi, ok := x.(*ssa.Phi); ok && body[phi.Block()] && isInteger(phi.Type()) {
				return true
			}
		}
	}
	return false
}

func isInteger(t types.Type) bool {
	b, ok := t.Underlying().(*types.Basic)
	return ok && b.Info()&types.IsInteger != 0
}

// leak records a leak of the path st leaving through pos with values not
// received.
func (w *senderWalk) leak(st pathState, pos token.Pos, replaced string) {
	if st.last == nil || st.pending == 0 || st.pending != unbounded && int64(st.pending) <= w.grp.cap {
		return
	}
	if st.failed {
		return // a test that failed already: the leak is the least of it
	}
	g := st.last
	if w.found[g] {
		return
	}
	w.found[g] = true
	c := w.c
	send := w.grp.first[g]
	fnName := w.fn.Name()
	if w.fn.Parent() != nil {
		fnName = "the function"
	}
	var msg string
	switch {
	case replaced != "":
		msg = fmt.Sprintf("goroutine started here can block forever: its send on %s at %s is never received when %s %s at %s",
			c.name(send.pos, "the channel"), c.where(send.pos, g.Pos()), fnName, replaced, c.where(pos, g.Pos()))
	case st.other != token.NoPos:
		msg = fmt.Sprintf("goroutine started here can block forever: its send on %s at %s is never received when the select takes the case at %s and %s returns at %s",
			c.name(send.pos, "the channel"), c.where(send.pos, g.Pos()), c.where(st.other, g.Pos()), fnName, c.where(pos, g.Pos()))
	default:
		msg = fmt.Sprintf("goroutine started here can block forever: its send on %s at %s is never received when %s returns at %s",
			c.name(send.pos, "the channel"), c.where(send.pos, g.Pos()), fnName, c.where(pos, g.Pos()))
	}
	related := []analysis.RelatedInformation{{Pos: pos, Message: "leaves without receiving"}}
	if st.other != token.NoPos {
		related = append([]analysis.RelatedInformation{{Pos: st.other, Message: "the select takes this case"}}, related...)
	}
	c.add(g, msg, &site{pos: send.pos, what: "the send"}, related...)
}
