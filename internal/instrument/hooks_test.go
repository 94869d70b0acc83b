package instrument

import (
	"go/ast"
	"go/parser"
	"go/token"
	"go/types"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestHookTypes checks the contract between the standard library's hooks
// (variables of the files added by stdfiles, pushed with //go:linkname) and
// the tracker's variables that pull them (track/hooks.go): //go:linkname
// does not type-check, so a hook whose type drifts on one side only would
// corrupt memory at run time instead of failing the build.
func TestHookTypes(t *testing.T) {
	pushed := map[string]string{} // "os.leakhoundOpen" -> its type
	for _, p := range stdPatches {
		if p.added == "" {
			continue
		}
		data, err := stdFiles.ReadFile("stdfiles/" + p.added)
		if err != nil {
			t.Fatal(err)
		}
		for name, typ := range linknamedVars(t, p.added, data, false) {
			pushed[p.dir+"."+name] = typ
		}
	}
	hooks := filepath.Join(moduleRoot, "track", "hooks.go")
	data, err := os.ReadFile(hooks)
	if err != nil {
		t.Fatal(err)
	}
	pulled := linknamedVars(t, hooks, data, true)
	if len(pulled) < 20 {
		t.Fatalf("%d linknamed variables in %s: the parse went wrong", len(pulled), hooks)
	}
	for target, typ := range pulled {
		want, ok := pushed[target]
		if !ok {
			t.Errorf("%s pulls %s, which no added standard-library file declares", hooks, target)
			continue
		}
		if typ != want {
			t.Errorf("%s: the tracker's type %s, the standard library's %s", target, typ, want)
		}
	}
}

// linknamedVars returns the types of the package-level variables of a Go
// file marked with //go:linkname: with pull, by the target the directive
// names ("os.leakhoundOpen"), else by their own name. Aliases declared in
// the file are resolved.
func linknamedVars(t *testing.T, name string, src []byte, pull bool) map[string]string {
	t.Helper()
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, name, src, parser.ParseComments)
	if err != nil {
		t.Fatal(err)
	}
	aliases := map[string]ast.Expr{}
	funcs := map[string]*ast.FuncType{}
	for _, d := range f.Decls {
		switch d := d.(type) {
		case *ast.FuncDecl:
			if d.Recv == nil {
				funcs[d.Name.Name] = d.Type
			}
		case *ast.GenDecl:
			for _, s := range d.Specs {
				if ts, ok := s.(*ast.TypeSpec); ok && ts.Assign.IsValid() {
					aliases[ts.Name.Name] = ts.Type
				}
			}
		}
	}
	// targets: local variable name -> linkname target.
	targets := map[string]string{}
	for _, cg := range f.Comments {
		for _, c := range cg.List {
			fields := strings.Fields(strings.TrimPrefix(c.Text, "//go:linkname"))
			if !strings.HasPrefix(c.Text, "//go:linkname") || len(fields) == 0 {
				continue
			}
			targets[fields[0]] = fields[0]
			if len(fields) == 2 {
				targets[fields[0]] = fields[1]
			}
		}
	}
	out := map[string]string{}
	for _, d := range f.Decls {
		gd, ok := d.(*ast.GenDecl)
		if !ok || gd.Tok != token.VAR {
			continue
		}
		for _, s := range gd.Specs {
			vs := s.(*ast.ValueSpec)
			for i, id := range vs.Names {
				target, ok := targets[id.Name]
				if !ok {
					continue
				}
				typ := varType(vs, i, funcs)
				if typ == nil {
					t.Fatalf("%s: cannot tell the type of %s", name, id.Name)
				}
				key := id.Name
				if pull {
					key = target
				}
				out[key] = typeString(typ, aliases)
			}
		}
	}
	return out
}

// varType returns the type of the i-th variable of vs: declared, or that of
// its value (a function literal, a function, a literal).
func varType(vs *ast.ValueSpec, i int, funcs map[string]*ast.FuncType) ast.Expr {
	if vs.Type != nil {
		return vs.Type
	}
	if i >= len(vs.Values) {
		return nil
	}
	switch v := vs.Values[i].(type) {
	case *ast.FuncLit:
		return v.Type
	case *ast.Ident:
		if ft := funcs[v.Name]; ft != nil {
			return ft
		}
		if v.Name == "true" || v.Name == "false" {
			return ast.NewIdent("bool")
		}
	case *ast.BasicLit:
		if v.Kind == token.STRING {
			return ast.NewIdent("string")
		}
	}
	return nil
}

// typeString formats typ with aliases replaced and parameter names dropped,
// so that two spellings of one type compare equal.
func typeString(typ ast.Expr, aliases map[string]ast.Expr) string {
	typ = ast.Expr(resolve(typ, aliases))
	return types.ExprString(typ)
}

func resolve(e ast.Expr, aliases map[string]ast.Expr) ast.Expr {
	switch x := e.(type) {
	case *ast.Ident:
		if a, ok := aliases[x.Name]; ok {
			return resolve(a, aliases)
		}
		return x
	case *ast.FuncType:
		return &ast.FuncType{Params: fields(x.Params, aliases), Results: fields(x.Results, aliases)}
	case *ast.ArrayType:
		return &ast.ArrayType{Len: x.Len, Elt: resolve(x.Elt, aliases)}
	case *ast.StarExpr:
		return &ast.StarExpr{X: resolve(x.X, aliases)}
	}
	return e
}

// fields returns fl without names, one field per parameter.
func fields(fl *ast.FieldList, aliases map[string]ast.Expr) *ast.FieldList {
	if fl == nil {
		return nil
	}
	out := &ast.FieldList{}
	for _, f := range fl.List {
		n := max(len(f.Names), 1)
		for range n {
			out.List = append(out.List, &ast.Field{Type: resolve(f.Type, aliases)})
		}
	}
	return out
}
