package goroutineleak

import (
	"fmt"
	"go/token"
	"go/types"

	"golang.org/x/tools/go/ssa"

	"github.com/leakhound/leakhound/passes/internal/passutil"
)

// A summary says how a function can end: whether some path returns, the
// first operation it can reach that never proceeds, and, when no path
// returns, the loop it is trapped in.
type summary struct {
	busy    bool // being computed: a recursive call assumes it returns
	returns bool
	block   *site
	trap    *site
	fill    *site // a send on a buffer nothing empties: it blocks when done over and over
}

// A site is where a goroutine gets stuck, reached through calls.
type site struct {
	pos   token.Pos   // the operation, or the loop
	what  string      // "receive from ch", "the loop"
	why   string      // "nothing sends on it or closes it"
	fills bool        // a buffered send: it blocks when run over and over
	chain []token.Pos // the calls leading to it, outermost first
}

// via returns s reached through a call at pos.
func (s *site) via(pos token.Pos) *site {
	t := *s
	t.chain = append([]token.Pos{pos}, s.chain...)
	return &t
}

// summarize returns the summary of a function of the package.
func (c *checker) summarize(fn *ssa.Function) *summary {
	if s := c.sums[fn]; s != nil {
		if s.busy {
			return &summary{returns: true}
		}
		return s
	}
	s := &summary{busy: true}
	c.sums[fn] = s
	c.walk(fn, s)
	if s.block == nil {
		s.block = c.locks(fn).dead
	}
	s.busy = false
	return s
}

// walk explores the blocks of fn that can run, skipping what comes after an
// operation that never proceeds, a call that never returns, select cases
// that are never ready and loop exits that wait for a close that never
// comes.
func (c *checker) walk(fn *ssa.Function, s *summary) {
	if len(fn.Blocks) == 0 {
		s.returns = true
		return
	}
	var pruned []*site
	var calleeTrap *site
	seen := map[*ssa.BasicBlock]bool{fn.Blocks[0]: true}
	work := []*ssa.BasicBlock{fn.Blocks[0]}
	for len(work) > 0 {
		b := work[len(work)-1]
		work = work[:len(work)-1]
		if !c.walkBlock(b, s, &calleeTrap) {
			continue
		}
		for _, succ := range c.successors(b, &pruned) {
			if !seen[succ] {
				seen[succ] = true
				work = append(work, succ)
			}
		}
	}
	if s.returns {
		return
	}
	switch {
	case len(pruned) > 0:
		s.trap = pruned[0]
	case calleeTrap != nil:
		s.trap = calleeTrap
	default:
		s.trap = &site{pos: c.loopOf(fn, seen), what: "the loop", why: "has no exit"}
	}
}

// walkBlock runs the instructions of b and reports whether control can
// leave b through its successors.
func (c *checker) walkBlock(b *ssa.BasicBlock, s *summary, calleeTrap **site) bool {
	for _, instr := range b.Instrs {
		c.reached[instr] = true
		if st := c.blocking(instr); st != nil {
			if st.fills && !passutil.InLoop(b) {
				if s.fill == nil {
					s.fill = st
				}
				continue
			}
			if s.block == nil {
				s.block = st
			}
			return false
		}
		if _, ok := instr.(*ssa.Return); ok || c.ends.Ends(instr) {
			s.returns = true
			return false
		}
		call, ok := instr.(*ssa.Call)
		if !ok {
			continue
		}
		callee := c.flow.local(call.Common())
		if callee == nil {
			continue
		}
		cs := c.summarize(callee)
		if cs.block != nil && s.block == nil {
			s.block = cs.block.via(call.Pos())
		}
		if cs.fill != nil {
			switch {
			case passutil.InLoop(b) && s.block == nil:
				s.block = cs.fill.via(call.Pos())
			case s.fill == nil:
				s.fill = cs.fill.via(call.Pos())
			}
		}
		if !cs.returns {
			if *calleeTrap == nil && cs.trap != nil {
				*calleeTrap = cs.trap.via(call.Pos())
			}
			return false
		}
	}
	return true
}

// blocking returns where instr blocks forever, or nil.
func (c *checker) blocking(instr ssa.Instruction) *site {
	switch i := instr.(type) {
	case *ssa.UnOp:
		if i.Op != token.ARROW {
			return nil
		}
		if st := c.neverRecv(i.X); st != nil {
			return &site{pos: i.Pos(), what: "receive from " + c.name(i.Pos(), "the channel"), why: st.why}
		}
	case *ssa.Send:
		if st := c.neverSend(i.Chan); st != nil {
			return &site{pos: i.Pos(), what: "send on " + c.name(i.Pos(), "the channel"), why: st.why, fills: st.fills}
		}
	case *ssa.Select:
		if !i.Blocking {
			return nil
		}
		if len(i.States) == 0 {
			return &site{pos: i.Pos(), what: "empty select", why: "it has no cases"}
		}
		for k := range i.States {
			if c.caseReady(i, k) {
				return nil
			}
		}
		return &site{pos: i.Pos(), what: "select", why: "none of its cases can proceed"}
	case *ssa.Call:
		return c.syncBlocking(i)
	}
	return nil
}

