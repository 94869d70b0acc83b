// Package noreturn is an analyzer that finds the functions that never
// return to their caller because every path through them ends the goroutine
// or the process: a panic, os.Exit, log.Fatal, runtime.Goexit, t.Fatal,
// t.FailNow, t.Skip, testify's require.Fail and FailNow, or a call of
// another such function. It reports nothing: the analyzers that follow
// paths (unclosed, goroutineleak) require it, and stop a path at a call of
// such a function, in this package or (through facts) in another.
//
// A function that may loop forever without ending the goroutine (a server
// loop) does not count: it never returns either, but a goroutine running it
// is still alive.
//
// It also finds the helpers that end the goroutine whenever one of their
// error parameters is not nil (check(t, err) calling t.Fatal(err) when err
// is not nil): after a call of one that returns, that argument is nil.
package noreturn

import (
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"reflect"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/cfg"
	"golang.org/x/tools/go/ssa"
	"golang.org/x/tools/go/types/typeutil"

	"github.com/leakhound/leakhound/passes/internal/passutil"
)

// Analyzer finds the functions of a package that end the goroutine or the
// process on every path; its result is a [*Funcs].
var Analyzer = &analysis.Analyzer{
	Name:       "noreturn",
	Doc:        "find functions that end the goroutine or the process on every path",
	URL:        "https://pkg.go.dev/github.com/leakhound/leakhound/passes/internal/noreturn",
	Run:        run,
	ResultType: reflect.TypeFor[*Funcs](),
	FactTypes:  []analysis.Fact{new(endsFact), new(failsOnErrorFact)},
}

// endsFact marks a function that ends the goroutine or the process on
// every path.
type endsFact struct{}

func (*endsFact) AFact()         {}
func (*endsFact) String() string { return "ends" }

// failsOnErrorFact marks a function that ends the goroutine or the process
// on every path on which one of its error parameters is not nil (a
// check(t, err) helper that calls t.Fatal): after a call that returns, that
// argument is nil. Params are indices into the parameters, receiver
// excluded.
type failsOnErrorFact struct{ Params []int }

func (*failsOnErrorFact) AFact()           {}
func (f *failsOnErrorFact) String() string { return fmt.Sprintf("failsOnError%v", f.Params) }

// Funcs is the set of functions, of the package analyzed and of the
// packages it imports, that end the goroutine or the process on every path
// (besides those of the standard library and of testify that
// [passutil.EndsGoroutine] knows by name).
type Funcs struct {
	ends          map[*types.Func]bool
	failsOnNonNil map[*types.Func][]int // error parameters that end it when not nil
}

// NilAfter returns the arguments of call that are nil once the call
// returns: the error arguments of a helper that ends the goroutine when
// they are not nil.
func (f *Funcs) NilAfter(call *ssa.CallCommon) []ssa.Value {
	if f == nil || call.IsInvoke() {
		return nil
	}
	fn := call.StaticCallee()
	if fn == nil {
		return nil
	}
	obj := passutil.FuncObj(fn)
	if obj == nil {
		return nil
	}
	shift := 0
	if obj.Signature().Recv() != nil {
		shift = 1 // the receiver is the first argument
	}
	var out []ssa.Value
	for _, i := range f.failsOnNonNil[obj] {
		if i+shift < len(call.Args) {
			out = append(out, call.Args[i+shift])
		}
	}
	return out
}

// Ends reports whether instr never returns: a panic, a call that
// [passutil.EndsGoroutine] knows, or a call of a function in f.
func (f *Funcs) Ends(instr ssa.Instruction) bool {
	if passutil.EndsGoroutine(instr) {
		return true
	}
	call, ok := instr.(*ssa.Call)
	if !ok || f == nil || call.Common().IsInvoke() {
		return false
	}
	fn := call.Common().StaticCallee()
	if fn == nil {
		return false
	}
	obj := passutil.FuncObj(fn)
	return obj != nil && f.ends[obj]
}

// decl is a function declared in the package, with the state of its
// computation: cycles of calls are broken by assuming that a function being
// computed returns.
type decl struct {
	fd            *ast.FuncDecl
	g             *cfg.CFG // nil until built
	mayEnd        bool     // it calls panic or a function that may end the goroutine
	started, ends bool
}

// finder computes the functions of one package that end the goroutine.
type finder struct {
	pass  *analysis.Pass
	decls map[*types.Func]*decl
	funcs *Funcs
}

