package instrument

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"sort"
	"strings"
)

// An edit changes one patch point of a standard-library file. It is located
// structurally (by function and statement shape, never by line number) and
// keeps every original line on its line, so stack traces of the instrumented
// standard library still point at the right lines.
type edit interface {
	// apply finds the patch point in file and returns the text changes, or an
	// error naming the patch point when it is missing.
	apply(fset *token.FileSet, file *ast.File, src []byte) ([]change, error)
}

// change replaces src[start:end] with text.
type change struct {
	start, end int
	text       string
}

// callAtStart inserts "call(name);" right after the opening brace of fn, where
// name is fn's receiver or first parameter (or, with args, "call(args...)",
// each a parameter of fn); with assign, "name = call(name);".
type callAtStart struct {
	fn     string // "newRawConn" or "(*netFD).Close"
	call   string
	args   []string // parameters passed, instead of the first one
	assign bool     // assign the result to the first parameter
}

func (e callAtStart) apply(fset *token.FileSet, file *ast.File, src []byte) ([]change, error) {
	fd, name, err := funcWithParam(file, e.fn)
	if err != nil {
		return nil, err
	}
	args := name
	if e.args != nil {
		params := paramNames(fd)
		for _, a := range e.args {
			if !params[a] {
				return nil, fmt.Errorf("function %s has no parameter %s", e.fn, a)
			}
		}
		args = strings.Join(e.args, ", ")
	}
	stmt := e.call + "(" + args + ")"
	if e.assign {
		stmt = name + " = " + stmt
	}
	at := fset.Position(fd.Body.Lbrace).Offset + 1
	return []change{{at, at, " " + stmt + ";"}}, nil
}

// funcWithParam returns the declaration of fn in file and the name of its
// receiver or first parameter, which the inserted call is given.
func funcWithParam(file *ast.File, fn string) (*ast.FuncDecl, string, error) {
	fd := findFunc(file, fn)
	if fd == nil || fd.Body == nil {
		return nil, "", fmt.Errorf("function %s not found", fn)
	}
	name := firstParam(fd)
	if name == "" || name == "_" {
		return nil, "", fmt.Errorf("function %s has no named receiver or first parameter", fn)
	}
	return fd, name, nil
}

// deferAtStart inserts "defer call(name, &result);" right after the opening
// brace of fn, where name is fn's receiver or first parameter and result one
// of its named results: call sees the result fn returns, whichever return
// statement (or panic) ends it. result may name several results, separated
// by commas ("fd, err": "defer call(name, &fd, &err);"). Without result,
// "defer call(name);".
type deferAtStart struct {
	fn     string // "(transportResponseBody).Read"
	call   string
	result string // "err", "fd, err", or "" for none
}

func (e deferAtStart) apply(fset *token.FileSet, file *ast.File, src []byte) ([]change, error) {
	fd, name, err := funcWithParam(file, e.fn)
	if err != nil {
		return nil, err
	}
	at := fset.Position(fd.Body.Lbrace).Offset + 1
	if e.result == "" {
		return []change{{at, at, " defer " + e.call + "(" + name + ");"}}, nil
	}
	named := map[string]bool{}
	if fd.Type.Results != nil {
		for _, f := range fd.Type.Results.List {
			for _, id := range f.Names {
				named[id.Name] = true
			}
		}
	}
	args := []string{name}
	for _, r := range strings.Split(e.result, ",") {
		r = strings.TrimSpace(r)
		if !named[r] {
			return nil, fmt.Errorf("function %s has no result named %s", e.fn, r)
		}
		args = append(args, "&"+r)
	}
	return []change{{at, at, " defer " + e.call + "(" + strings.Join(args, ", ") + ");"}}, nil
}

// afterStmt inserts "; insert" after the one statement of fn (function
// literals included) whose source, with spaces collapsed, is stmt.
type afterStmt struct {
	fn     string
	stmt   string // "newg.parentGoid = callergp.goid"
	insert string
}

