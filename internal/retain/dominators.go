package retain

// graph is a rooted directed graph for [dominators]. Node 0 is the root.
type graph interface {
	numNodes() int
	// succ returns the successors of node v: s[i]+off for each i. The
	// slice may be shared and may hold nodes that skip reports as absent.
	succ(v int32) (s []int32, off int32)
	// skip reports whether the edge from node v to node t is ignored.
	skip(v, t int32) bool
}

// domTree is the dominator tree of the nodes reachable from the root, in
// depth-first preorder: vert[i] is the i-th node visited (vert[0] is the root)
// and idom[i] is the preorder number of its immediate dominator.
type domTree struct {
	vert []int32
	idom []int32
}

// dominators computes the dominator tree of g with the Lengauer-Tarjan
// algorithm (simple version: path compression without balancing,
// O(E log V)). Nothing in it recurses, so deep heaps cannot exhaust the stack.
func dominators(g graph) domTree {
	n := g.numNodes()
	pre := make([]int32, n) // node -> preorder number, -1 if unreached
	for i := range pre {
		pre[i] = -1
	}
	vert := make([]int32, 0, n)
	par := make([]int32, 0, n)

	// Depth-first search from the root, with an explicit stack.
	type cursor struct{ v, pos int32 }
	stack := []cursor{{0, 0}}
	pre[0] = 0
	vert = append(vert, 0)
	par = append(par, 0)
	for len(stack) > 0 {
		top := &stack[len(stack)-1]
		s, off := g.succ(top.v)
		if int(top.pos) >= len(s) {
			stack = stack[:len(stack)-1]
			continue
		}
		t := s[top.pos] + off
		top.pos++
		if pre[t] >= 0 || g.skip(top.v, t) {
			continue
		}
		pre[t] = int32(len(vert))
		par = append(par, pre[top.v])
		vert = append(vert, t)
		stack = append(stack, cursor{t, 0})
	}
	stack = nil
	m := len(vert)

	// Predecessors, in preorder numbers, as compressed rows.
	predStart := make([]int32, m+1)
	for _, v := range vert {
		s, off := g.succ(v)
		for _, t := range s {
			if t += off; pre[t] >= 0 && !g.skip(v, t) {
				predStart[pre[t]+1]++
			}
		}
	}
	for i := 1; i <= m; i++ {
		predStart[i] += predStart[i-1]
	}
	preds := make([]int32, predStart[m])
	fill := make([]int32, m)
	copy(fill, predStart[:m])
	for i, v := range vert {
		s, off := g.succ(v)
		for _, t := range s {
			if t += off; pre[t] >= 0 && !g.skip(v, t) {
				preds[fill[pre[t]]] = int32(i)
				fill[pre[t]]++
			}
		}
	}
	pre = nil

	semi := fill // reuse
	anc := make([]int32, m)
	best := make([]int32, m)
	idom := make([]int32, m)
	bucket := make([]int32, m) // head of the bucket of nodes whose semidominator is i
	next := make([]int32, m)   // next node in the same bucket
	for i := range m {
		semi[i], anc[i], best[i], bucket[i], next[i] = int32(i), -1, int32(i), -1, -1
	}
	var path []int32
	eval := func(v int32) int32 {
		if anc[v] < 0 {
			return v
		}
		path = path[:0]
		for u := v; anc[anc[u]] >= 0; u = anc[u] {
			path = append(path, u)
		}
		for j := len(path) - 1; j >= 0; j-- {
			u := path[j]
			a := anc[u]
			if semi[best[a]] < semi[best[u]] {
				best[u] = best[a]
			}
			anc[u] = anc[a]
		}
		return best[v]
	}
	for w := int32(m - 1); w > 0; w-- {
		for _, v := range preds[predStart[w]:predStart[w+1]] {
			if u := eval(v); semi[u] < semi[w] {
				semi[w] = semi[u]
			}
		}
		next[w], bucket[semi[w]] = bucket[semi[w]], w
		p := par[w]
		anc[w] = p
		for v := bucket[p]; v >= 0; v = next[v] {
			if u := eval(v); semi[u] < semi[v] {
				idom[v] = u
			} else {
				idom[v] = p
			}
		}
		bucket[p] = -1
	}
	for w := 1; w < m; w++ {
		if idom[w] != semi[w] {
			idom[w] = idom[idom[w]]
		}
	}
	idom[0] = 0
	return domTree{vert: vert, idom: idom}
}
