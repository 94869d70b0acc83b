package goroutineleak

import (
	"fmt"
	"go/token"
	"go/types"
	"strings"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/ssa"

	"github.com/leakhound/leakhound/passes/internal/passutil"
)

// The walk of checkSenders: the paths of the function that owns a group,
// with the values sent and not yet received on each.

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
			if c.ends.Ends(i) || c.blocking(i) != nil {
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
