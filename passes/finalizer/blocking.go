package finalizer

import (
	"fmt"
	"go/constant"
	"go/token"
	"go/types"
	"slices"

	"golang.org/x/tools/go/ssa"

	"github.com/leakhound/leakhound/passes/internal/passutil"
)

// maxDepth bounds how deep blocks follows calls into the package's functions.
const maxDepth = 3

// A blockingOp is an operation that can wait indefinitely.
type blockingOp struct {
	pos  token.Pos
	what string // "a channel receive"
	lock bool   // waits only while another goroutine holds a lock
}

// blockingCalls are the calls that wait for other goroutines, time, the
// network, other processes or the disk, by full name.
var blockingCalls = map[string]string{
	"(*sync.WaitGroup).Wait":             "WaitGroup.Wait",
	"(*sync.Cond).Wait":                  "Cond.Wait",
	"time.Sleep":                         "time.Sleep",
	"net.Dial":                           "net.Dial",
	"net.DialTimeout":                    "net.DialTimeout",
	"net.DialTCP":                        "net.DialTCP",
	"net.DialUDP":                        "net.DialUDP",
	"net.DialUnix":                       "net.DialUnix",
	"(*net.Dialer).Dial":                 "Dialer.Dial",
	"(*net.Dialer).DialContext":          "Dialer.DialContext",
	"(net.Conn).Read":                    "a network read",
	"(net.Conn).Write":                   "a network write",
	"(*net.conn).Read":                   "a network read",
	"(*net.conn).Write":                  "a network write",
	"net/http.Get":                       "http.Get",
	"net/http.Head":                      "http.Head",
	"net/http.Post":                      "http.Post",
	"net/http.PostForm":                  "http.PostForm",
	"(*net/http.Client).Do":              "Client.Do",
	"(*net/http.Client).Get":             "Client.Get",
	"(*net/http.Client).Head":            "Client.Head",
	"(*net/http.Client).Post":            "Client.Post",
	"(*net/http.Client).PostForm":        "Client.PostForm",
	"(*database/sql.DB).Exec":            "DB.Exec",
	"(*database/sql.DB).ExecContext":     "DB.ExecContext",
	"(*database/sql.DB).Query":           "DB.Query",
	"(*database/sql.DB).QueryContext":    "DB.QueryContext",
	"(*database/sql.DB).QueryRow":        "DB.QueryRow",
	"(*database/sql.DB).QueryRowContext": "DB.QueryRowContext",
	"(*os/exec.Cmd).Run":                 "Cmd.Run",
	"(*os/exec.Cmd).Wait":                "Cmd.Wait",
	"(*os/exec.Cmd).Output":              "Cmd.Output",
	"(*os/exec.Cmd).CombinedOutput":      "Cmd.CombinedOutput",
	"(*os.Process).Wait":                 "Process.Wait",
	"(*os.File).Read":                    "a file read",
	"(*os.File).ReadAt":                  "a file read",
	"(*os.File).Sync":                    "File.Sync",
}

// lockCalls wait only while another goroutine holds a lock, usually for a
// moment: with -finalizer.locks they are reported in the finalizer's own
// body, not in the functions it calls.
var lockCalls = map[string]string{
	"(*sync.Mutex).Lock":    "Mutex.Lock",
	"(*sync.RWMutex).Lock":  "RWMutex.Lock",
	"(*sync.RWMutex).RLock": "RWMutex.RLock",
	"(sync.Locker).Lock":    "Locker.Lock",
}

// blocks returns the first operation of fn that can block, following calls
// and deferred calls (not go statements) into function literals and the
// functions of the package, or nil. It reports each function once, at its
// first registration.
func (c *checker) blocks(fn *ssa.Function) *blockingOp {
	if fn == nil {
		return nil
	}
	var key any = fn
	if fn.Synthetic != "" && fn.Object() != nil {
		key = fn.Object() // method values and expressions get a wrapper each
	}
	if c.blocking[key] {
		return nil
	}
	op := c.blocksIn(fn, 0, map[*ssa.Function]bool{})
	c.blocking[key] = op != nil
	return op
}

func (c *checker) blocksIn(fn *ssa.Function, depth int, seen map[*ssa.Function]bool) *blockingOp {
	if fn == nil || depth > maxDepth || seen[fn] {
		return nil
	}
	seen[fn] = true
	for _, b := range fn.Blocks {
		for _, instr := range b.Instrs {
			if op := c.blockingInstr(instr, depth, seen); op != nil {
				return op
			}
		}
	}
	return nil
}

func (c *checker) blockingInstr(instr ssa.Instruction, depth int, seen map[*ssa.Function]bool) *blockingOp {
	switch i := instr.(type) {
	case *ssa.Send:
		if c.buffered(i.Chan) {
			return nil // it waits only when the buffer is full
		}
		return &blockingOp{pos: i.Pos(), what: "a channel send"}
	case *ssa.UnOp:
		if i.Op == token.ARROW {
			return &blockingOp{pos: i.Pos(), what: "a channel receive"}
		}
	case *ssa.Select:
		if i.Blocking && !timed(i) {
			return &blockingOp{pos: i.Pos(), what: "a select without default case"}
		}
	case *ssa.Call, *ssa.Defer:
		call := i.(ssa.CallInstruction).Common()
		name, _ := passutil.CalleeName(call)
		if what, ok := blockingCalls[name]; ok {
			return &blockingOp{pos: c.callPos(i.Pos()), what: what}
		}
		if what, ok := lockCalls[name]; ok && depth == 0 && reportLocks {
			return &blockingOp{pos: c.callPos(i.Pos()), what: what, lock: true}
		}
		if callee := call.StaticCallee(); callee != nil && c.inPackage(callee) {
			return c.blocksIn(callee, depth+1, seen)
		}
	}
	return nil
}

