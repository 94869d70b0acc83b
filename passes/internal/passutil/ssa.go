package passutil

import (
	"go/ast"
	"go/types"
	"slices"
	"strings"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/ssa"
)

// BuildSSA builds the SSA form of the package of pass and returns its source
// functions (named functions and, after each, its function literals), in
// source order, then the package initializer with the literals of package
// variable initializers.
//
// Analyzers call it themselves, after their early exits, instead of requiring
// buildssa: leakhound's analyzers export facts, so the driver runs them on
// every dependency, and requiring buildssa would build SSA for the whole
// standard library on every run.
//
// Only the imported packages whose functions or variables the package names
// are created in the SSA program (the builder needs those): creating one
// makes a member for every declaration and method it exports, which for
// large imports cost more than building the package itself, and a package
// initializer built with BareInits does not call the initializers of the
// others.
//
// When keep is not nil, only the bodies of the declared functions it keeps
// (and their function literals) are built and returned; the others exist in
// the program as functions without a body, like functions written in
// assembly, so calls to them still resolve.
func BuildSSA(pass *analysis.Pass, keep func(*ast.FuncDecl) bool) []*ssa.Function {
	prog := ssa.NewProgram(pass.Fset, ssa.BareInits)
	for _, p := range namedImports(pass.Pkg, pass.TypesInfo) {
		prog.CreatePackage(p, nil, nil, true)
	}
	files := pass.Files
	if keep != nil {
		files = withoutBodies(files, keep)
	}
	pkg := prog.CreatePackage(pass.Pkg, files, pass.TypesInfo, false)
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
			if fn := prog.FuncValue(obj); fn != nil && fn.Blocks != nil {
				addWithLiterals(fn)
			}
		}
	}
	if init := pkg.Func("init"); init != nil {
		addWithLiterals(init)
	}
	return funcs
}

// withoutBodies returns shallow copies of files in which every function
// declaration keep rejects has no body. The syntax trees of files are not
// modified: other analyzers share them.
func withoutBodies(files []*ast.File, keep func(*ast.FuncDecl) bool) []*ast.File {
	out := make([]*ast.File, len(files))
	for i, f := range files {
		decls := slices.Clone(f.Decls)
		for j, decl := range decls {
			if fd, ok := decl.(*ast.FuncDecl); ok && fd.Body != nil && !keep(fd) {
				bare := *fd
				bare.Body = nil
				decls[j] = &bare
			}
		}
		copied := *f
		copied.Decls = decls
		out[i] = &copied
	}
	return out
}

// FuncObj returns the declared function of fn (the generic one for an
// instantiation), or nil for closures and wrappers.
func FuncObj(fn *ssa.Function) *types.Func {
	if o := fn.Origin(); o != nil {
		fn = o
	}
	obj, _ := fn.Object().(*types.Func)
	return obj
}

// CalleeName returns the full name of the function or interface method a
// call invokes, e.g. "(*os.File).Close", and its package path; both are
// empty for dynamic calls and builtins.
func CalleeName(c *ssa.CallCommon) (name, pkg string) {
	obj := Callee(c)
	if obj == nil || obj.Pkg() == nil {
		return "", ""
	}
	return obj.FullName(), obj.Pkg().Path()
}

// Callee returns the declared function or interface method a call invokes
// (the generic one for an instantiation), or nil for dynamic calls,
// closures and builtins.
func Callee(c *ssa.CallCommon) *types.Func {
	if c.IsInvoke() {
		return c.Method
	}
	if fn := c.StaticCallee(); fn != nil {
		return FuncObj(fn)
	}
	return nil
}

// VarargsCall reports whether store puts a value into the array built for
// the variadic argument of a call, and returns that call and the argument
// index.
func VarargsCall(store *ssa.Store) (ssa.CallInstruction, int, bool) {
	ia, ok := store.Addr.(*ssa.IndexAddr)
	if !ok {
		return nil, 0, false
	}
	alloc, ok := ia.X.(*ssa.Alloc)
	if !ok {
		return nil, 0, false
	}
	for _, r := range *alloc.Referrers() {
		s, ok := r.(*ssa.Slice)
		if !ok {
			continue
		}
		for _, rr := range *s.Referrers() {
			ci, ok := rr.(ssa.CallInstruction)
			if !ok {
				continue
			}
			c := ci.Common()
			if n := len(c.Args); n > 0 && c.Args[n-1] == s && c.Signature().Variadic() {
				return ci, n - 1, true
			}
		}
	}
	return nil, 0, false
}

// namedImports returns, sorted by path, the packages other than pkg one of
// whose package-level functions or variables info records a use of.
func namedImports(pkg *types.Package, info *types.Info) []*types.Package {
	seen := map[*types.Package]bool{}
	var out []*types.Package
	for _, obj := range info.Uses {
		p := obj.Pkg()
		if p == nil || p == pkg || seen[p] {
			continue
		}
		switch obj := obj.(type) {
		case *types.Func:
			if obj.Signature().Recv() != nil {
				continue // methods are created when needed
			}
		case *types.Var:
			if obj.IsField() {
				continue
			}
		default:
			continue
		}
		seen[p] = true
		out = append(out, p)
	}
	slices.SortFunc(out, func(a, b *types.Package) int { return strings.Compare(a.Path(), b.Path()) })
	return out
}
