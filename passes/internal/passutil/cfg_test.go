package passutil

import (
	"go/ast"
	"go/parser"
	"go/token"
	"go/types"
	"testing"

	"golang.org/x/tools/go/ssa"
	"golang.org/x/tools/go/ssa/ssautil"
)

const cfgSrc = `package p

type T struct{}

func (T) Value()    { go func() {}() }
func (*T) Pointer() { go func() { go func() {}() }() }

func counted() {
	for i := 0; i < 5; i++ {
	}
}

func rangeInt() {
	for range 7 {
	}
}

func unbounded(n int) {
	for i := 0; i < n; i++ {
	}
}

func stepTwo() {
	for i := 0; i < 10; i += 2 {
	}
}

func forever() {
	for {
	}
}

func exits() {
	panic("no")
}
`

// buildFuncs builds cfgSrc and returns its functions by runtime name.
func buildFuncs(t *testing.T) map[string]*ssa.Function {
	t.Helper()
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "p.go", cfgSrc, 0)
	if err != nil {
		t.Fatal(err)
	}
	pkg, _, err := ssautil.BuildPackage(&types.Config{}, fset, types.NewPackage("p", "p"), []*ast.File{f}, 0)
	if err != nil {
		t.Fatal(err)
	}
	funcs := map[string]*ssa.Function{}
	for fn := range ssautil.AllFunctions(pkg.Prog) {
		if fn.Pkg == pkg && fn.Synthetic == "" {
			funcs[RuntimeName(fn)] = fn
		}
	}
	return funcs
}

func TestRuntimeName(t *testing.T) {
	funcs := buildFuncs(t)
	for _, want := range []string{"counted", "T.Value", "T.Value.func1", "(*T).Pointer", "(*T).Pointer.func1", "(*T).Pointer.func1.1"} {
		if funcs[want] == nil {
			t.Errorf("no function named %q; have %v", want, keys(funcs))
		}
	}
}

func keys(m map[string]*ssa.Function) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestTripCount(t *testing.T) {
	funcs := buildFuncs(t)
	for _, tt := range []struct {
		name string
		want int64
		ok   bool
	}{
		{"counted", 5, true},
		{"rangeInt", 7, true},
		{"unbounded", 0, false},
		{"stepTwo", 0, false},
		{"forever", 0, false},
	} {
		loops := Loops(funcs[tt.name])
		if len(loops) != 1 {
			t.Errorf("%s: %d loops, want 1", tt.name, len(loops))
			continue
		}
		for h := range loops {
			if n, ok := TripCount(h); n != tt.want || ok != tt.ok {
				t.Errorf("%s: TripCount = %d, %v; want %d, %v", tt.name, n, ok, tt.want, tt.ok)
			}
		}
	}
}

func TestSCCsAndFeasible(t *testing.T) {
	fn := buildFuncs(t)["rangeInt"]
	comps := SCCs(fn.Blocks, func(b *ssa.BasicBlock) []*ssa.BasicBlock { return b.Succs })
	seen := map[*ssa.BasicBlock]int{}
	for i, c := range comps {
		for _, b := range c {
			seen[b] = i
		}
	}
	// Successors come first: every edge leads to the same or an earlier
	// component.
	for _, b := range fn.Blocks {
		for _, s := range b.Succs {
			if seen[s] > seen[b] {
				t.Errorf("edge %d->%d goes to a later component", b.Index, s.Index)
			}
		}
	}
	// The test before the first run of "for range 7" is constant.
	entry := fn.Blocks[0]
	if got := Feasible(entry); len(got) != 1 {
		t.Errorf("Feasible(entry) = %d blocks, want 1", len(got))
	}
}

func TestEndsGoroutine(t *testing.T) {
	fn := buildFuncs(t)["exits"]
	ends := false
	for _, instr := range fn.Blocks[0].Instrs {
		ends = ends || EndsGoroutine(instr)
	}
	if !ends {
		t.Error("EndsGoroutine is false for every instruction of a function that panics")
	}
}