// inPackage reports whether fn's body is part of the analyzed package: one of
// its functions, function literals or method wrappers.
func (c *checker) inPackage(fn *ssa.Function) bool {
	if fn.Synthetic != "" {
		return len(fn.Blocks) > 0
	}
	for fn.Parent() != nil {
		fn = fn.Parent() // a function literal belongs to its enclosing function
	}
	obj := passutil.FuncObj(fn)
	return obj != nil && obj.Pkg() == c.pass.Pkg
}

func (c *checker) callPos(lparen token.Pos) token.Pos {
	if s, ok := c.starts[lparen]; ok {
		return s
	}
	return lparen
}

// timed reports whether a blocking select also waits on a timer or a
// context, so it does not wait forever.
func timed(s *ssa.Select) bool {
	for _, st := range s.States {
		if st.Dir != types.RecvOnly {
			continue
		}
		switch ch := st.Chan.(type) {
		case *ssa.Call:
			name, _ := passutil.CalleeName(ch.Common())
			if name == "time.After" || name == "time.Tick" || name == "(context.Context).Done" {
				return true
			}
		case *ssa.UnOp: // timer.C
			if fa, ok := ch.X.(*ssa.FieldAddr); ok {
				t := fa.X.Type().String()
				if t == "*time.Timer" || t == "*time.Ticker" {
					return true
				}
			}
		}
	}
	return false
}

// buffered reports whether ch is made with a buffer: made with a constant
// capacity above zero, or kept in a local variable, a struct field or a
// package-level variable that the package only ever sets to channels made so.
func (c *checker) buffered(ch ssa.Value) bool {
	if fv, ok := ch.(*ssa.FreeVar); ok {
		ch = binding(fv)
	}
	if mc, ok := ch.(*ssa.MakeChan); ok {
		return hasBuffer(mc)
	}
	var stored []ssa.Value
	if load, ok := ch.(*ssa.UnOp); ok && load.Op == token.MUL {
		addr := load.X
		if fv, ok := addr.(*ssa.FreeVar); ok {
			addr = binding(fv) // a variable the function literal captured
		}
		if v, ok := addr.(*ssa.Alloc); ok {
			stored = storesTo(v)
		} else if key := addrHome(addr); key != "" {
			if c.chanStores == nil {
				c.chanStores = indexChanStores(c.funcs)
			}
			stored = c.chanStores[key]
		}
	}
	for _, v := range stored {
		if mc, ok := v.(*ssa.MakeChan); !ok || !hasBuffer(mc) {
			return false
		}
	}
	return len(stored) > 0
}

// storesTo returns the values stored into the local variable v.
func storesTo(v *ssa.Alloc) []ssa.Value {
	var vals []ssa.Value
	for _, r := range *v.Referrers() {
		if st, ok := r.(*ssa.Store); ok && st.Addr == v {
			vals = append(vals, st.Val)
		}
	}
	return vals
}

// binding returns the value the function literal that fv belongs to
// captures as fv, when the literal is made once; nil otherwise.
func binding(fv *ssa.FreeVar) ssa.Value {
	fn := fv.Parent()
	i := slices.Index(fn.FreeVars, fv)
	if fn.Parent() == nil || i < 0 {
		return nil
	}
	var bound ssa.Value
	for _, b := range fn.Parent().Blocks {
		for _, instr := range b.Instrs {
			if mc, ok := instr.(*ssa.MakeClosure); ok && mc.Fn == fn {
				if bound != nil {
					return nil
				}
				bound = mc.Bindings[i]
			}
		}
	}
	return bound
}

// hasBuffer reports whether mc makes a channel with a constant capacity
// above zero.
func hasBuffer(mc *ssa.MakeChan) bool {
	k, ok := mc.Size.(*ssa.Const)
	if !ok || k.Value == nil || k.Value.Kind() != constant.Int {
		return false
	}
	n, exact := constant.Int64Val(k.Value)
	return exact && n > 0
}

// addrHome names the field or package-level variable at addr: "T.field"
// for a field of a struct of type T; "" for other addresses.
func addrHome(addr ssa.Value) string {
	switch a := addr.(type) {
	case *ssa.FieldAddr:
		p, ok := a.X.Type().Underlying().(*types.Pointer)
		if !ok {
			return ""
		}
		return fmt.Sprintf("%s.%d", types.TypeString(p.Elem(), nil), a.Field)
	case *ssa.Global:
		return a.RelString(nil)
	}
	return ""
}

// indexChanStores maps the fields and package-level variables of channel
// type to the values funcs store into them.
func indexChanStores(funcs []*ssa.Function) map[string][]ssa.Value {
	m := map[string][]ssa.Value{}
	for _, fn := range funcs {
		for _, b := range fn.Blocks {
			for _, instr := range b.Instrs {
				st, ok := instr.(*ssa.Store)
				if !ok {
					continue
				}
				if _, isChan := st.Val.Type().Underlying().(*types.Chan); !isChan {
					continue
				}
				if key := addrHome(st.Addr); key != "" {
					m[key] = append(m[key], st.Val)
				}
			}
		}
	}
	return m
}