// caseReady reports whether case k of sel may proceed some day.
func (c *checker) caseReady(sel *ssa.Select, k int) bool {
	st := sel.States[k]
	if st.Dir == types.SendOnly {
		ns := c.neverSend(st.Chan)
		return ns == nil || ns.fills
	}
	return c.neverRecv(st.Chan) == nil
}

// successors returns the successors of b that can run, and adds to pruned
// the exits it skips because they wait for something that never happens.
func (c *checker) successors(b *ssa.BasicBlock, pruned *[]*site) []*ssa.BasicBlock {
	iff, ok := b.Instrs[len(b.Instrs)-1].(*ssa.If)
	if !ok {
		return b.Succs
	}
	if _, known := passutil.ConstCond(iff.Cond); known {
		return passutil.Feasible(b)
	}
	cond, neg := unwrapNot(iff.Cond)
	yes, no := b.Succs[0], b.Succs[1]
	if neg {
		yes, no = no, yes
	}
	if sel, k, ok := selectCase(cond); ok {
		var out []*ssa.BasicBlock
		if k < len(sel.States) && c.caseReady(sel, k) {
			out = append(out, yes)
		} else if k < len(sel.States) {
			*pruned = append(*pruned, &site{pos: c.loopAt(sel.Pos()), what: "the loop",
				why: "exits only through a select case that never proceeds (" + c.caseName(sel, k) + ")"})
		}
		if !sel.Blocking || k != len(sel.States)-1 {
			out = append(out, no) // the last comparison of a blocking select always holds
		}
		return out
	}
	if recv := commaOk(cond); recv != nil && c.neverClosed(recv.X) {
		*pruned = append(*pruned, &site{pos: c.loopAt(recv.Pos()), what: "the loop",
			why: fmt.Sprintf("exits only when %s is closed, and nothing closes it", c.name(recv.Pos(), "the channel"))})
		return []*ssa.BasicBlock{yes}
	}
	return b.Succs
}

// caseName describes case k of sel for a message.
func (c *checker) caseName(sel *ssa.Select, k int) string {
	st := sel.States[k]
	if st.Dir == types.SendOnly {
		return "send on " + c.name(st.Pos, "a channel")
	}
	return "receive from " + c.name(st.Pos, "a channel")
}

// unwrapNot strips logical negations from a condition.
func unwrapNot(v ssa.Value) (ssa.Value, bool) {
	neg := false
	for {
		u, ok := v.(*ssa.UnOp)
		if !ok || u.Op != token.NOT {
			return v, neg
		}
		v, neg = u.X, !neg
	}
}

// selectCase recognizes "index == k" on the result of a select, the
// comparison the SSA builder emits before the body of case k.
func selectCase(cond ssa.Value) (*ssa.Select, int, bool) {
	bin, ok := cond.(*ssa.BinOp)
	if !ok || bin.Op != token.EQL {
		return nil, 0, false
	}
	ex, ok := bin.X.(*ssa.Extract)
	k, kok := bin.Y.(*ssa.Const)
	if !ok || !kok || ex.Index != 0 {
		return nil, 0, false
	}
	sel, ok := ex.Tuple.(*ssa.Select)
	if !ok {
		return nil, 0, false
	}
	n, ok := constInt(k)
	if !ok || n < 0 {
		return nil, 0, false
	}
	return sel, int(n), true
}

// commaOk returns the receive whose ok result cond is, or nil.
func commaOk(cond ssa.Value) *ssa.UnOp {
	ex, ok := cond.(*ssa.Extract)
	if !ok || ex.Index != 1 {
		return nil
	}
	recv, ok := ex.Tuple.(*ssa.UnOp)
	if !ok || recv.Op != token.ARROW || !recv.CommaOk {
		return nil
	}
	return recv
}

// loopOf returns the position of a loop of fn among the blocks seen, for a
// function that never returns.
func (c *checker) loopOf(fn *ssa.Function, seen map[*ssa.BasicBlock]bool) token.Pos {
	for _, b := range fn.Blocks {
		if !seen[b] || !passutil.InLoop(b) {
			continue
		}
		for _, instr := range b.Instrs {
			if p := instr.Pos(); p.IsValid() {
				return c.loopAt(p)
			}
		}
	}
	return fn.Pos()
}
