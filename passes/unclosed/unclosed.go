package unclosed

import (
	_ "embed"
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"go/version"
	"slices"
	"strings"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/ssa"

	"github.com/leakhound/leakhound/passes/internal/noreturn"
	"github.com/leakhound/leakhound/passes/internal/passutil"
)

//go:embed doc.go
var doc string

// Analyzer reports values that must be closed and are not closed on some
// path of the function that opened them.
var Analyzer = &analysis.Analyzer{
	Name:      "unclosed",
	Doc:       passutil.Doc(doc, "unclosed"),
	URL:       "https://pkg.go.dev/github.com/leakhound/leakhound/passes/unclosed",
	Run:       run,
	Requires:  []*analysis.Analyzer{noreturn.Analyzer},
	FactTypes: []analysis.Fact{new(opensFact), new(consumesFact), new(closableFact)},
}

// closableTypes is the -unclosed.types flag: user types that must be closed.
var closableTypes typeList

func init() {
	Analyzer.Flags.Var(&closableTypes, "types",
		"comma-separated `pkgpath.Type` list of user types whose values must be closed (Close method)")
}

// typeList is a flag.Value holding "pkgpath.Type" names.
type typeList []string

func (l *typeList) String() string { return strings.Join(*l, ",") }

func (l *typeList) Set(s string) error {
	*l = nil
	for name := range strings.SplitSeq(s, ",") {
		name = strings.TrimSpace(name)
		if name == "" {
			continue
		}
		if i := strings.LastIndex(name, "."); i <= 0 || i == len(name)-1 {
			return fmt.Errorf("bad type %q: want pkgpath.Type, e.g. example.com/pool.Conn", name)
		}
		*l = append(*l, name)
	}
	return nil
}

// opensFact marks a function that returns a resource it opened, in the
// results at the listed indices: callers own it. Pipes lists those of them
// that are ends of an in-memory pipe (net.Pipe), not of the kind their type
// says; LiveOnError those that may be live when the error result is not nil
// (see liveOnErrorOpeners).
type opensFact struct{ Results, Pipes, LiveOnError []int }

func (*opensFact) AFact() {}
func (f *opensFact) String() string {
	s := fmt.Sprintf("opens%v", f.Results)
	if len(f.Pipes) > 0 {
		s += fmt.Sprintf(" pipes%v", f.Pipes)
	}
	if len(f.LiveOnError) > 0 {
		s += fmt.Sprintf(" liveOnError%v", f.LiveOnError)
	}
	return s
}

// consumesFact says, for each parameter of a function (receiver first), whether
// the function releases it or takes it over on every path (Params), on every
// path that reports failure, returning a non-nil error or false as its last
// result (OnFailure: a helper that checks a response and closes it when the
// check fails), and on every path that reports success, a nil error or true
// (OnSuccess: a constructor that takes over a connection, a pool's Put).
// Guards lists the parameters the function releases on every path only when
// one of its bool parameters has a given value (see flagGuard).
type consumesFact struct {
	Params, OnFailure, OnSuccess []bool
	Guards                       []flagGuard
}

func (*consumesFact) AFact() {}
func (f *consumesFact) String() string {
	s := fmt.Sprintf("consumes%v onFailure%v onSuccess%v", f.Params, f.OnFailure, f.OnSuccess)
	for _, g := range f.Guards {
		s += " " + g.String()
	}
	return s
}

// closableFact marks a type declared closable with a //leakhound:closable
// comment, with the methods that release it.
type closableFact struct{ Methods []string }

func (*closableFact) AFact()           {}
func (f *closableFact) String() string { return "closable" + fmt.Sprint(f.Methods) }

// closableDirective marks a type whose values must be released:
// //leakhound:closable [Method...] (default Close).
const closableDirective = "//leakhound:closable"

// checker holds the state of one run over a package.
type checker struct {
	pass     *analysis.Pass
	kinds    map[string]*kind                // user kinds by "pkgpath.Type"
	opens    map[*ssa.Function][]int         // this package's openers
	pipes    map[*ssa.Function][]int         // their results that are pipe ends
	liveErr  map[*ssa.Function][]int         // their results live with an error
	consumes map[*ssa.Function]*consumesFact // this package's parameter summaries
	starts   map[token.Pos]token.Pos         // call Lparen -> call start
	ends     *noreturn.Funcs                 // functions that end the goroutine
	// nilResults says which results of interface method calls are nil on
	// every path, from the values the function built (see built.go).
	nilResults map[builtKey]bool
}

