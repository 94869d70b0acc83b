package retain

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// adjGraph is a graph for tests; edges into skipped nodes are ignored
// unless they come from the root.
type adjGraph struct {
	adj     [][]int32
	skipped map[int32]bool
}

func (g *adjGraph) numNodes() int                 { return len(g.adj) }
func (g *adjGraph) succ(v int32) ([]int32, int32) { return g.adj[v], 0 }
func (g *adjGraph) skip(v, t int32) bool          { return v != 0 && g.skipped[t] }

// naiveDominators returns, for every node reachable from 0, the sorted set of
// its strict dominators: d dominates v if v is unreachable once d is removed.
func naiveDominators(g *adjGraph) map[int32][]int32 {
	reach := func(removed int32) map[int32]bool {
		seen := map[int32]bool{}
		if removed == 0 {
			return seen
		}
		stack := []int32{0}
		seen[0] = true
		for len(stack) > 0 {
			v := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			for _, t := range g.adj[v] {
				if t != removed && !seen[t] && !g.skip(v, t) {
					seen[t] = true
					stack = append(stack, t)
				}
			}
		}
		return seen
	}
	all := reach(-1)
	out := map[int32][]int32{}
	for v := range all {
		out[v] = nil
	}
	for d := range all {
		r := reach(d)
		for v := range all {
			if v != d && !r[v] {
				out[v] = append(out[v], d)
			}
		}
	}
	for v := range out {
		slices.Sort(out[v])
	}
	return out
}

func treeDominators(t domTree) map[int32][]int32 {
	out := map[int32][]int32{}
	for i, v := range t.vert {
		var doms []int32
		for j := i; j != 0; {
			j = int(t.idom[j])
			doms = append(doms, t.vert[j])
		}
		slices.Sort(doms)
		out[v] = doms
	}
	return out
}

func TestDominatorsMatchNaive(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for iter := range 500 {
		n := 1 + r.IntN(25)
		g := &adjGraph{adj: make([][]int32, n), skipped: map[int32]bool{}}
		edges := r.IntN(3 * n)
		for range edges {
			a, b := int32(r.IntN(n)), int32(r.IntN(n))
			g.adj[a] = append(g.adj[a], b)
		}
		if n > 3 && iter%3 == 0 {
			g.skipped[int32(1+r.IntN(n-1))] = true
		}
		checkDominators(t, g)
	}
}

// checkDominators compares the dominator tree of g with the naive definition.
func checkDominators(t *testing.T, g *adjGraph) {
	t.Helper()
	want := naiveDominators(g)
	got := treeDominators(dominators(g))
	if len(got) != len(want) {
		t.Fatalf("graph %v: %d reachable nodes, want %d", g.adj, len(got), len(want))
	}
	for v, w := range want {
		if !slices.Equal(got[v], w) {
			t.Fatalf("graph %v skip %v: dominators of %d = %v, want %v", g.adj, g.skipped, v, got[v], w)
		}
	}
}

func TestDominatorsDeepChain(t *testing.T) {
	// A million-long chain must not exhaust the stack.
	const n = 1 << 20
	g := &adjGraph{adj: make([][]int32, n)}
	for i := range n - 1 {
		g.adj[i] = []int32{int32(i + 1)}
	}
	g.adj[n-1] = []int32{0}
	tr := dominators(g)
	if len(tr.vert) != n {
		t.Fatalf("reached %d nodes, want %d", len(tr.vert), n)
	}
	for i := 1; i < n; i++ {
		if tr.idom[i] != int32(i-1) {
			t.Fatalf("idom[%d] = %d, want %d", i, tr.idom[i], i-1)
		}
	}
}

// FuzzDominators checks the dominator tree of graphs read from the input
// (each pair of bytes is an edge; a byte with the top bit set marks a
// skipped node) against the naive definition.
func FuzzDominators(f *testing.F) {
	f.Add([]byte{0, 1, 1, 2, 0, 2, 2, 3, 3, 1})
	f.Add([]byte{0, 1, 1, 2, 2, 1, 0x81, 2, 3})
	f.Fuzz(func(t *testing.T, in []byte) {
		const n = 24
		g := &adjGraph{adj: make([][]int32, n), skipped: map[int32]bool{}}
		for i := 0; i+1 < len(in) && i < 4*n; i += 2 {
			a, b := int32(in[i]&0x7f%n), int32(in[i+1]&0x7f%n)
			g.adj[a] = append(g.adj[a], b)
			if in[i]&0x80 != 0 && b != 0 {
				g.skipped[b] = true
			}
		}
		checkDominators(t, g)
	})
}
