package heapdump

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"slices"
)

const (
	pageShift = 13      // granularity of the address index
	maxPages  = 1 << 26 // larger arena ranges (or fewer objects) fall back to binary search
)

// finish sorts the objects, turns raw pointer values into object indices and
// attaches defers, panics, samples and type hints.
func (p *parser) finish() error {
	n := p.addr.len()
	if n > math.MaxInt32 {
		return fmt.Errorf("heap dump has %d objects, more than %d supported", n, math.MaxInt32)
	}
	perm := make([]int32, n)
	for i := range perm {
		perm[i] = int32(i)
	}
	slices.SortFunc(perm, func(a, b int32) int {
		return cmp.Compare(p.addr.at(int(a)), p.addr.at(int(b)))
	})
	o := &p.d.Objects
	o.addr = make([]uint64, n)
	o.size = make([]uint64, n)
	o.noscan = make([]uint64, (n+63)/64)
	for i, old := range perm {
		o.addr[i], o.size[i] = p.addr.at(int(old)), p.size.at(int(old))
		if p.noscan.at(int(old)) {
			o.noscan[i/64] |= 1 << (i % 64)
		}
	}
	p.addr, p.size, p.noscan = column[uint64]{}, column[uint64]{}, column[bool]{}
	for i := 1; i < n; i++ {
		if o.addr[i] < o.addr[i-1]+o.size[i-1] {
			return fmt.Errorf("heap dump: object at %#x overlaps object at %#x", o.addr[i], o.addr[i-1])
		}
	}
	ix := newIndex(o, p.d.Params.ArenaStart, p.d.Params.ArenaEnd)

	o.edgeStart = make([]uint32, n+1)
	edges := make([]int32, 0, p.raw.len()) // every raw pointer makes at most one edge
	for i, old := range perm {
		start, end := uint32(0), p.edgeEnd.at(int(old))
		if old > 0 {
			start = p.edgeEnd.at(int(old) - 1)
		}
		for k := start; k < end; k++ {
			if j := ix.find(p.raw.at(int(k))); j >= 0 {
				edges = append(edges, j)
			}
		}
		o.edgeStart[i+1] = uint32(len(edges))
	}
	o.edges = edges
	p.raw, p.edgeEnd, perm = column[uint64]{}, column[uint32]{}, nil

	d := p.d
	for gi := range d.Goroutines {
		for fi := range d.Goroutines[gi].Frames {
			f := &d.Goroutines[gi].Frames[fi]
			for wi := range f.Words {
				w := &f.Words[wi]
				w.Obj = ix.find(w.Val)
				if w.Precise && w.Obj >= 0 {
					f.Pointers = append(f.Pointers, w.Obj)
				}
			}
		}
	}
	d.Data.Pointers = ix.findAll(p.dataRaw)
	d.BSS.Pointers = ix.findAll(p.bssRaw)

	byAddr := make(map[uint64]int, len(d.Goroutines))
	for i, g := range d.Goroutines {
		byAddr[g.Addr] = i
	}
	var errs []error
	for _, x := range p.defers {
		i, ok := byAddr[x.g]
		if !ok {
			errs = append(errs, fmt.Errorf("defer record %#x names unknown goroutine %#x", x.v.Addr, x.g))
			continue
		}
		d.Goroutines[i].Defers = append(d.Goroutines[i].Defers, x.v)
	}
	for _, x := range p.panics {
		i, ok := byAddr[x.g]
		if !ok {
			errs = append(errs, fmt.Errorf("panic record %#x names unknown goroutine %#x", x.v.Addr, x.g))
			continue
		}
		d.Goroutines[i].Panics = append(d.Goroutines[i].Panics, x.v)
	}
	if len(errs) > 0 {
		return fmt.Errorf("heap dump: %w", errors.Join(errs...))
	}
	for _, s := range p.sampleRaw {
		if j := ix.find(s.Addr); j >= 0 {
			d.sampled[j] = s.Bucket
		}
	}
	d.Samples = p.sampleRaw
	for _, h := range p.hints {
		if j := ix.find(h.target); j >= 0 {
			if _, ok := d.typeHint[j]; !ok {
				d.typeHint[j] = h.typ
			}
		}
	}
	return nil
}

// index finds the object containing an address quickly: first[k] is the
// first object whose address is at or above page k of the arena.
type index struct {
	o     *Objects
	start uint64
	first []int32
}

func newIndex(o *Objects, start, end uint64) *index {
	ix := &index{o: o, start: start}
	pages := (end - start) >> pageShift
	if end <= start || pages > maxPages || pages > 4*uint64(len(o.addr))+1024 {
		return ix // binary search over all objects is good enough
	}
	ix.first = make([]int32, pages+2)
	j := 0
	for k := range ix.first {
		pageAddr := start + uint64(k)<<pageShift
		for j < len(o.addr) && o.addr[j] < pageAddr {
			j++
		}
		ix.first[k] = int32(j)
	}
	return ix
}

// find returns the index of the object containing addr, or -1.
func (ix *index) find(addr uint64) int32 {
	lo, hi := 0, len(ix.o.addr) // the answer is the last object at or below addr, in [lo, hi)
	if ix.first != nil && addr >= ix.start {
		k := (addr - ix.start) >> pageShift
		if k+1 < uint64(len(ix.first)) {
			lo, hi = max(int(ix.first[k])-1, 0), int(ix.first[k+1])
		}
	}
	for lo < hi { // find the first object above addr
		m := int(uint(lo+hi) >> 1)
		if ix.o.addr[m] <= addr {
			lo = m + 1
		} else {
			hi = m
		}
	}
	i := lo - 1
	if i < 0 || addr-ix.o.addr[i] >= ix.o.size[i] {
		return -1
	}
	return int32(i)
}

func (ix *index) findAll(raw []uint64) []int32 {
	var out []int32
	for _, v := range raw {
		if j := ix.find(v); j >= 0 {
			out = append(out, j)
		}
	}
	return out
}