func run(pass *analysis.Pass) (any, error) {
	if passutil.InGOROOT(pass) {
		return nil, nil // the standard library is described by tables
	}
	c := &checker{pass: pass, kinds: map[string]*kind{},
		opens: map[*ssa.Function][]int{}, pipes: map[*ssa.Function][]int{}, liveErr: map[*ssa.Function][]int{}, consumes: map[*ssa.Function]*consumesFact{},
		nilResults: map[builtKey]bool{}, ends: pass.ResultOf[noreturn.Analyzer].(*noreturn.Funcs)}
	c.exportClosableTypes()
	uses := c.resourceUses()
	if len(uses) == 0 {
		return nil, nil // nothing here opens, releases or takes a resource
	}
	funcs := passutil.BuildSSA(pass, func(fd *ast.FuncDecl) bool { return c.handlesResources(fd, uses) })
	c.summarize(funcs)
	c.starts = passutil.CallStarts(pass.Files)
	for _, fn := range funcs {
		c.checkFunc(fn)
	}
	return nil, nil
}

// resourceUses returns, sorted, the positions of the package's expressions
// whose type is a resource or has a Close method: only where one is can a
// function of the package open, release or take over a resource.
func (c *checker) resourceUses() []token.Pos {
	seen := map[types.Type]bool{}
	var closable func(t types.Type) bool
	closable = func(t types.Type) bool {
		if tuple, ok := t.(*types.Tuple); ok {
			for i := range tuple.Len() {
				if closable(tuple.At(i).Type()) {
					return true
				}
			}
			return false
		}
		if _, basic := t.(*types.Basic); basic {
			return false
		}
		is, ok := seen[t]
		if !ok {
			is = c.kindOf(t) != nil || hasMethod(t, "Close")
			seen[t] = is
		}
		return is
	}
	var uses []token.Pos
	for expr, tv := range c.pass.TypesInfo.Types {
		if tv.Type != nil && closable(tv.Type) {
			uses = append(uses, expr.Pos())
		}
	}
	slices.Sort(uses)
	return uses
}

// handlesResources reports whether the function fd needs its SSA form: it
// uses a resource (one of uses lies in it, its signature included), or it
// has a parameter that it may close or take over (summarized for callers).
func (c *checker) handlesResources(fd *ast.FuncDecl, uses []token.Pos) bool {
	i, _ := slices.BinarySearch(uses, fd.Pos())
	if i < len(uses) && uses[i] < fd.End() {
		return true
	}
	obj, ok := c.pass.TypesInfo.Defs[fd.Name].(*types.Func)
	if !ok {
		return true
	}
	params := obj.Signature().Params()
	for j := range params.Len() {
		if k, _ := c.trackedParamKind(params.At(j).Type()); k != nil {
			return true
		}
	}
	return c.yieldsResources(obj.Signature())
}

// openedResults returns the indices of the results of call that are new
// resources the caller owns. A response to a HEAD request is not one: it
// has no body (see bodiless.go).
func (c *checker) openedResults(call *ssa.CallCommon) []int {
	idx := c.callOpens(call)
	if len(idx) == 0 {
		return idx
	}
	if headRequestArg(call) {
		idx = slices.DeleteFunc(slices.Clone(idx), func(r int) bool {
			return c.kindOf(call.Signature().Results().At(r).Type()) == responseKind
		})
	}
	if name, _ := passutil.CalleeName(call); call.IsInvoke() || name == responseControllerHijack {
		idx = slices.DeleteFunc(slices.Clone(idx), func(r int) bool { return c.builtNil(call, r) })
	}
	return idx
}

// callOpens returns the indices of the results of call that are new
// resources, whatever the request a response answers.
func (c *checker) callOpens(call *ssa.CallCommon) []int {
	name, pkg := passutil.CalleeName(call)
	if name == "" {
		return c.summaryOpens(call.StaticCallee()) // a function literal
	}
	if liveOnErrorOpeners[name] {
		return []int{0}
	}
	if call.IsInvoke() {
		// A method of a standard library interface opens what it returns,
		// unless the function made the interface from a user type: that
		// type's method says (an in-memory listener's Accept opens nothing).
		if fn := c.callee(call); fn != nil && !openerFunc(fn) {
			return c.summaryOpens(fn)
		}
		if !openerPackages[pkg] {
			return c.requestResults(call)
		}
	}
	if openerPackages[pkg] {
		if _, wrapper := wrapperFuncs[name]; wrapper || notOpeners[name] || (pkg == "time" && name != "time.NewTicker") {
			return nil
		}
		var idx []int
		res := call.Signature().Results()
		for i := range res.Len() {
			if c.kindOf(res.At(i).Type()) != nil {
				idx = append(idx, i)
			}
		}
		return idx
	}
	return c.summaryOpens(call.StaticCallee())
}