func run(pass *analysis.Pass) (any, error) {
	funcs := &Funcs{ends: map[*types.Func]bool{}, failsOnNonNil: map[*types.Func][]int{}}
	if passutil.InGOROOT(pass) {
		// The standard library is described by passutil's table, and its
		// packages import no others that have facts.
		return funcs, nil
	}
	for _, fact := range pass.AllObjectFacts() {
		fn, ok := fact.Object.(*types.Func)
		if !ok {
			continue
		}
		switch fact := fact.Fact.(type) {
		case *endsFact:
			funcs.ends[fn] = true
		case *failsOnErrorFact:
			funcs.failsOnNonNil[fn] = fact.Params
		}
	}
	f := &finder{pass: pass, decls: map[*types.Func]*decl{}, funcs: funcs}
	var order []*types.Func
	for _, file := range pass.Files {
		for _, d := range file.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok || fd.Body == nil {
				continue
			}
			if fn, ok := pass.TypesInfo.Defs[fd.Name].(*types.Func); ok {
				f.decls[fn] = &decl{fd: fd}
				order = append(order, fn)
			}
		}
	}
	f.markMayEnd(order)
	for _, fn := range order {
		if f.compute(fn) && fn.Exported() {
			pass.ExportObjectFact(fn, new(endsFact)) // only these can be called from elsewhere
		}
	}
	for _, fn := range order {
		if f.decls[fn].ends {
			continue
		}
		if params := f.failsOnError(fn); len(params) > 0 {
			funcs.failsOnNonNil[fn] = params
			if fn.Exported() {
				pass.ExportObjectFact(fn, &failsOnErrorFact{Params: params})
			}
		}
	}
	return funcs, nil
}

// compute reports whether the declared function fn ends the goroutine on
// every path, computing it on first use.
func (f *finder) compute(fn *types.Func) bool {
	d := f.decls[fn]
	if d.started {
		return d.ends
	}
	d.started = true
	if !d.mayEnd {
		return false // nothing in it can end the goroutine: no graph to build
	}
	g := cfg.New(d.fd.Body, func(call *ast.CallExpr) bool { return !f.callEnds(call) })
	d.g = g
	d.ends = g.NoReturn() && alwaysExits(g)
	if d.ends {
		f.funcs.ends[fn] = true
	}
	return d.ends
}

// callEnds reports whether call never returns.
func (f *finder) callEnds(call *ast.CallExpr) bool {
	switch obj := typeutil.Callee(f.pass.TypesInfo, call).(type) {
	case *types.Builtin:
		return obj.Name() == "panic"
	case *types.Func:
		if passutil.EndsFunc(obj) {
			return true
		}
		if obj.Origin() != obj {
			obj = obj.Origin()
		}
		if _, ok := f.decls[obj]; ok {
			return f.compute(obj)
		}
		return f.funcs.ends[obj]
	}
	return false
}

// markMayEnd marks the functions of order that may end the goroutine: those
// that call panic, a function known to end it (by name or by a fact), or a
// function of the package so marked. Only their graphs are built.
func (f *finder) markMayEnd(order []*types.Func) {
	callers := map[*types.Func][]*types.Func{} // callee -> callers in the package
	var work []*types.Func
	for _, fn := range order {
		d := f.decls[fn]
		ast.Inspect(d.fd.Body, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.FuncLit:
				return false // its calls are its own
			case *ast.CallExpr:
				switch obj := typeutil.Callee(f.pass.TypesInfo, n).(type) {
				case *types.Builtin:
					d.mayEnd = d.mayEnd || obj.Name() == "panic"
				case *types.Func:
					obj = obj.Origin()
					if _, local := f.decls[obj]; local {
						callers[obj] = append(callers[obj], fn)
					} else if f.funcs.ends[obj] || passutil.EndsFunc(obj) {
						d.mayEnd = true
					}
				}
			}
			return true
		})
		if d.mayEnd {
			work = append(work, fn)
		}
	}
	for len(work) > 0 {
		fn := work[len(work)-1]
		work = work[:len(work)-1]
		for _, caller := range callers[fn] {
			if d := f.decls[caller]; !d.mayEnd {
				d.mayEnd = true
				work = append(work, caller)
			}
		}
	}
}