func (e afterStmt) apply(fset *token.FileSet, file *ast.File, src []byte) ([]change, error) {
	fd := findFunc(file, e.fn)
	if fd == nil || fd.Body == nil {
		return nil, fmt.Errorf("function %s not found", e.fn)
	}
	want := strings.Join(strings.Fields(e.stmt), " ")
	var found []ast.Stmt
	ast.Inspect(fd.Body, func(n ast.Node) bool {
		st, ok := n.(ast.Stmt)
		if !ok {
			return true
		}
		switch st.(type) {
		case *ast.AssignStmt, *ast.ExprStmt, *ast.DeclStmt, *ast.IncDecStmt:
			if strings.Join(strings.Fields(text(fset, src, st)), " ") == want {
				found = append(found, st)
			}
		}
		return true
	})
	if len(found) != 1 {
		return nil, fmt.Errorf("statement %q in %s: found %d, want 1", e.stmt, e.fn, len(found))
	}
	end := fset.Position(found[0].End()).Offset
	return []change{{end, end, "; " + e.insert}}, nil
}

// structFields adds fields at the end of the struct type typ, on the line of
// its closing brace.
type structFields struct {
	typ    string
	fields string // "a int; b string"
}

func (e structFields) apply(fset *token.FileSet, file *ast.File, src []byte) ([]change, error) {
	var st *ast.StructType
	for _, d := range file.Decls {
		gd, ok := d.(*ast.GenDecl)
		if !ok || gd.Tok != token.TYPE {
			continue
		}
		for _, s := range gd.Specs {
			if ts := s.(*ast.TypeSpec); ts.Name.Name == e.typ {
				st, _ = ts.Type.(*ast.StructType)
			}
		}
	}
	if st == nil {
		return nil, fmt.Errorf("struct type %s not found", e.typ)
	}
	at := fset.Position(st.Fields.Closing).Offset
	return []change{{at, at, e.fields + "; "}}, nil
}

// finalizerArg replaces the finalizer of the one call
// runtime.SetFinalizer(obj, old) in fn with repl, and calls
// "opened(root of obj)" right after that statement.
type finalizerArg struct {
	fn     string
	old    string // "(*file).close"
	repl   string
	opened string
}

func (e finalizerArg) apply(fset *token.FileSet, file *ast.File, src []byte) ([]change, error) {
	fd := findFunc(file, e.fn)
	if fd == nil || fd.Body == nil {
		return nil, fmt.Errorf("function %s not found", e.fn)
	}
	var found []*ast.ExprStmt
	ast.Inspect(fd.Body, func(n ast.Node) bool {
		st, ok := n.(*ast.ExprStmt)
		if !ok {
			return true
		}
		call, ok := st.X.(*ast.CallExpr)
		if ok && isSelector(call.Fun, "runtime", "SetFinalizer") && len(call.Args) == 2 &&
			text(fset, src, call.Args[1]) == e.old {
			found = append(found, st)
		}
		return true
	})
	if len(found) != 1 {
		return nil, fmt.Errorf("runtime.SetFinalizer(..., %s) in %s: found %d calls, want 1", e.old, e.fn, len(found))
	}
	call := found[0].X.(*ast.CallExpr)
	root := rootIdent(call.Args[0])
	if root == "" {
		return nil, fmt.Errorf("runtime.SetFinalizer(..., %s) in %s: object is not a variable or field", e.old, e.fn)
	}
	arg := call.Args[1]
	end := fset.Position(found[0].End()).Offset
	return []change{
		{fset.Position(arg.Pos()).Offset, fset.Position(arg.End()).Offset, e.repl},
		{end, end, "; " + e.opened + "(" + root + ")"},
	}, nil
}

// wrapReturn wraps the single call returned by fn, "return x.call(...)", as
// "return wrap(x.call(...))".
type wrapReturn struct {
	fn   string
	call string // method name of the returned call
	wrap string
}

