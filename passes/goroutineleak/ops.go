package goroutineleak

import (
	"go/token"
	"go/types"
	"slices"

	"golang.org/x/tools/go/ssa"

	"github.com/leakhound/leakhound/passes/internal/passutil"
)

// opKind is what an operation does with a channel.
type opKind uint8

const (
	opSend opKind = iota
	opRecv
	opClose
)

// A chanOp is one operation on a channel: a send, a receive (alone, as a
// select case or as a range loop), or a close.
type chanOp struct {
	kind  opKind
	instr ssa.Instruction // *ssa.Send, *ssa.UnOp, *ssa.Select, or the close call
	state int             // the select case, or -1
	ch    ssa.Value
	pos   token.Pos
}

// opKey identifies an operation: its instruction and select case.
type opKey struct {
	instr ssa.Instruction
	state int
}

// collectOps indexes every channel operation of the package by the
// make(chan) calls its channel can come from.
func (c *checker) collectOps() {
	c.ops = map[origin][]*chanOp{}
	c.opIndex = map[opKey]*chanOp{}
	add := func(op *chanOp) {
		c.opIndex[opKey{op.instr, op.state}] = op
		for o := range c.flow.origins(op.ch) {
			if o >= 0 {
				c.ops[o] = append(c.ops[o], op)
			}
		}
	}
	for _, fn := range c.funcs {
		for _, b := range fn.Blocks {
			for _, instr := range b.Instrs {
				switch i := instr.(type) {
				case *ssa.Send:
					add(&chanOp{kind: opSend, instr: i, state: -1, ch: i.Chan, pos: i.Pos()})
				case *ssa.UnOp:
					if i.Op == token.ARROW {
						add(&chanOp{kind: opRecv, instr: i, state: -1, ch: i.X, pos: i.Pos()})
					}
				case *ssa.Select:
					for k, st := range i.States {
						kind := opRecv
						if st.Dir == types.SendOnly {
							kind = opSend
						}
						add(&chanOp{kind: kind, instr: i, state: k, ch: st.Chan, pos: st.Pos})
					}
				case ssa.CallInstruction:
					if isBuiltin(i.Common(), "close") && len(i.Common().Args) == 1 {
						add(&chanOp{kind: opClose, instr: i, state: -1, ch: i.Common().Args[0], pos: i.Pos()})
					}
				}
			}
		}
	}
}

func isBuiltin(c *ssa.CallCommon, name string) bool {
	b, ok := c.Value.(*ssa.Builtin)
	return ok && b.Name() == name
}

// has reports whether some operation of one of kinds is done on channels
// made by o.
func (c *checker) has(o origin, kinds ...opKind) bool {
	for _, op := range c.ops[o] {
		if c.dead[op] {
			continue
		}
		for _, k := range kinds {
			if op.kind == k {
				return true
			}
		}
	}
	return false
}

// hasDead reports whether an operation of one of kinds on channels of
// origins exists but never runs.
func (c *checker) hasDead(origins map[origin]bool, kinds ...opKind) bool {
	for o := range origins {
		for _, op := range c.ops[o] {
			if c.dead[op] && slices.Contains(kinds, op.kind) {
				return true
			}
		}
	}
	return false
}

// maxRounds bounds how often findUnreached recomputes the summaries.
const maxRounds = 4

// findUnreached finds the channel operations no path can run: after an
// operation that never proceeds or a call that never returns, or deferred
// in a function that never returns. Such a send or close does not let a
// receive proceed, which can make more operations unreachable: the
// summaries are recomputed until nothing changes.
func (c *checker) findUnreached() {
	c.dead = map[*chanOp]bool{}
	for range maxRounds {
		c.sums = map[*ssa.Function]*summary{}
		c.reached = map[ssa.Instruction]bool{}
		for _, fn := range c.funcs {
			c.summarize(fn)
		}
		changed := false
		for _, op := range c.opIndex {
			if c.dead[op] || c.runs(op) {
				continue
			}
			c.dead[op] = true
			changed = true
		}
		if !changed {
			return
		}
	}
	c.sums = map[*ssa.Function]*summary{}
}

// runs reports whether some path runs the operation op.
func (c *checker) runs(op *chanOp) bool {
	if !c.reached[op.instr] {
		return false
	}
	if _, deferred := op.instr.(*ssa.Defer); deferred {
		return c.summarize(op.instr.Parent()).returns
	}
	return true
}

// capacity returns the buffer size of the channels made by o, and whether it
// is a constant.
func (c *checker) capacity(o origin) (int64, bool) {
	k, ok := c.flow.makes[o].Size.(*ssa.Const)
	if !ok || k.Value == nil {
		return 0, false
	}
	n, exact := constInt(k)
	return n, exact
}

func constInt(k *ssa.Const) (int64, bool) {
	if k.Value == nil {
		return 0, false
	}
	if b, ok := types.Unalias(k.Type()).Underlying().(*types.Basic); !ok || b.Info()&types.IsInteger == 0 {
		return 0, false
	}
	return k.Int64(), true
}

// stuck describes why an operation can never proceed.
type stuck struct {
	what  string // "receive from ch"
	why   string // "nothing sends on it or closes it"
	fills bool   // a buffered send: it blocks once the buffer is full
}