// requestResults returns the index of the response a method of an
// interface returns, when its results are those of (*http.Client).Do, a
// *http.Response and an error: an interface over a client (a doer, a
// retrying or instrumented wrapper) carries the client's contract, the
// caller closes the body. A method returning more (the body read into a
// []byte, warnings) has consumed the body itself, and a getter returning a
// response it keeps has no error result.
func (c *checker) requestResults(call *ssa.CallCommon) []int {
	res := call.Signature().Results()
	if res.Len() != 2 || !isError(res.At(1).Type()) || c.kindOf(res.At(0).Type()) != responseKind {
		return nil
	}
	return []int{0}
}

// openerFunc reports whether fn is declared in one of the openerPackages.
func openerFunc(fn *ssa.Function) bool {
	obj := passutil.FuncObj(fn)
	return obj != nil && obj.Pkg() != nil && openerPackages[obj.Pkg().Path()]
}

// summaryOpens returns the results fn opens, from this package's summaries
// or from a fact.
func (c *checker) summaryOpens(fn *ssa.Function) []int {
	if fn == nil {
		return nil
	}
	if idx, ok := c.opens[fn]; ok {
		return idx
	}
	if fact := c.opensFact(fn); fact != nil {
		return fact.Results
	}
	return nil
}

// openedKind returns the kind of resource result r of call is, when the
// call opens it: the kind of the result's type, or pipeKind for the ends of
// an in-memory pipe.
func (c *checker) openedKind(call *ssa.CallCommon, r int) *kind {
	if name, _ := passutil.CalleeName(call); pipeOpeners[name] {
		return pipeKind
	}
	if fn := c.callee(call); fn != nil {
		pipes := c.pipes[fn]
		if fact := c.opensFact(fn); fact != nil {
			pipes = fact.Pipes
		}
		if slices.Contains(pipes, r) {
			return pipeKind
		}
	}
	return c.kindOf(call.Signature().Results().At(r).Type())
}

// opensFact returns the opensFact of fn when fn is a function of another
// package that has one.
func (c *checker) opensFact(fn *ssa.Function) *opensFact {
	var fact opensFact
	if obj := passutil.FuncObj(fn); obj != nil && obj.Pkg() != c.pass.Pkg && c.pass.ImportObjectFact(obj, &fact) {
		return &fact
	}
	return nil
}

// argConsumed reports whether the callee of c takes over argument j (the
// duty to release it passes with it). variadic says the value is an element
// of the variadic slice.
func (c *checker) argConsumed(call *ssa.CallCommon, j int, variadic bool) bool {
	name, pkg := passutil.CalleeName(call)
	if transferFuncs[name] {
		return true
	}
	if pkg != "" && isStdPath(pkg) && borrowerPackages[pkg] {
		return false
	}
	if !variadic {
		if sum := c.summary(call); sum != nil && j < len(sum.Params) {
			return sum.Params[j] || c.guardHolds(call, j, nil)
		}
	}
	t := argType(call, j)
	if t == nil {
		return true
	}
	if variadic {
		if s, ok := t.Underlying().(*types.Slice); ok {
			t = s.Elem()
		}
	}
	return c.paramKind(t) != nil // a callee that can close it is trusted to
}

// argReleasedOn reports whether the callee of call releases argument j
// whenever it reports failure, and whenever it reports success.
func (c *checker) argReleasedOn(call *ssa.CallCommon, j int) (onFailure, onSuccess bool) {
	sum := c.summary(call)
	if sum == nil || j >= len(sum.Params) {
		return false, false
	}
	return sum.OnFailure[j], sum.OnSuccess[j]
}

// summary returns the parameter summary of the static callee of call: from
// this package's summaries or from a fact; nil when there is none.
func (c *checker) summary(call *ssa.CallCommon) *consumesFact {
	fn := call.StaticCallee()
	if fn == nil {
		return nil
	}
	if sum, ok := c.consumes[fn]; ok {
		return sum
	}
	var fact consumesFact
	if obj := passutil.FuncObj(fn); obj != nil && obj.Pkg() != c.pass.Pkg && c.pass.ImportObjectFact(obj, &fact) {
		return &fact
	}
	return nil
}

