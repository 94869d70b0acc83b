package unclosed

import (
	"go/ast"
	"go/constant"
	"go/token"
	"go/types"
	"slices"
	"strings"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/ast/astutil"
	"golang.org/x/tools/go/types/typeutil"

	"github.com/leakhound/leakhound/passes/internal/passutil"
)

// deferFix returns the fix of a resource opened at the call whose Lparen is
// at lparen, result index r: "defer x.Close()" (x.Body.Close() for a
// response, x.Stop() for a ticker) on the line after the check of the call's
// error, or after the call when it returns no error. It offers one only when
// the fix is local and unambiguous: the call defines x and its error in a
// statement of its own, outside a loop, the next statement returns when the
// error is not nil, and the function only uses x in place (method calls,
// fields, reads by standard library borrowers): nothing releases it on some
// path, returns, stores, sends or captures it.
func (c *checker) deferFix(k *kind, lparen token.Pos, r int) []analysis.SuggestedFix {
	if len(k.methods) != 1 {
		return nil // a transaction is committed or rolled back: the caller decides
	}
	file := passutil.FileOf(c.pass, lparen)
	if file == nil {
		return nil
	}
	path, _ := astutil.PathEnclosingInterval(file, lparen, lparen)
	if len(path) < 3 {
		return nil
	}
	call, ok := path[0].(*ast.CallExpr)
	if !ok || call.Lparen != lparen {
		return nil
	}
	if k == listenerKind && !c.tcpNetwork(call) {
		// Closing a Unix listener also removes its socket's path, which
		// a later listener may be using by then: the caller decides.
		return nil
	}
	assign, ok := path[1].(*ast.AssignStmt)
	if !ok || assign.Tok != token.DEFINE || len(assign.Rhs) != 1 || assign.Rhs[0] != call {
		return nil
	}
	body, inLoop := enclosingBody(path[2:])
	if body == nil || inLoop {
		return nil // a defer in a loop runs only when the function returns
	}
	sig, ok := c.pass.TypesInfo.TypeOf(call).(*types.Tuple)
	if !ok {
		sig = types.NewTuple(types.NewVar(token.NoPos, nil, "", c.pass.TypesInfo.TypeOf(call)))
	}
	if r >= len(assign.Lhs) || sig.Len() != len(assign.Lhs) {
		return nil
	}
	res, obj := c.definedVar(assign.Lhs[r])
	if obj == nil {
		return nil
	}
	after := ast.Stmt(assign)
	for i := range sig.Len() {
		if i == r || !isError(sig.At(i).Type()) {
			continue
		}
		_, errVar := c.definedVar(assign.Lhs[i])
		next := nextStmt(path[2], assign)
		if errVar == nil || next == nil || !c.returnsOnError(next, errVar) {
			return nil
		}
		after = next
	}
	if !c.usedInPlace(body, obj, k) {
		return nil
	}
	target := res.Name
	if k.viaField != "" {
		target += "." + k.viaField
	}
	code := "defer " + target + "." + k.methods[0] + "()"
	edit, ok := passutil.LineAfter(c.pass, after, code)
	if !ok {
		return nil
	}
	return []analysis.SuggestedFix{{Message: "Insert " + code, TextEdits: []analysis.TextEdit{edit}}}
}

// definedVar returns the identifier e and the local variable it defines, or
// nil when e defines none (the blank identifier, a reused variable).
func (c *checker) definedVar(e ast.Expr) (*ast.Ident, *types.Var) {
	id, ok := e.(*ast.Ident)
	if !ok || id.Name == "_" {
		return nil, nil
	}
	v, _ := c.pass.TypesInfo.Defs[id].(*types.Var)
	return id, v
}

// tcpNetwork reports whether the first string argument of call, the
// network of a listener, is a constant naming a TCP network.
func (c *checker) tcpNetwork(call *ast.CallExpr) bool {
	for _, arg := range call.Args {
		tv := c.pass.TypesInfo.Types[arg]
		if b, ok := tv.Type.Underlying().(*types.Basic); !ok || b.Info()&types.IsString == 0 {
			continue
		}
		return tv.Value != nil && tv.Value.Kind() == constant.String && strings.HasPrefix(constant.StringVal(tv.Value), "tcp")
	}
	return false
}

// enclosingBody returns the body of the innermost function in path, and
// whether a loop lies between it and path[0].
func enclosingBody(path []ast.Node) (body *ast.BlockStmt, inLoop bool) {
	for _, n := range path {
		switch n := n.(type) {
		case *ast.ForStmt, *ast.RangeStmt:
			inLoop = true
		case *ast.FuncLit:
			return n.Body, inLoop
		case *ast.FuncDecl:
			return n.Body, inLoop
		}
	}
	return nil, inLoop
}

// nextStmt returns the statement after stmt in the statement list of parent.
func nextStmt(parent ast.Node, stmt ast.Stmt) ast.Stmt {
	list, _ := passutil.StmtList(parent)
	i := slices.Index(list, stmt)
	if i < 0 || i+1 >= len(list) {
		return nil
	}
	return list[i+1]
}