// neverRecv reports why a receive from ch can never proceed, or nil: ch is
// nil, no code sends on it or closes it, or it is the Done channel of a
// context that is never cancelled.
func (c *checker) neverRecv(ch ssa.Value) *stuck {
	if ctx := doneOf(ch); ctx != nil {
		if c.neverDone(ctx, map[ssa.Value]bool{}) {
			return &stuck{why: "the context is never cancelled"}
		}
		return nil
	}
	origins := c.flow.origins(ch)
	if origins[foreign] {
		return nil
	}
	for o := range origins {
		if o >= 0 && (c.flow.escapes[o]&escSend != 0 || c.has(o, opSend, opClose)) {
			return nil
		}
	}
	if len(origins) == 1 && origins[nilChan] {
		return &stuck{why: "the channel is nil"}
	}
	if c.hasDead(origins, opSend, opClose) {
		return &stuck{why: "the code that sends on it or closes it never runs"}
	}
	return &stuck{why: "nothing sends on it or closes it"}
}

// neverSend reports why a send on ch can never proceed, or nil: ch is nil,
// or no code receives from it. When ch may be buffered, the send proceeds
// until the buffer is full: the result says so.
func (c *checker) neverSend(ch ssa.Value) *stuck {
	origins := c.flow.origins(ch)
	if origins[foreign] {
		return nil
	}
	fills := false
	for o := range origins {
		if o < 0 {
			continue
		}
		if c.flow.escapes[o]&escRecv != 0 || c.has(o, opRecv) {
			return nil
		}
		if n, ok := c.capacity(o); !ok || n != 0 {
			fills = true
		}
	}
	if fills {
		return &stuck{why: "nothing receives from it, and its buffer fills up", fills: true}
	}
	if len(origins) == 1 && origins[nilChan] {
		return &stuck{why: "the channel is nil"}
	}
	if c.hasDead(origins, opRecv) {
		return &stuck{why: "the code that receives from it never runs"}
	}
	return &stuck{why: "nothing receives from it"}
}

// neverClosed reports whether no code closes ch: the channel of a ticker
// or a timer, or one made in the package that nothing closes.
func (c *checker) neverClosed(ch ssa.Value) bool {
	if timeChan(ch) {
		return true
	}
	origins := c.flow.origins(ch)
	if origins[foreign] {
		return false
	}
	for o := range origins {
		if o >= 0 && (c.flow.escapes[o]&escSend != 0 || c.has(o, opClose)) {
			return false
		}
	}
	return true
}

// timeChan reports whether ch is the channel of a time.Ticker or
// time.Timer, or comes from time.Tick or time.After: the time package never
// closes them.
func timeChan(ch ssa.Value) bool {
	switch v := ch.(type) {
	case *ssa.UnOp:
		fa, ok := v.X.(*ssa.FieldAddr)
		if !ok || v.Op != token.MUL {
			return false
		}
		f := fieldVar(fa.X.Type(), fa.Field)
		if f == nil || f.Pkg() == nil || f.Pkg().Path() != "time" || f.Name() != "C" {
			return false
		}
		return true
	case *ssa.Call:
		name, _ := passutil.CalleeName(v.Common())
		return name == "time.Tick" || name == "time.After"
	}
	return false
}

// doneOf returns the context whose Done method returned ch, or nil.
func doneOf(ch ssa.Value) ssa.Value {
	call, ok := ch.(*ssa.Call)
	if !ok || !call.Call.IsInvoke() || call.Call.Method.Name() != "Done" {
		return nil
	}
	if !isContext(call.Call.Value.Type()) {
		return nil
	}
	return call.Call.Value
}

func isContext(t types.Type) bool {
	n, ok := types.Unalias(t).(*types.Named)
	return ok && n.Obj().Pkg() != nil && n.Obj().Pkg().Path() == "context" && n.Obj().Name() == "Context"
}

// neverDone reports whether the context ctx is never cancelled: it is
// context.Background or context.TODO, or derives from one through values,
// WithoutCancel, or WithCancel whose cancel function is dropped.
func (c *checker) neverDone(ctx ssa.Value, seen map[ssa.Value]bool) bool {
	if seen[ctx] {
		return true
	}
	seen[ctx] = true
	switch v := ctx.(type) {
	case *ssa.Call:
		name, _ := passutil.CalleeName(v.Common())
		switch name {
		case "context.Background", "context.TODO", "context.WithoutCancel":
			return true
		case "context.WithValue":
			return c.neverDone(v.Call.Args[0], seen)
		}
	case *ssa.Extract:
		call, ok := v.Tuple.(*ssa.Call)
		if !ok || v.Index != 0 {
			return false
		}
		name, _ := passutil.CalleeName(call.Common())
		if name != "context.WithCancel" && name != "context.WithCancelCause" {
			return false
		}
		for _, r := range *call.Referrers() {
			if ex, ok := r.(*ssa.Extract); ok && ex.Index == 1 && used(ex) {
				return false
			}
		}
		return c.neverDone(call.Call.Args[0], seen)
	case *ssa.Phi:
		for _, e := range v.Edges {
			if !c.neverDone(e, seen) {
				return false
			}
		}
		return len(v.Edges) > 0
	case *ssa.Parameter:
		fn := v.Parent()
		if c.flow.unseenCallers(fn) || len(c.flow.calls[fn]) == 0 {
			return false
		}
		i := paramIndex(v)
		for _, call := range c.flow.calls[fn] {
			args := call.Common().Args
			if i >= len(args) || !c.neverDone(args[i], seen) {
				return false
			}
		}
		return true
	}
	return false
}

// used reports whether v is used other than by debug information.
func used(v ssa.Value) bool {
	for _, r := range *v.Referrers() {
		if _, ok := r.(*ssa.DebugRef); !ok {
			return true
		}
	}
	return false
}

func paramIndex(p *ssa.Parameter) int {
	for i, q := range p.Parent().Params {
		if q == p {
			return i
		}
	}
	return -1
}
