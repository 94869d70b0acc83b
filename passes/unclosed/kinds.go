package unclosed

import (
	"go/ast"
	"go/token"
	"go/types"
	"slices"
	"strings"
)

// What kind of resource a value is: a type of the standard library's
// tables, a type declared with the //leakhound:closable directive (exported
// as a fact for the packages that import it), one named by the
// -unclosed.types flag, and for parameters any type with a Close method.

// exportClosableTypes exports a closableFact for every type of the package
// whose declaration carries the //leakhound:closable directive.
func (c *checker) exportClosableTypes() {
	for _, f := range c.pass.Files {
		for _, decl := range f.Decls {
			gd, ok := decl.(*ast.GenDecl)
			if !ok || gd.Tok != token.TYPE {
				continue
			}
			for _, spec := range gd.Specs {
				ts := spec.(*ast.TypeSpec)
				doc := ts.Doc
				if doc == nil && len(gd.Specs) == 1 {
					doc = gd.Doc
				}
				if methods, ok := closableMethods(doc); ok {
					if obj := c.pass.TypesInfo.Defs[ts.Name]; obj != nil {
						c.pass.ExportObjectFact(obj, &closableFact{Methods: methods})
					}
				}
			}
		}
	}
}

func closableMethods(doc *ast.CommentGroup) ([]string, bool) {
	if doc == nil {
		return nil, false
	}
	for _, cm := range doc.List {
		rest, ok := strings.CutPrefix(cm.Text, closableDirective)
		if !ok || (rest != "" && rest[0] != ' ') {
			continue
		}
		methods := strings.Fields(rest)
		if len(methods) == 0 {
			methods = []string{"Close"}
		}
		return methods, true
	}
	return nil, false
}

// kindOf returns the kind of resource a value of type t is, or nil.
func (c *checker) kindOf(t types.Type) *kind {
	key := typeKey(t)
	if key == "" {
		return nil
	}
	if k, ok := stdKinds[key]; ok {
		if k == responseKind || k == fileKind || k == tickerKind || strings.HasPrefix(key, "database/sql.") {
			if _, ptr := types.Unalias(t).(*types.Pointer); !ptr {
				return nil // the struct itself is not the handle
			}
		}
		return k
	}
	if k, ok := c.kinds[key]; ok {
		return k
	}
	var k *kind
	named := typeNamed(t)
	var fact closableFact
	if c.pass.ImportObjectFact(named.Obj(), &fact) {
		k = userKind(named, fact.Methods)
	} else if slices.Contains(closableTypes, key) {
		k = userKind(named, []string{"Close"})
	}
	c.kinds[key] = k
	return k
}

func typeNamed(t types.Type) *types.Named {
	t = types.Unalias(t)
	if p, ok := t.(*types.Pointer); ok {
		t = types.Unalias(p.Elem())
	}
	return t.(*types.Named)
}

func userKind(n *types.Named, methods []string) *kind {
	name := n.Obj().Pkg().Name() + "." + n.Obj().Name()
	return &kind{name: name, noun: name + " opened here", verb: "released with " + strings.Join(methods, " or "),
		methods: methods, leaks: "its resources leak"}
}

// paramKind returns the kind a parameter of type t is tracked as: its
// resource kind, or any type with a Close method.
func (c *checker) paramKind(t types.Type) *kind {
	if k := c.kindOf(t); k != nil {
		return k
	}
	if hasMethod(t, "Close") {
		return closerKind
	}
	return nil
}
