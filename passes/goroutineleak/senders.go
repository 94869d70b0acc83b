package goroutineleak

import (
	"go/types"

	"golang.org/x/tools/go/ssa"

	"github.com/leakhound/leakhound/passes/internal/passutil"
)

// A function that makes a channel, starts goroutines that send on it and is
// the only one to receive from it must receive every value they send, or
// they block forever: when it returns early, when a select takes a timeout
// or ctx.Done case instead, when it receives once from N senders, or when a
// sender sends twice. checkSenders follows the paths of such a function,
// counting the values sent and not yet received.

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
	r := c.maxSends(target, grp.chans, c.argsHolding(g.Common(), nil, nil, grp.chans), constArgs(g.Common()), 0)
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