func (e wrapReturn) apply(fset *token.FileSet, file *ast.File, src []byte) ([]change, error) {
	fd := findFunc(file, e.fn)
	if fd == nil || fd.Body == nil {
		return nil, fmt.Errorf("function %s not found", e.fn)
	}
	var found []ast.Expr
	ast.Inspect(fd.Body, func(n ast.Node) bool {
		if _, ok := n.(*ast.FuncLit); ok {
			return false
		}
		ret, ok := n.(*ast.ReturnStmt)
		if !ok || len(ret.Results) != 1 {
			return true
		}
		if call, ok := ret.Results[0].(*ast.CallExpr); ok {
			if sel, ok := call.Fun.(*ast.SelectorExpr); ok && sel.Sel.Name == e.call {
				found = append(found, call)
			}
		}
		return true
	})
	if len(found) != 1 {
		return nil, fmt.Errorf("return of .%s(...) in %s: found %d, want 1", e.call, e.fn, len(found))
	}
	start, end := fset.Position(found[0].Pos()).Offset, fset.Position(found[0].End()).Offset
	return []change{{start, start, e.wrap + "("}, {end, end, ")"}}, nil
}

// afterNew inserts "; call(x, args...)" after each statement of fn that
// assigns a new &typ{...} to a variable x ("rows := &Rows{...}"), also inside
// function literals. fn must hold exactly n such statements. Every argument
// is a parameter or the receiver of fn, or a field of one ("s.query"), so a
// renamed parameter is a missing patch point rather than a build error.
type afterNew struct {
	fn   string
	typ  string // "Rows"
	n    int
	call string
	args []string
}

func (e afterNew) apply(fset *token.FileSet, file *ast.File, src []byte) ([]change, error) {
	fd := findFunc(file, e.fn)
	if fd == nil || fd.Body == nil {
		return nil, fmt.Errorf("function %s not found", e.fn)
	}
	params := paramNames(fd)
	for _, a := range e.args {
		x, err := parser.ParseExpr(a)
		if err != nil || !params[rootIdent(x)] {
			return nil, fmt.Errorf("%s has no parameter %s", e.fn, a)
		}
	}
	var changes []change
	ast.Inspect(fd.Body, func(n ast.Node) bool {
		as, ok := n.(*ast.AssignStmt)
		if !ok || len(as.Lhs) != 1 || len(as.Rhs) != 1 {
			return true
		}
		x, ok := as.Lhs[0].(*ast.Ident)
		if !ok || !isNew(as.Rhs[0], e.typ) {
			return true
		}
		end := fset.Position(as.End()).Offset
		args := strings.Join(append([]string{x.Name}, e.args...), ", ")
		changes = append(changes, change{end, end, "; " + e.call + "(" + args + ")"})
		return true
	})
	if len(changes) != e.n {
		return nil, fmt.Errorf("assignments of &%s{...} in %s: found %d, want %d", e.typ, e.fn, len(changes), e.n)
	}
	return changes, nil
}

// isNew reports whether x is &typ{...}.
func isNew(x ast.Expr, typ string) bool {
	u, ok := x.(*ast.UnaryExpr)
	if !ok || u.Op != token.AND {
		return false
	}
	lit, ok := u.X.(*ast.CompositeLit)
	if !ok {
		return false
	}
	id, ok := lit.Type.(*ast.Ident)
	return ok && id.Name == typ
}

// paramNames returns the names of fd's receiver and parameters.
func paramNames(fd *ast.FuncDecl) map[string]bool {
	names := map[string]bool{}
	for _, fl := range []*ast.FieldList{fd.Recv, fd.Type.Params} {
		if fl == nil {
			continue
		}
		for _, f := range fl.List {
			for _, id := range f.Names {
				names[id.Name] = true
			}
		}
	}
	return names
}

