package unclosed

import (
	"go/constant"
	"go/token"
	"go/types"

	"golang.org/x/tools/go/ssa"

	"github.com/leakhound/leakhound/passes/internal/passutil"
)

// Responses that hold nothing. net/http gives a response that cannot have a
// body (to a HEAD request, or with status 204 No Content or 304 Not
// Modified) a Content-Length of 0 and the body http.NoBody, and its
// transport puts the connection back in the pool (or closes it) before it
// hands such a response over (net/http transfer.go: fixLength and
// readTransfer; transport.go: persistConn.readLoop, hasBody). Closing that
// body does nothing: the response owes no Close.

// headMethod is the request method whose responses have no body.
const headMethod = "HEAD"

// bodilessStatuses are the status codes whose responses have no body.
var bodilessStatuses = map[int64]bool{204: true, 304: true}

// headRequestArg reports whether call sends a request (an argument of type
// *http.Request) whose method is the constant HEAD: the response it returns
// has no body.
func headRequestArg(call *ssa.CallCommon) bool {
	args := call.Args
	if call.IsInvoke() {
		args = append([]ssa.Value{call.Value}, args...)
	}
	for _, a := range args {
		if typeKey(a.Type()) == "net/http.Request" && headRequest(a, maxRequestDepth) {
			return true
		}
	}
	return false
}

// maxRequestDepth bounds the WithContext and Clone calls headRequest follows.
const maxRequestDepth = 4

// headRequest reports whether the request v is a HEAD request: made by
// http.NewRequest or http.NewRequestWithContext with the method HEAD, or as
// &http.Request{Method: "HEAD", ...}, or derived from one by WithContext or
// Clone, and its Method field never set to anything else in the function.
func headRequest(v ssa.Value, depth int) bool {
	if depth == 0 || methodStores(v) < 0 {
		return false
	}
	switch v := v.(type) {
	case *ssa.Extract:
		call, ok := v.Tuple.(*ssa.Call)
		if !ok || v.Index != 0 {
			return false
		}
		name, _ := passutil.CalleeName(call.Common())
		method := map[string]int{"net/http.NewRequest": 0, "net/http.NewRequestWithContext": 1}
		i, ok := method[name]
		return ok && i < len(call.Call.Args) && isHeadConst(call.Call.Args[i])
	case *ssa.Call:
		name, _ := passutil.CalleeName(v.Common())
		if (name == "(*net/http.Request).WithContext" || name == "(*net/http.Request).Clone") && len(v.Call.Args) > 0 {
			return headRequest(v.Call.Args[0], depth-1)
		}
	case *ssa.Alloc:
		return methodStores(v) > 0
	}
	return false
}

// methodStores returns how many stores the function makes to the Method
// field of req, all of them the constant HEAD; -1 when one stores
// something else.
func methodStores(req ssa.Value) int {
	refs := req.Referrers()
	if refs == nil {
		return 0
	}
	n := 0
	for _, r := range *refs {
		fa, ok := r.(*ssa.FieldAddr)
		if !ok || fieldName(fa) != "Method" {
			continue
		}
		for _, use := range *fa.Referrers() {
			st, ok := use.(*ssa.Store)
			if !ok || st.Addr != fa {
				continue
			}
			if !isHeadConst(st.Val) {
				return -1
			}
			n++
		}
	}
	return n
}

// isHeadConst reports whether v is the constant string HEAD.
func isHeadConst(v ssa.Value) bool {
	k, ok := v.(*ssa.Const)
	return ok && k.Value != nil && k.Value.Kind() == constant.String && constant.StringVal(k.Value) == headMethod
}

// bodilessStatus reports whether cmp compares the status code of the
// tracked response with 204 or 304, and whether it is an == comparison
// (the true branch has the status) rather than !=.
func (t *tracker) bodilessStatus(cmp *ssa.BinOp) (is, equal bool) {
	if t.kind != responseKind || cmp.Op != token.EQL && cmp.Op != token.NEQ {
		return false, false
	}
	status, other := cmp.X, cmp.Y
	if _, ok := status.(*ssa.Const); ok {
		status, other = other, status
	}
	k, ok := other.(*ssa.Const)
	if !ok || k.Value == nil || k.Value.Kind() != constant.Int {
		return false, false
	}
	code, exact := constant.Int64Val(k.Value)
	if !exact || !bodilessStatuses[code] {
		return false, false
	}
	load, ok := status.(*ssa.UnOp)
	if !ok || load.Op != token.MUL {
		return false, false
	}
	fa, ok := load.X.(*ssa.FieldAddr)
	if !ok || fieldName(fa) != "StatusCode" || !t.aliases[fa.X] {
		return false, false
	}
	if b, ok := load.Type().Underlying().(*types.Basic); !ok || b.Info()&types.IsInteger == 0 {
		return false, false
	}
	return true, cmp.Op == token.EQL
}
