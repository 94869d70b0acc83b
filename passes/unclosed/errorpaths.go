package unclosed

import (
	"slices"

	"golang.org/x/tools/go/ssa"

	"github.com/leakhound/leakhound/passes/internal/passutil"
)

// What the error result of an opening call says about the resource. For
// almost every opener a non-nil error means nothing was opened: the
// standard library's openers return a nil handle with their error, and
// net/http's contract for responses is the same (http.RoundTripper: a
// non-nil error means the response is to be ignored; Client.Do: the only
// response returned with an error has its body closed already). The
// exceptions are the openers below, whose result can be live together with
// an error: it is owed on every path where it is not nil.

// liveOnErrorOpeners are the standard library methods that may return a
// live response together with a non-nil error: the deprecated
// httputil.ClientConn returns the response with ErrPersistEOF when the
// server asked to close the connection after it. Each opens its result 0.
var liveOnErrorOpeners = map[string]bool{
	"(*net/http/httputil.ClientConn).Do":   true,
	"(*net/http/httputil.ClientConn).Read": true,
}

// holderReleasers are the methods of a liveOnErrorOpeners receiver that
// release the responses read through it: Close closes the connection the
// body reads from, and Hijack hands that connection to the caller, who owns
// it from then on.
var holderReleasers = map[string]bool{
	"(*net/http/httputil.ClientConn).Close":  true,
	"(*net/http/httputil.ClientConn).Hijack": true,
}

// unwrapResults are the methods whose result, at the index given, is the
// resource their receiver wraps: (*httputil.ClientConn).Hijack returns the
// connection given to httputil.NewClientConn.
var unwrapResults = map[string]int{
	"(*net/http/httputil.ClientConn).Hijack": 0,
	"(*net/http/httputil.ServerConn).Hijack": 0,
}

// liveOnError reports whether result r of call may be a live resource when
// the call's error is not nil: the call is one of the liveOnErrorOpeners,
// or a function summarized as returning such a result with a non-nil error.
func (c *checker) liveOnError(call *ssa.CallCommon, r int) bool {
	if name, _ := passutil.CalleeName(call); liveOnErrorOpeners[name] {
		return r == 0
	}
	fn := c.callee(call)
	if fn == nil {
		return false
	}
	if idx, ok := c.liveErr[fn]; ok {
		return slices.Contains(idx, r)
	}
	if fact := c.opensFact(fn); fact != nil {
		return slices.Contains(fact.LiveOnError, r)
	}
	return false
}

// holder returns the value through which the resource call opens can also
// be released (the *httputil.ClientConn a response was read through), or
// nil.
func holder(call *ssa.CallCommon) ssa.Value {
	if name, _ := passutil.CalleeName(call); !liveOnErrorOpeners[name] || len(call.Args) == 0 {
		return nil
	}
	return call.Args[0]
}

// releasesHolder reports whether call releases the tracked resource
// through its holder: a holderReleasers method called on it.
func (t *tracker) releasesHolder(call *ssa.CallCommon) bool {
	name, _ := passutil.CalleeName(call)
	return holderReleasers[name] && len(call.Args) > 0 && t.aliases[call.Args[0]]
}

// unwrapped returns the value of the result of call that is the resource
// its receiver v wraps (the connection Hijack returns), or nil.
func unwrapped(call *ssa.Call, v ssa.Value) ssa.Value {
	name, _ := passutil.CalleeName(call.Common())
	r, ok := unwrapResults[name]
	if !ok || len(call.Common().Args) == 0 || call.Common().Args[0] != v {
		return nil
	}
	for _, ref := range *call.Referrers() {
		if ex, ok := ref.(*ssa.Extract); ok && ex.Index == r {
			return ex
		}
	}
	return nil
}

// deferredBefore reports whether a call that releases the resource through
// its holder was deferred before the opening call, at index i of block b,
// on every path to it (defer cc.Close() before resp, err := cc.Do(req)).
func (t *tracker) deferredBefore(b *ssa.BasicBlock, i int) bool {
	for _, d := range b.Instrs[:i] {
		if d, ok := d.(*ssa.Defer); ok && t.releasesHolder(d.Common()) {
			return true
		}
	}
	for _, blk := range b.Parent().Blocks {
		if blk == b || !blk.Dominates(b) {
			continue
		}
		for _, d := range blk.Instrs {
			if d, ok := d.(*ssa.Defer); ok && t.releasesHolder(d.Common()) {
				return true
			}
		}
	}
	return false
}

// returnsLiveOnError reports whether the value v a function returns, with
// the error errv, may be a live result of a liveOnError call while errv is
// not nil: v comes from such a call and errv is not the constant nil.
func (c *checker) returnsLiveOnError(v, errv ssa.Value) bool {
	if k, ok := errv.(*ssa.Const); ok && k.IsNil() {
		return false
	}
	var found bool
	var visit func(v ssa.Value, depth int)
	visit = func(v ssa.Value, depth int) {
		if found || depth > maxLiveDepth {
			return
		}
		switch v := v.(type) {
		case *ssa.Extract:
			if call, ok := v.Tuple.(*ssa.Call); ok && c.liveOnError(call.Common(), v.Index) {
				found = true
			}
		case *ssa.Phi:
			for _, e := range v.Edges {
				visit(e, depth+1)
			}
		case *ssa.UnOp:
			if sv := storedValue(v); sv != nil {
				visit(sv, depth+1)
			}
		case *ssa.ChangeType:
			visit(v.X, depth+1)
		}
	}
	visit(v, 0)
	return found
}

// maxLiveDepth bounds the values returnsLiveOnError follows back.
const maxLiveDepth = 8
