// Package retain computes how much heap memory goroutines keep alive, from a
// heap dump: the retained size of a set of goroutines is the number of bytes
// of heap objects that are reachable from those goroutines and from no other
// root, the measure heap analyzers such as Eclipse MAT call retained size.
//
// The object graph has a super root whose children are every root of the
// program: pointer slots of the data and bss segments, the objects that
// registered finalizers reference, finalizer closures, queued finalizers,
// and every goroutine. A goroutine's roots are the pointer slots of its
// stack (see [stackPointers]), its closure context, its deferred closures, its panic
// values and its own runtime record (the g), which it owns: pointers to a
// g from elsewhere (the runtime's list of all goroutines, wait queues) are
// not followed, so memory reachable only through a g is the goroutine's.
//
// A set of goroutines is merged into one virtual node under the super root;
// the objects that node dominates (every path from the super root to them
// passes through it) are what the set retains.
package retain

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"path"
	"slices"
	"strings"

	"github.com/leakhound/leakhound/internal/heapdump"
)

// TopTypes is the most entries [Result.Top] holds.
const TopTypes = 10

// Result is what one set of goroutines keeps alive.
type Result struct {
	// Bytes is the heap memory (objects rounded to their size class) that
	// only these goroutines keep reachable.
	Bytes int64
	// Objects is the number of heap objects in Bytes.
	Objects int
	// Top lists where Bytes goes, largest first, at most TopTypes entries.
	Top []TypeSize
	// Goroutines is how many of the set's goroutine IDs are in the dump (a
	// goroutine that exited before the dump was written is missing).
	Goroutines int
	// StackBytes is the size of the goroutines' stack frames, not in Bytes.
	StackBytes int64
}

// TypeSize is part of a retained size, by kind of object. Heap dumps do not
// record the types of objects, so Name is the best the dump tells:
//
//	"os.File"                                  type known from an interface value pointing to the object
//	"runtime.g (goroutine record)"             the runtime's record of a goroutine of the set
//	"allocated at main.worker (main.go:17)"    the heap profiler sampled the object's allocation
//	"unknown (no pointers)"                    an object without pointers: []byte or string data,
//	                                           arrays and slices of numbers, structs of numbers
//	"unknown (pointers)"                       any other object (structs, maps, slices of pointers)
type TypeSize struct {
	Name    string
	Bytes   int64
	Objects int
}

// Goroutines returns, for each group of goroutine IDs, the memory that group
// keeps alive (see the package documentation). Groups may overlap: groups
// that share a goroutine are computed in separate passes over the graph.
// An ID missing from the dump is left out and not counted in
// [Result.Goroutines].
func Goroutines(d *heapdump.Dump, groups [][]int64) ([]Result, error) {
	if d == nil {
		return nil, errors.New("retained size: no heap dump")
	}
	if d.Objects.Len() > math.MaxInt32-len(groups)-1 {
		return nil, fmt.Errorf("retained size: %d objects is too many", d.Objects.Len())
	}
	byID := make(map[int64]int, len(d.Goroutines))
	for i, g := range d.Goroutines {
		byID[g.ID] = i
	}
	// Resolve IDs to goroutine indices, without duplicates.
	members := make([][]int, len(groups))
	for k, ids := range groups {
		seen := map[int]bool{}
		for _, id := range ids {
			if i, ok := byID[id]; ok && !seen[i] {
				seen[i] = true
				members[k] = append(members[k], i)
			}
		}
	}
	results := make([]Result, len(groups))
	for _, pass := range passes(members) {
		analyze(d, members, pass, results)
	}
	return results, nil
}

// passes splits groups into passes of groups that share no goroutine.
func passes(members [][]int) [][]int {
	var out [][]int
	var used []map[int]bool
	for k, m := range members {
		placed := false
		for p := range out {
			if !slices.ContainsFunc(m, func(g int) bool { return used[p][g] }) {
				out[p] = append(out[p], k)
				for _, g := range m {
					used[p][g] = true
				}
				placed = true
				break
			}
		}
		if !placed {
			u := map[int]bool{}
			for _, g := range m {
				u[g] = true
			}
			out = append(out, []int{k})
			used = append(used, u)
		}
	}
	return out
}

