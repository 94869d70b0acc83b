package passutil

import (
	"go/ast"
	"go/types"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/ssa"
)

// BuildSSA builds the SSA form of the package of pass and returns its source
// functions (named functions and, after each, its function literals), in
// source order.
//
// Analyzers call it themselves, after their early exits, instead of requiring
// buildssa: leakhound's analyzers export facts, so the driver runs them on
// every dependency, and requiring buildssa would build SSA for the whole
// standard library on every run.
func BuildSSA(pass *analysis.Pass) []*ssa.Function {
	prog := ssa.NewProgram(pass.Fset, 0)
	for _, p := range pass.Pkg.Imports() {
		prog.CreatePackage(p, nil, nil, true)
	}
	pkg := prog.CreatePackage(pass.Pkg, pass.Files, pass.TypesInfo, false)
	pkg.Build()
	var funcs []*ssa.Function
	var addWithLiterals func(fn *ssa.Function)
	addWithLiterals = func(fn *ssa.Function) {
		funcs = append(funcs, fn)
		for _, anon := range fn.AnonFuncs {
			addWithLiterals(anon)
		}
	}
	for _, f := range pass.Files {
		for _, decl := range f.Decls {
			fd, ok := decl.(*ast.FuncDecl)
			if !ok {
				continue
			}
			obj, ok := pass.TypesInfo.Defs[fd.Name].(*types.Func)
			if !ok {
				continue
			}
			if fn := prog.FuncValue(obj); fn != nil {
				addWithLiterals(fn)
			}
		}
	}
	return funcs
}
