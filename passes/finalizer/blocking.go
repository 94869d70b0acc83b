package finalizer

import (
	"go/token"
	"go/types"

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
