package goroutineleak

import (
	_ "embed"
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"path/filepath"
	"slices"
	"strings"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/ssa"

	"github.com/leakhound/leakhound/passes/internal/noreturn"
	"github.com/leakhound/leakhound/passes/internal/passutil"
)

//go:embed doc.go
var doc string

// Analyzer reports goroutines that can block forever or never return.
var Analyzer = &analysis.Analyzer{
	Name: "goroutineleak",
	Doc:  passutil.Doc(doc, "goroutineleak"),
	URL:  "https://pkg.go.dev/github.com/leakhound/leakhound/passes/goroutineleak",
	Run:  run,
	// Paths end at calls of functions that end the goroutine or the
	// process, also those of other packages.
	Requires: []*analysis.Analyzer{noreturn.Analyzer},
}

// checker holds the state of one run over a package.
type checker struct {
	pass     *analysis.Pass
	funcs    []*ssa.Function
	flow     *flow
	ops      map[origin][]*chanOp
	opIndex  map[opKey]*chanOp
	sendMemo map[string]sendCount
	lockSums map[*ssa.Function]*lockSummary
	lockFree map[*ssa.Function]bool   // whether no function reached from it locks
	reached  map[ssa.Instruction]bool // instructions some path runs
	dead     map[*chanOp]bool         // operations no path runs

	syncUses    map[any][]ssa.CallInstruction // sync method calls by object
	syncEscaped map[any]bool                  // objects unseen code may reach
	sums        map[*ssa.Function]*summary
	exprs       map[token.Pos]ast.Expr // channel and lock operands by operation position
	loops       []ast.Stmt             // for and range statements
	found       map[*ssa.Go]analysis.Diagnostic
	onceFuncs   map[*ssa.Function]bool // functions a sync.Once runs
	signalChans map[origin]bool        // channels given to signal.Notify
	ends        *noreturn.Funcs        // functions that end the goroutine
}

func run(pass *analysis.Pass) (any, error) {
	if !hasGoStmt(pass.Files) {
		return nil, nil // every finding is at a go statement
	}
	funcs := passutil.BuildSSA(pass, nil)
	c := &checker{pass: pass, funcs: funcs, sums: map[*ssa.Function]*summary{}, sendMemo: map[string]sendCount{},
		lockSums: map[*ssa.Function]*lockSummary{}, lockFree: map[*ssa.Function]bool{},
		found: map[*ssa.Go]analysis.Diagnostic{},
		ends:  pass.ResultOf[noreturn.Analyzer].(*noreturn.Funcs)}
	c.flow = newFlow(pass.Pkg, pass.TypesInfo, funcs)
	c.collectOps()
	c.indexSyntax()
	c.findUnreached()
	for _, fn := range funcs {
		for _, b := range fn.Blocks {
			for _, instr := range b.Instrs {
				if g, ok := instr.(*ssa.Go); ok {
					c.checkGo(g)
				}
			}
		}
	}
	for _, fn := range funcs {
		c.checkSenders(fn)
	}
	gos := make([]*ssa.Go, 0, len(c.found))
	for g := range c.found {
		gos = append(gos, g)
	}
	slices.SortFunc(gos, func(a, b *ssa.Go) int { return int(a.Pos() - b.Pos()) })
	for _, g := range gos {
		pass.Report(c.found[g])
	}
	return nil, nil
}

func hasGoStmt(files []*ast.File) bool {
	found := false
	for _, f := range files {
		ast.Inspect(f, func(n ast.Node) bool {
			if _, ok := n.(*ast.GoStmt); ok {
				found = true
			}
			return !found
		})
	}
	return found
}

