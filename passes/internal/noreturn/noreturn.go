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
package noreturn

import (
	"go/ast"
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
	FactTypes:  []analysis.Fact{new(endsFact)},
}

// endsFact marks a function that ends the goroutine or the process on
// every path.
type endsFact struct{}

func (*endsFact) AFact()         {}
func (*endsFact) String() string { return "ends" }

// Funcs is the set of functions, of the package analyzed and of the
// packages it imports, that end the goroutine or the process on every path
// (besides those of the standard library and of testify that
// [passutil.EndsGoroutine] knows by name).
type Funcs struct{ ends map[*types.Func]bool }

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
	started, ends bool
}

// finder computes the functions of one package that end the goroutine.
type finder struct {
	pass  *analysis.Pass
	decls map[*types.Func]*decl
	funcs *Funcs
}

func run(pass *analysis.Pass) (any, error) {
	funcs := &Funcs{ends: map[*types.Func]bool{}}
	for _, fact := range pass.AllObjectFacts() {
		if fn, ok := fact.Object.(*types.Func); ok {
			funcs.ends[fn] = true
		}
	}
	if passutil.InGOROOT(pass) {
		return funcs, nil // the standard library is described by passutil's table
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
	for _, fn := range order {
		if f.compute(fn) && fn.Exported() {
			pass.ExportObjectFact(fn, new(endsFact)) // only these can be called from elsewhere
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
	if !mayEnd(d.fd.Body) {
		return false
	}
	g := cfg.New(d.fd.Body, func(call *ast.CallExpr) bool { return !f.callEnds(call) })
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
		if obj.Pkg() == nil {
			return false
		}
		if passutil.EndsByName(obj.FullName()) {
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

// mayEnd reports whether body holds a call or a panic at all: a function
// without one cannot end the goroutine, and its graph need not be built.
func mayEnd(body *ast.BlockStmt) bool {
	found := false
	ast.Inspect(body, func(n ast.Node) bool {
		switch n.(type) {
		case *ast.CallExpr:
			found = true
		case *ast.FuncLit:
			return false // its calls are its own
		}
		return !found
	})
	return found
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
