package rawfd

import (
	_ "embed"
	"fmt"
	"go/token"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/ssa"

	"github.com/leakhound/leakhound/passes/internal/passutil"
)

//go:embed doc.go
var doc string

// Analyzer reports descriptors taken with (*os.File).Fd that are used after
// the file may have been garbage collected, and so closed by its finalizer.
var Analyzer = &analysis.Analyzer{
	Name: "rawfd",
	Doc:  passutil.Doc(doc, "rawfd"),
	URL:  "https://pkg.go.dev/github.com/leakhound/leakhound/passes/rawfd",
	Run:  run,
}

// checker holds the state of one run over a package.
type checker struct {
	pass   *analysis.Pass
	starts map[token.Pos]token.Pos // call Lparen -> call start
	fixer  *fixer
}

func run(pass *analysis.Pass) (any, error) {
	if passutil.InGOROOT(pass) || !passutil.Refers(pass, "(*os.File).Fd") {
		return nil, nil // descriptors are taken with (*os.File).Fd
	}
	c := &checker{pass: pass, starts: passutil.CallStarts(pass.Files), fixer: newFixer(pass)}
	for _, fn := range passutil.BuildSSA(pass, nil) {
		for _, b := range fn.Blocks {
			for _, instr := range b.Instrs {
				if call, ok := instr.(*ssa.Call); ok && isFd(call.Common()) {
					c.check(call)
				}
			}
		}
	}
	return nil, nil
}

// isFd reports whether call is (*os.File).Fd.
func isFd(call *ssa.CallCommon) bool {
	name, _ := passutil.CalleeName(call)
	return name == "(*os.File).Fd"
}

// check reports the descriptor returned by fd when it is used while its file
// may already be collected.
func (c *checker) check(fd *ssa.Call) {
	o := ownerOf(fd.Call.Args[0])
	if o == nil {
		return // not a file this function opened: someone else keeps it
	}
	ou := o.uses()
	if ou.escapes {
		return // the file is kept beyond this function
	}
	uses := descriptorUses(fd)
	for _, u := range uses {
		if u.how == escaped {
			c.reportEscape(fd, o, ou, u)
			return
		}
	}
	var late []descriptorUse
	for _, u := range uses {
		if !ou.keptAt(u) {
			late = append(late, u)
		}
	}
	if len(late) > 0 {
		c.reportLate(fd, o, ou, uses, late[0])
	}
}

// reportEscape reports a descriptor that leaves the function without its file.
func (c *checker) reportEscape(fd *ssa.Call, o *owner, ou *ownerUses, u descriptorUse) {
	fate := "after this function returns the file can be garbage collected and its finalizer closes the descriptor"
	if cl := ou.deferredClose(); cl != nil {
		fate = fmt.Sprintf("the file is closed when this function returns (deferred Close at line %d)", c.line(cl.Pos()))
	}
	d := analysis.Diagnostic{
		Pos:      c.start(fd.Pos()),
		Category: "os.File",
		Message: fmt.Sprintf("descriptor outlives %s: %s (keep the file reachable as long as the descriptor is used, or use SyscallConn)",
			o.describe(), fate),
	}
	if pos := u.instr.Pos(); pos.IsValid() { // returns in functions with defers have none
		d.Related = []analysis.RelatedInformation{{Pos: pos, Message: "the descriptor leaves the function here"}}
	}
	c.pass.Report(d)
}

// reportLate reports a descriptor used where its file may already be
// collected, or is closed.
func (c *checker) reportLate(fd *ssa.Call, o *owner, ou *ownerUses, all []descriptorUse, u descriptorUse) {
	pos := c.start(u.instr.Pos())
	if !pos.IsValid() {
		pos = c.start(fd.Pos())
	}
	d := analysis.Diagnostic{
		Pos:      c.start(fd.Pos()),
		Category: "os.File",
		Related:  []analysis.RelatedInformation{{Pos: pos, Message: "the descriptor is used here " + u.how.String()}},
	}
	if cl := ou.closeBefore(u.instr); cl != nil {
		d.Message = fmt.Sprintf("descriptor is used at line %d %s after %s is closed at line %d: the number may belong to another file by then (use it before Close)",
			c.line(pos), u.how, o.describe(), c.line(cl.Pos()))
		c.pass.Report(d)
		return
	}
	d.Message = fmt.Sprintf("descriptor is used at line %d %s after the last use of %s: the file can be garbage collected and its finalizer close the descriptor first (add runtime.KeepAlive after the last use of the descriptor, or use SyscallConn)",
		c.line(pos), u.how, o.describe())
	if fix, ok := c.fixer.keepAlive(fd, all); ok {
		d.SuggestedFixes = []analysis.SuggestedFix{fix}
	}
	c.pass.Report(d)
}

// start returns the start of the call whose parenthesis is at pos, or pos.
func (c *checker) start(pos token.Pos) token.Pos {
	if p, ok := c.starts[pos]; ok {
		return p
	}
	return pos
}

func (c *checker) line(pos token.Pos) int { return c.pass.Fset.Position(pos).Line }