// indexSyntax records the operand of every channel operation and lock call
// by the position SSA gives the operation, and every loop statement.
func (c *checker) indexSyntax() {
	c.exprs = map[token.Pos]ast.Expr{}
	for _, f := range c.pass.Files {
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.SendStmt:
				c.exprs[n.Arrow] = n.Chan
			case *ast.UnaryExpr:
				if n.Op == token.ARROW {
					c.exprs[n.OpPos] = n.X
				}
			case *ast.RangeStmt:
				c.exprs[n.For] = n.X
				c.loops = append(c.loops, n)
			case *ast.ForStmt:
				c.loops = append(c.loops, n)
			case *ast.CallExpr:
				switch fun := ast.Unparen(n.Fun).(type) {
				case *ast.SelectorExpr:
					c.exprs[n.Lparen] = fun.X
				case *ast.Ident:
					if len(n.Args) == 1 {
						c.exprs[n.Lparen] = n.Args[0] // close(ch)
					}
				}
			}
			return true
		})
	}
}

// name returns the source text of the operand of the operation at pos, or
// def.
func (c *checker) name(pos token.Pos, def string) string {
	if e, ok := c.exprs[pos]; ok {
		return types.ExprString(e)
	}
	return def
}

// loopAt returns the position of the innermost loop statement around pos.
func (c *checker) loopAt(pos token.Pos) token.Pos {
	best := token.NoPos
	var size token.Pos
	for _, l := range c.loops {
		if l.Pos() <= pos && pos < l.End() && (best == token.NoPos || l.End()-l.Pos() < size) {
			best, size = l.Pos(), l.End()-l.Pos()
		}
	}
	if best == token.NoPos {
		return pos
	}
	return best
}

// where describes pos for a message about a go statement at from: the line,
// and the file when it differs.
func (c *checker) where(pos, from token.Pos) string {
	p, q := c.pass.Fset.Position(pos), c.pass.Fset.Position(from)
	if p.Filename != q.Filename {
		return fmt.Sprintf("%s:%d", filepath.Base(p.Filename), p.Line)
	}
	return fmt.Sprintf("line %d", p.Line)
}

// checkGo reports a goroutine that can block forever in what it runs, or
// never return.
func (c *checker) checkGo(g *ssa.Go) {
	target := c.flow.local(g.Common())
	if target == nil || !c.reached[g] {
		return // not a function of the package, or never started
	}
	s := c.summarize(target)
	switch {
	case s.block != nil:
		c.add(g, fmt.Sprintf("goroutine started here blocks forever: %s at %s never proceeds (%s)",
			s.block.what, c.where(s.block.pos, g.Pos()), s.block.why), s.block)
	case !s.returns && s.trap != nil && !c.daemon(g) && !c.signalHandler(target):
		c.add(g, fmt.Sprintf("goroutine started here never returns: %s at %s %s",
			s.trap.what, c.where(s.trap.pos, g.Pos()), s.trap.why), s.trap)
	}
}

// add records the finding of the go statement g, unless it has one.
func (c *checker) add(g *ssa.Go, msg string, at *site, extra ...analysis.RelatedInformation) {
	if _, ok := c.found[g]; ok {
		return
	}
	d := analysis.Diagnostic{Pos: g.Pos(), Category: "goroutine", Message: msg}
	for _, call := range at.chain {
		d.Related = append(d.Related, analysis.RelatedInformation{Pos: c.callStart(call), Message: "through this call"})
	}
	d.Related = append(d.Related, analysis.RelatedInformation{Pos: at.pos, Message: at.what + " blocks here"})
	d.Related = append(d.Related, extra...)
	c.found[g] = d
}

// callStart returns the start of the call whose parenthesis is at lparen.
func (c *checker) callStart(lparen token.Pos) token.Pos {
	if e, ok := c.exprs[lparen]; ok {
		return e.Pos()
	}
	return lparen
}

// daemon reports whether g starts a goroutine meant to live as long as the
// process: started by an init function, inside a sync.Once, or, in a main
// package, by main or a function only main calls.
func (c *checker) daemon(g *ssa.Go) bool {
	return c.onlyAtStart(g.Parent(), 0)
}