// patchFile applies edits to the Go source src of file name.
func patchFile(name string, src []byte, edits []edit) ([]byte, error) {
	fset := token.NewFileSet()
	file, err := parser.ParseFile(fset, name, src, parser.SkipObjectResolution)
	if err != nil {
		return nil, fmt.Errorf("parse %s: %w", name, err)
	}
	var changes []change
	for _, e := range edits {
		cs, err := e.apply(fset, file, src)
		if err != nil {
			return nil, err
		}
		changes = append(changes, cs...)
	}
	sort.SliceStable(changes, func(i, j int) bool { return changes[i].start < changes[j].start })
	var out bytes.Buffer
	last := 0
	for _, c := range changes {
		if c.start < last {
			return nil, fmt.Errorf("overlapping patch points in %s", name)
		}
		out.Write(src[last:c.start])
		out.WriteString(c.text)
		last = c.end
	}
	out.Write(src[last:])
	return out.Bytes(), nil
}

// findFunc returns the declaration of name in file: "f" for a function,
// "(*T).m" or "(T).m" for a method.
func findFunc(file *ast.File, name string) *ast.FuncDecl {
	for _, d := range file.Decls {
		fd, ok := d.(*ast.FuncDecl)
		if ok && funcName(fd) == name {
			return fd
		}
	}
	return nil
}

func funcName(fd *ast.FuncDecl) string {
	if fd.Recv == nil || len(fd.Recv.List) == 0 {
		return fd.Name.Name
	}
	switch t := fd.Recv.List[0].Type.(type) {
	case *ast.StarExpr:
		if id, ok := t.X.(*ast.Ident); ok {
			return "(*" + id.Name + ")." + fd.Name.Name
		}
	case *ast.Ident:
		return "(" + t.Name + ")." + fd.Name.Name
	}
	return ""
}

// firstParam returns the name of fd's receiver, or of its first parameter.
func firstParam(fd *ast.FuncDecl) string {
	for _, fl := range []*ast.FieldList{fd.Recv, fd.Type.Params} {
		if fl != nil && len(fl.List) > 0 && len(fl.List[0].Names) > 0 {
			return fl.List[0].Names[0].Name
		}
	}
	return ""
}

func isSelector(e ast.Expr, pkg, name string) bool {
	sel, ok := e.(*ast.SelectorExpr)
	if !ok || sel.Sel.Name != name {
		return false
	}
	id, ok := sel.X.(*ast.Ident)
	return ok && id.Name == pkg
}

// rootIdent returns "f" for f, f.file or f.a.b, and "" otherwise.
func rootIdent(e ast.Expr) string {
	for {
		switch x := e.(type) {
		case *ast.Ident:
			return x.Name
		case *ast.SelectorExpr:
			e = x.X
		default:
			return ""
		}
	}
}

func text(fset *token.FileSet, src []byte, n ast.Node) string {
	start, end := fset.Position(n.Pos()).Offset, fset.Position(n.End()).Offset
	return strings.TrimSpace(string(src[start:end]))
}

// declaredNames returns the top-level names declared by the Go files srcs
// (functions as findFunc names them, types, variables and constants) and
// the named fields of struct types ("Rows.dc").
func declaredNames(srcs map[string][]byte) (map[string]bool, error) {
	names := map[string]bool{}
	fset := token.NewFileSet()
	for name, src := range srcs {
		file, err := parser.ParseFile(fset, name, src, parser.SkipObjectResolution)
		if err != nil {
			return nil, fmt.Errorf("parse %s: %w", name, err)
		}
		for _, d := range file.Decls {
			switch d := d.(type) {
			case *ast.FuncDecl:
				names[funcName(d)] = true
			case *ast.GenDecl:
				for _, s := range d.Specs {
					switch s := s.(type) {
					case *ast.TypeSpec:
						names[s.Name.Name] = true
						if st, ok := s.Type.(*ast.StructType); ok {
							for _, f := range st.Fields.List {
								for _, id := range f.Names {
									names[s.Name.Name+"."+id.Name] = true
								}
							}
						}
					case *ast.ValueSpec:
						for _, id := range s.Names {
							names[id.Name] = true
						}
					}
				}
			}
		}
	}
	return names, nil
}