// returnsOnError reports whether s is "if err != nil { ...; return ... }"
// (or ends in panic) for the variable errVar, without an init or else.
func (c *checker) returnsOnError(s ast.Stmt, errVar *types.Var) bool {
	ifs, ok := s.(*ast.IfStmt)
	if !ok || ifs.Init != nil || ifs.Else != nil || len(ifs.Body.List) == 0 {
		return false
	}
	cond, ok := ifs.Cond.(*ast.BinaryExpr)
	if !ok || cond.Op != token.NEQ {
		return false
	}
	id, ok := cond.X.(*ast.Ident)
	if !ok || c.pass.TypesInfo.Uses[id] != errVar {
		return false
	}
	if nilID, ok := cond.Y.(*ast.Ident); !ok || nilID.Name != "nil" {
		return false
	}
	switch last := ifs.Body.List[len(ifs.Body.List)-1].(type) {
	case *ast.ReturnStmt:
		return true
	case *ast.ExprStmt:
		call, ok := last.X.(*ast.CallExpr)
		if !ok {
			return false
		}
		b, ok := typeutil.Callee(c.pass.TypesInfo, call).(*types.Builtin)
		return ok && b.Name() == "panic"
	}
	return false
}

// usedInPlace reports whether every use of v in body keeps the duty to
// release it in the function, without releasing it: a method call other
// than a releasing one, a field read, an argument of a standard library
// borrower; for a response, the same for its body.
func (c *checker) usedInPlace(body *ast.BlockStmt, v *types.Var, k *kind) bool {
	ok := true
	astutil.Apply(body, func(cur *astutil.Cursor) bool {
		if !ok {
			return false
		}
		if lit, isLit := cur.Node().(*ast.FuncLit); isLit && lit != nil {
			if refersTo(c.pass.TypesInfo, lit, v) {
				ok = false // captured: a goroutine or a later call may own it
			}
			return false
		}
		id, isID := cur.Node().(*ast.Ident)
		if !isID || c.pass.TypesInfo.Uses[id] != v {
			return true
		}
		ok = c.inPlace(id, cur, k)
		return true
	}, nil)
	return ok
}

// inPlace reports whether the use id of a resource of kind k, whose parent
// is at cur, keeps it in place (see usedInPlace).
func (c *checker) inPlace(id *ast.Ident, cur *astutil.Cursor, k *kind) bool {
	sel, isSel := cur.Parent().(*ast.SelectorExpr)
	if !isSel || sel.X != id {
		return c.borrowed(cur.Parent(), id)
	}
	if slices.Contains(k.methods, sel.Sel.Name) {
		return false // released on some path already
	}
	if k.viaField != "" && sel.Sel.Name == k.viaField {
		return c.bodyInPlace(sel)
	}
	return c.pass.TypesInfo.Selections[sel] != nil && c.selectedInPlace(sel)
}

// selectedInPlace reports whether x.Sel is a method call or the read of a
// field that holds no resource (x.Name(), x.StatusCode).
func (c *checker) selectedInPlace(sel *ast.SelectorExpr) bool {
	s := c.pass.TypesInfo.Selections[sel]
	if s.Kind() == types.MethodVal {
		return c.isCallee(sel)
	}
	return c.paramKind(s.Type()) == nil
}

// bodyInPlace reports whether the use sel of a response's body field reads
// it in place: a method call other than Close, or an argument of a standard
// library borrower. Every other use (stored, returned, passed on) may hand
// it over.
func (c *checker) bodyInPlace(sel *ast.SelectorExpr) bool {
	parent := c.parentOf(sel)
	if up, ok := parent.(*ast.SelectorExpr); ok && up.X == sel {
		return up.Sel.Name != "Close" && c.isCallee(up)
	}
	return c.borrowed(parent, sel)
}

// borrowed reports whether e is an argument of parent, a call of a standard
// library function that borrows its arguments.
func (c *checker) borrowed(parent ast.Node, e ast.Expr) bool {
	call, ok := parent.(*ast.CallExpr)
	if !ok || !slices.Contains(call.Args, e) {
		return false
	}
	fn, ok := typeutil.Callee(c.pass.TypesInfo, call).(*types.Func)
	if !ok || fn.Pkg() == nil {
		return false
	}
	return borrowerPackages[fn.Pkg().Path()] && !transferFuncs[fn.FullName()]
}

// isCallee reports whether sel is the function of a call.
func (c *checker) isCallee(sel *ast.SelectorExpr) bool {
	call, ok := c.parentOf(sel).(*ast.CallExpr)
	return ok && call.Fun == sel
}

// parentOf returns the parent of node n of the file holding it.
func (c *checker) parentOf(n ast.Node) ast.Node {
	file := passutil.FileOf(c.pass, n.Pos())
	if file == nil {
		return nil
	}
	path, _ := astutil.PathEnclosingInterval(file, n.Pos(), n.End())
	for i, p := range path {
		if p == n && i+1 < len(path) {
			return path[i+1]
		}
	}
	return nil
}

// refersTo reports whether n uses v.
func refersTo(info *types.Info, n ast.Node, v *types.Var) bool {
	found := false
	ast.Inspect(n, func(n ast.Node) bool {
		if id, ok := n.(*ast.Ident); ok && info.Uses[id] == v {
			found = true
		}
		return !found
	})
	return found
}