// maxCallerDepth bounds how far onlyAtStart follows callers.
const maxCallerDepth = 4

// onlyAtStart reports whether fn runs once, when the process starts.
func (c *checker) onlyAtStart(fn *ssa.Function, depth int) bool {
	for fn.Parent() != nil {
		if c.onceFunc(fn) {
			return true
		}
		fn = fn.Parent()
	}
	if c.onceFunc(fn) {
		return true
	}
	name := fn.Name()
	if name == "init" || strings.HasPrefix(name, "init#") || (c.flow.isMain && name == "main") {
		return true
	}
	if !c.flow.isMain || depth >= maxCallerDepth || c.flow.unseenCallers(fn) {
		return false
	}
	for _, call := range c.flow.calls[fn] {
		if passutil.InLoop(call.Block()) || !c.onlyAtStart(call.Parent(), depth+1) {
			return false // called over and over, or not only at start
		}
	}
	return true
}

// signalHandler reports whether fn receives from a channel given to
// os/signal.Notify: handling signals is a job for the life of the process.
func (c *checker) signalHandler(fn *ssa.Function) bool {
	if c.signalChans == nil {
		c.signalChans = map[origin]bool{}
		for _, f := range c.funcs {
			for _, b := range f.Blocks {
				for _, instr := range b.Instrs {
					call, ok := instr.(ssa.CallInstruction)
					if !ok || len(call.Common().Args) == 0 {
						continue
					}
					if name, _ := passutil.CalleeName(call.Common()); name == "os/signal.Notify" {
						for o := range c.flow.origins(call.Common().Args[0]) {
							c.signalChans[o] = true
						}
					}
				}
			}
		}
	}
	for _, b := range fn.Blocks {
		for _, instr := range b.Instrs {
			var chans []ssa.Value
			switch i := instr.(type) {
			case *ssa.UnOp:
				if i.Op == token.ARROW {
					chans = append(chans, i.X)
				}
			case *ssa.Select:
				for _, st := range i.States {
					chans = append(chans, st.Chan)
				}
			}
			for _, ch := range chans {
				for o := range c.flow.origins(ch) {
					if o >= 0 && c.signalChans[o] {
						return true
					}
				}
			}
		}
	}
	return false
}

// onceFunc reports whether fn is run by a sync.Once: given to
// (*sync.Once).Do, sync.OnceFunc, sync.OnceValue or sync.OnceValues,
// directly or through a variable.
func (c *checker) onceFunc(fn *ssa.Function) bool {
	if c.onceFuncs == nil {
		c.onceFuncs = map[*ssa.Function]bool{}
		for _, f := range c.funcs {
			for _, b := range f.Blocks {
				for _, instr := range b.Instrs {
					call, ok := instr.(ssa.CallInstruction)
					if !ok {
						continue
					}
					switch name, _ := passutil.CalleeName(call.Common()); name {
					case "(*sync.Once).Do", "sync.OnceFunc", "sync.OnceValue", "sync.OnceValues":
						for _, a := range call.Common().Args {
							if g := c.funcOf(a, 0); g != nil {
								c.onceFuncs[g] = true
							}
						}
					}
				}
			}
		}
	}
	return c.onceFuncs[fn]
}

// funcOf returns the function the function value v is, or nil.
func (c *checker) funcOf(v ssa.Value, depth int) *ssa.Function {
	if depth > 4 {
		return nil
	}
	switch x := v.(type) {
	case *ssa.Function:
		return x
	case *ssa.MakeClosure:
		return x.Fn.(*ssa.Function)
	case *ssa.UnOp:
		if x.Op != token.MUL {
			return nil
		}
		addr := x.X
		if fv, ok := addr.(*ssa.FreeVar); ok {
			if b := c.binding(fv); b != nil {
				addr = b
			}
		}
		if st := storedOnce(addr); st != nil {
			return c.funcOf(st, depth+1)
		}
	}
	return nil
}