// argType returns the type of the parameter argument j of call binds to.
func argType(call *ssa.CallCommon, j int) types.Type {
	sig := call.Signature()
	if !call.IsInvoke() && sig.Recv() != nil {
		if j == 0 {
			return sig.Recv().Type()
		}
		j--
	}
	if j < sig.Params().Len() {
		return sig.Params().At(j).Type()
	}
	return nil
}

// checkFunc reports every resource fn opens and does not release on some path.
func (c *checker) checkFunc(fn *ssa.Function) {
	for _, b := range fn.Blocks {
		for i, instr := range b.Instrs {
			call, ok := instr.(*ssa.Call)
			if !ok {
				continue
			}
			for _, r := range c.openedResults(call.Common()) {
				if r > 0 && c.openedKind(call.Common(), 0) == pipeKind && c.openedKind(call.Common(), r) == pipeKind {
					continue // the two ends of a pipe are one resource, checked at the first
				}
				c.checkOpen(call, b, i, r)
			}
		}
	}
}

func (c *checker) checkOpen(call *ssa.Call, b *ssa.BasicBlock, i, result int) {
	roots, errs := resultValues(call, result)
	k := c.openedKind(call.Common(), result)
	if k == pipeKind {
		for _, r := range c.openedResults(call.Common()) {
			if r != result && c.openedKind(call.Common(), r) == pipeKind {
				other, _ := resultValues(call, r)
				roots = append(roots, other...) // the other end
			}
		}
	}
	if k == tickerKind && !c.tickersLeak(call.Pos()) {
		return
	}
	live := c.liveOnError(call.Common(), result)
	if live {
		errs = nil // a non-nil error does not say the result is nil
	}
	t := newTracker(c, k, call, roots, errs)
	if h := holder(call.Common()); h != nil {
		t.addAlias(h) // releasing the holder releases the resource
		if t.deferredBefore(b, i) {
			return
		}
	}
	exit, leaks := t.leakFrom(b, i+1)
	if !leaks {
		return
	}
	pos := call.Pos()
	if p, ok := c.starts[pos]; ok {
		pos = p
	}
	line := c.pass.Fset.Position(exit).Line
	d := analysis.Diagnostic{
		Pos:      pos,
		Category: k.name,
		Message:  fmt.Sprintf("%s is never %s on the path through line %d (%s)", k.noun, k.verb, line, k.leaks),
		Related:  []analysis.RelatedInformation{{Pos: exit, Message: fmt.Sprintf("%s leaves the function here", k.name)}},
	}
	if len(roots) == 0 {
		d.Message = fmt.Sprintf("%s is discarded and never %s (%s)", k.noun, k.verb, k.leaks)
	} else if !live {
		// A defer after the error check would miss the error path.
		d.SuggestedFixes = c.deferFix(k, call.Pos(), result)
	}
	c.pass.Report(d)
}

// tickersLeak reports whether an unstopped ticker leaks in the file at pos:
// from Go 1.23 on, the garbage collector reclaims unreferenced tickers.
func (c *checker) tickersLeak(pos token.Pos) bool {
	f := passutil.FileOf(c.pass, pos)
	if f == nil {
		return true
	}
	v := c.pass.TypesInfo.FileVersions[f]
	return v == "" || version.Compare(v, "go1.23") < 0
}

// resultValues returns the values holding result index r of call, and the
// error results of call.
func resultValues(call *ssa.Call, r int) (roots, errs []ssa.Value) {
	tuple, ok := call.Type().(*types.Tuple)
	if !ok {
		if len(*call.Referrers()) > 0 {
			roots = append(roots, call)
		}
		return roots, nil
	}
	for _, ref := range *call.Referrers() {
		ex, ok := ref.(*ssa.Extract)
		if !ok {
			continue
		}
		if ex.Index == r {
			roots = append(roots, ex)
		} else if isError(tuple.At(ex.Index).Type()) {
			errs = append(errs, ex)
		}
	}
	return roots, errs
}

func resultType(call *ssa.Call, r int) types.Type {
	if tuple, ok := call.Type().(*types.Tuple); ok {
		return tuple.At(r).Type()
	}
	return call.Type()
}

func isError(t types.Type) bool {
	return types.Identical(t, types.Universe.Lookup("error").Type())
}