// alwaysExits reports whether, from every reachable block of g, a block
// that ends the goroutine (a reachable block without successors) can be
// reached: g has no loop that can only go round forever.
func alwaysExits(g *cfg.CFG) bool {
	preds := map[*cfg.Block][]*cfg.Block{}
	var exits []*cfg.Block
	for _, b := range g.Blocks {
		if !b.Live {
			continue
		}
		if len(b.Succs) == 0 {
			exits = append(exits, b)
		}
		for _, s := range b.Succs {
			preds[s] = append(preds[s], b)
		}
	}
	reaches := map[*cfg.Block]bool{}
	for len(exits) > 0 {
		b := exits[len(exits)-1]
		exits = exits[:len(exits)-1]
		if reaches[b] {
			continue
		}
		reaches[b] = true
		exits = append(exits, preds[b]...)
	}
	for _, b := range g.Blocks {
		if b.Live && !reaches[b] {
			return false
		}
	}
	return true
}

// failsOnError returns the indices of the error parameters of fn such that
// no path on which the parameter is not nil returns: the parameter is
// never assigned, and every path that tests it against nil and finds it
// not nil ends the goroutine. Functions with a defer (which may recover)
// are left out.
func (f *finder) failsOnError(fn *types.Func) []int {
	d := f.decls[fn]
	if d.g == nil || hasDefer(d.fd.Body) {
		return nil
	}
	params := fn.Signature().Params()
	var out []int
	for i := range params.Len() {
		p := params.At(i)
		if !types.Identical(p.Type(), errorType) || f.assigned(d.fd.Body, p) {
			continue
		}
		if !f.returnsWhenNonNil(d.g, p) {
			out = append(out, i)
		}
	}
	return out
}

var errorType = types.Universe.Lookup("error").Type()

// returnsWhenNonNil reports whether a return of g can be reached on a path
// that takes, at every test of p against nil, the branch where p is not
// nil.
func (f *finder) returnsWhenNonNil(g *cfg.CFG, p *types.Var) bool {
	seen := map[*cfg.Block]bool{}
	stack := []*cfg.Block{g.Blocks[0]}
	tested := false
	for len(stack) > 0 {
		b := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if seen[b] {
			continue
		}
		seen[b] = true
		if b.Return() != nil {
			return true
		}
		succs := b.Succs
		if len(succs) == 2 && len(b.Nodes) > 0 {
			switch f.nilTest(b.Nodes[len(b.Nodes)-1], p) {
			case token.NEQ:
				succs, tested = succs[:1], true // p != nil holds
			case token.EQL:
				succs, tested = succs[1:], true
			}
		}
		stack = append(stack, succs...)
	}
	return !tested // a function that never tests p does not fail on it
}

// nilTest returns token.NEQ or token.EQL when n is "p != nil" or
// "p == nil" (either way round), and token.ILLEGAL otherwise.
func (f *finder) nilTest(n ast.Node, p *types.Var) token.Token {
	bin, ok := n.(*ast.BinaryExpr)
	if !ok || bin.Op != token.NEQ && bin.Op != token.EQL {
		return token.ILLEGAL
	}
	isP := func(e ast.Expr) bool { return f.isParam(e, p) }
	isNil := func(e ast.Expr) bool {
		tv, ok := f.pass.TypesInfo.Types[e]
		return ok && tv.IsNil()
	}
	if isP(bin.X) && isNil(bin.Y) || isNil(bin.X) && isP(bin.Y) {
		return bin.Op
	}
	return token.ILLEGAL
}

// assigned reports whether body assigns p or takes its address.
func (f *finder) assigned(body *ast.BlockStmt, p *types.Var) bool {
	found := false
	ast.Inspect(body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.AssignStmt:
			for _, l := range n.Lhs {
				found = found || f.isParam(l, p)
			}
		case *ast.UnaryExpr:
			found = found || n.Op == token.AND && f.isParam(n.X, p)
		}
		return !found
	})
	return found
}

// isParam reports whether e names the parameter p.
func (f *finder) isParam(e ast.Expr, p *types.Var) bool {
	id, ok := ast.Unparen(e).(*ast.Ident)
	return ok && f.pass.TypesInfo.Uses[id] == p
}

// hasDefer reports whether body holds a defer statement.
func hasDefer(body *ast.BlockStmt) bool {
	found := false
	ast.Inspect(body, func(n ast.Node) bool {
		if _, ok := n.(*ast.DeferStmt); ok {
			found = true
		}
		return !found
	})
	return found
}