// heapGraph is the object graph: node 0 is the super root, nodes 1..len(pass)
// are the groups of the pass, and object i is node base+i.
type heapGraph struct {
	d       *heapdump.Dump
	base    int32
	virtual [][]int32 // successors of the root and the group nodes
	owned   []uint64  // bit set of objects that are a goroutine's g record
}

func (h *heapGraph) numNodes() int { return int(h.base) + h.d.Objects.Len() }

func (h *heapGraph) succ(v int32) ([]int32, int32) {
	if v < h.base {
		return h.virtual[v], 0
	}
	return h.d.Objects.Edges(v - h.base), h.base
}

// skip ignores pointers from heap objects to a goroutine's g record; the
// goroutine's own node (or the root's) still reaches it.
func (h *heapGraph) skip(v, t int32) bool {
	return v >= h.base && h.isG(t-h.base)
}

// isG reports whether object o is a goroutine's g record.
func (h *heapGraph) isG(o int32) bool { return h.owned[o/64]&(1<<(o%64)) != 0 }

func analyze(d *heapdump.Dump, members [][]int, pass []int, results []Result) {
	h := &heapGraph{d: d, base: int32(1 + len(pass))}
	h.virtual = make([][]int32, h.base)
	h.owned = make([]uint64, (d.Objects.Len()+63)/64)
	groupOf := make(map[int]int32, len(d.Goroutines)) // goroutine index -> node
	for k, gi := range pass {
		for _, g := range members[gi] {
			groupOf[g] = int32(1 + k)
		}
		h.virtual[0] = append(h.virtual[0], int32(1+k))
	}
	obj := func(addr uint64) int32 {
		if i := d.Objects.Find(addr); i >= 0 {
			return i + h.base
		}
		return -1
	}
	add := func(node int32, objs ...int32) {
		for _, o := range objs {
			if o >= 0 {
				h.virtual[node] = append(h.virtual[node], o)
			}
		}
	}
	addAll := func(node int32, objs []int32) {
		for _, o := range objs {
			h.virtual[node] = append(h.virtual[node], o+h.base)
		}
	}
	addAll(0, d.Data.Pointers)
	addAll(0, d.BSS.Pointers)
	for _, r := range d.OtherRoots {
		add(0, obj(r.Pointer))
	}
	for _, f := range d.Finalizers {
		// The runtime keeps what a finalized object points to alive, and
		// the finalizer closure, but not the object itself.
		if o := d.Objects.Find(f.Object); o >= 0 {
			addAll(0, d.Objects.Edges(o))
		}
		add(0, obj(f.FuncVal))
	}
	for _, f := range d.Queued {
		add(0, obj(f.Object), obj(f.FuncVal))
	}
	var stackBytes = make([]int64, len(h.virtual))
	for gi, g := range d.Goroutines {
		node := groupOf[gi] // 0, the root, unless in a group
		if o := d.Objects.Find(g.Addr); o >= 0 {
			h.owned[o/64] |= 1 << (o % 64)
			add(node, o+h.base)
		}
		add(node, obj(g.Ctxt))
		addAll(node, stackPointers(&g))
		for _, f := range g.Frames {
			stackBytes[node] += int64(f.Size)
		}
		for _, df := range g.Defers {
			add(node, obj(df.FuncVal))
		}
		for _, p := range g.Panics {
			add(node, obj(p.ArgData))
		}
	}

	t := dominators(h)

	// owner[i] is the group node dominating preorder node i, or 0.
	owner := make([]int32, len(t.vert))
	acc := make([]map[string]*TypeSize, len(h.virtual))
	for i, v := range t.vert {
		switch {
		case i == 0:
			continue
		case v < h.base:
			owner[i] = v
			continue
		default:
			owner[i] = owner[t.idom[i]]
		}
		k := owner[i]
		if k == 0 {
			continue
		}
		o := v - h.base
		r := &results[pass[k-1]]
		size := int64(d.Objects.Size(o))
		r.Bytes += size
		r.Objects++
		if acc[k] == nil {
			acc[k] = map[string]*TypeSize{}
		}
		name := gRecord
		if !h.isG(o) {
			name = label(d, o)
		}
		ts := acc[k][name]
		if ts == nil {
			ts = &TypeSize{Name: name}
			acc[k][name] = ts
		}
		ts.Bytes += size
		ts.Objects++
	}
	for k, gi := range pass {
		r := &results[gi]
		r.Goroutines = len(members[gi])
		r.StackBytes = stackBytes[k+1]
		r.Top = top(acc[k+1])
	}
}

