package goroutineleak

import (
	"cmp"
	"go/token"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/tools/go/ssa"
)

// The state of a path in the walk of lock states (see locks.go), and what
// tells two states apart.

// heldLock is a lock a path holds.
type heldLock struct {
	mode lockMode
	pos  token.Pos
}

// lockState is what a path of a function holds.
type lockState struct {
	b        *ssa.BasicBlock
	held     map[lockKey]heldLock
	deferred map[lockKey]bool // released by deferred calls
	released map[lockKey]bool // released without being taken: the caller's
	unknown  bool             // a deferred call the analysis cannot follow
	conds    map[any]bool     // the outcome of the conditions the path tested
}

func (s lockState) clone() lockState {
	n := lockState{b: s.b, unknown: s.unknown,
		held: make(map[lockKey]heldLock, len(s.held)), deferred: make(map[lockKey]bool, len(s.deferred)),
		released: make(map[lockKey]bool, len(s.released)),
		conds:    make(map[any]bool, len(s.conds))}
	for k, v := range s.held {
		n.held[k] = v
	}
	for k := range s.deferred {
		n.deferred[k] = true
	}
	for k := range s.released {
		n.released[k] = true
	}
	for k, v := range s.conds {
		n.conds[k] = v
	}
	return n
}

// signature identifies a state for deduplication among the states of one
// walk, whose values ids numbers: states with the same signature lead to
// the same results but for the position a message gives for a held lock.
func (s lockState) signature(ids valueIDs) string {
	type held struct {
		id   int
		path string
		mode lockMode
	}
	hs := make([]held, 0, len(s.held))
	for k, h := range s.held {
		hs = append(hs, held{ids.of(k.base), k.path, h.mode})
	}
	slices.SortFunc(hs, func(a, b held) int {
		return cmp.Or(cmp.Compare(a.id, b.id), strings.Compare(a.path, b.path), cmp.Compare(a.mode, b.mode))
	})
	cs := make([]int, 0, len(s.conds))
	for v, t := range s.conds {
		id := 2 * ids.of(v)
		if t {
			id++
		}
		cs = append(cs, id)
	}
	slices.Sort(cs)
	b := strconv.AppendInt(nil, int64(s.b.Index), 10)
	for _, h := range hs {
		b = append(b, ' ')
		b = strconv.AppendInt(b, int64(h.id), 10)
		b = append(b, '/')
		b = append(b, h.path...)
		b = append(b, ':')
		b = strconv.AppendInt(b, int64(h.mode), 10)
	}
	b = append(b, '|')
	for _, c := range cs {
		b = strconv.AppendInt(b, int64(c), 10)
		b = append(b, ' ')
	}
	b = append(b, '|')
	b = appendKeys(b, s.deferred, ids)
	b = append(b, '|')
	b = appendKeys(b, s.released, ids)
	b = strconv.AppendBool(b, s.unknown)
	return string(b)
}

// appendKeys appends the locks of set to b, sorted, as numbered by ids.
func appendKeys(b []byte, set map[lockKey]bool, ids valueIDs) []byte {
	type key struct {
		id   int
		path string
	}
	ks := make([]key, 0, len(set))
	for k := range set {
		ks = append(ks, key{ids.of(k.base), k.path})
	}
	slices.SortFunc(ks, func(a, b key) int { return cmp.Or(cmp.Compare(a.id, b.id), strings.Compare(a.path, b.path)) })
	for _, k := range ks {
		b = strconv.AppendInt(b, int64(k.id), 10)
		b = append(b, '/')
		b = append(b, k.path...)
		b = append(b, ' ')
	}
	return b
}

// testedAgain returns the keys (see condKey) of the conditions that a path
// of fn may test more than once: those of two branches, or of a branch in
// a loop. The outcome of another condition never decides a later branch.
func testedAgain(fn *ssa.Function) map[any]bool {
	count := map[any]int{}
	for _, b := range fn.Blocks {
		if iff, ok := b.Instrs[len(b.Instrs)-1].(*ssa.If); ok {
			cond, _ := unwrapNot(iff.Cond)
			key := condKey(cond)
			count[key]++
			if inLoop(b) {
				count[key]++
			}
		}
	}
	tested := map[any]bool{}
	for k, n := range count {
		if n > 1 {
			tested[k] = true
		}
	}
	return tested
}

// inLoop reports whether a path from b leads back to b.
func inLoop(b *ssa.BasicBlock) bool {
	seen := map[*ssa.BasicBlock]bool{}
	stack := slices.Clone(b.Succs)
	for len(stack) > 0 {
		x := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if x == b {
			return true
		}
		if !seen[x] {
			seen[x] = true
			stack = append(stack, x.Succs...)
		}
	}
	return false
}

// valueIDs numbers the values (and other comparable keys) of lock states,
// in the order first seen.
type valueIDs map[any]int

func (ids valueIDs) of(v any) int {
	id, ok := ids[v]
	if !ok {
		id = len(ids)
		ids[v] = id
	}
	return id
}