// stackPointers returns the heap objects a goroutine's stack keeps alive,
// the way the garbage collector finds them: the live pointer slots of each
// frame, by its pointer map, and the contents of every address-taken
// variable kept on the stack (a "stack object", which the pointer maps leave
// out) that a live pointer reaches. The dump does not say where stack objects
// start and end, so a stack object is scanned conservatively from the word a
// pointer reaches to the next live pointer slot or the end of its frame: such
// a region may hold stale words, which can add memory that is really garbage
// or, when the stale word is in another goroutine's stack, hide memory that
// the goroutine retains.
func stackPointers(g *heapdump.Goroutine) []int32 {
	var out, _ = traceStack(g)
	return out
}

func traceStack(g *heapdump.Goroutine) (heap []int32, scanned int) {
	var work []uint64 // stack addresses reached
	visit := func(w heapdump.Word) {
		if w.Obj >= 0 {
			heap = append(heap, w.Obj)
		} else {
			work = append(work, w.Val)
		}
	}
	for _, f := range g.Frames {
		for _, w := range f.Words {
			if w.Precise {
				visit(w)
			}
		}
	}
	done := make([][]bool, len(g.Frames))
	for len(work) > 0 {
		a := work[len(work)-1]
		work = work[:len(work)-1]
		fi := frameAt(g.Frames, a)
		if fi < 0 {
			continue
		}
		f := &g.Frames[fi]
		if done[fi] == nil {
			done[fi] = make([]bool, len(f.Words))
		}
		start, _ := slices.BinarySearchFunc(f.Words, a-f.SP, func(w heapdump.Word, off uint64) int {
			return cmp.Compare(uint64(w.Off), off)
		})
		// A stack object ends before the next slot of the pointer map
		// (live pointer slots are never inside stack objects) or at the end
		// of the frame. Scans that start inside a region end at the same
		// place, so the first word already scanned ends this one.
		for i := start; i < len(f.Words) && !done[fi][i]; i++ {
			w := f.Words[i]
			if w.Precise && i > start || w.Precise && uint64(w.Off) != a-f.SP {
				break
			}
			done[fi][i] = true
			scanned++
			visit(w)
		}
	}
	return heap, scanned
}

// frameAt returns the index of the frame holding stack address a, or -1.
func frameAt(frames []heapdump.Frame, a uint64) int {
	for i, f := range frames {
		if a >= f.SP && a-f.SP < f.Size {
			return i
		}
	}
	return -1
}

func top(m map[string]*TypeSize) []TypeSize {
	out := make([]TypeSize, 0, len(m))
	for _, ts := range m {
		out = append(out, *ts)
	}
	slices.SortFunc(out, func(a, b TypeSize) int {
		if c := cmp.Compare(b.Bytes, a.Bytes); c != 0 {
			return c
		}
		return strings.Compare(a.Name, b.Name)
	})
	if len(out) > TopTypes {
		out = out[:TopTypes]
	}
	return out
}

// gRecord names a goroutine's runtime record.
const gRecord = "runtime.g (goroutine record)"

// label names object o as well as the dump allows; see [TypeSize].
func label(d *heapdump.Dump, o int32) string {
	if t := d.TypeOf(o); t != "" {
		return t
	}
	for _, f := range d.AllocStack(o) {
		if !strings.HasPrefix(f.Func, "runtime.") {
			return fmt.Sprintf("allocated at %s (%s:%d)", f.Func, path.Base(f.File), f.Line)
		}
	}
	if d.Objects.HasPointers(o) {
		return "unknown (pointers)"
	}
	return "unknown (no pointers)"
}
