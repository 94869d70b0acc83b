package verdict

import (
	"errors"
	"slices"
	"strings"

	"github.com/leakhound/leakhound/internal/heapdump"
	"github.com/leakhound/leakhound/internal/retain"
	"github.com/leakhound/leakhound/internal/stack"
	"github.com/leakhound/leakhound/report"
)

// anyProvable reports whether leak detection could mark a goroutine of gs.
// When none can be marked, the heap need not be dumped before detection:
// it can still be dumped afterwards.
func anyProvable(gs []stack.Goroutine) bool {
	return slices.ContainsFunc(gs, func(g stack.Goroutine) bool {
		return !g.Leaked && stack.ClassifyWait(g.State) == stack.Provable
	})
}

// heapSnapshot is a heap dump taken at most once per verdict.
type heapSnapshot struct {
	dump *heapdump.Dump
	err  error
}

// take dumps and parses the heap, unless it was done already. The Go runtime
// aborts the process (fatal error "dumpgs in STW - bad status") when it dumps
// the heap of a process that has goroutines marked leaked by the collector's
// leak detection, so take refuses in that case.
func (h *heapSnapshot) take() {
	if h.dump != nil || h.err != nil {
		return
	}
	detectMu.Lock()
	defer detectMu.Unlock()
	d, err := Dump()
	if err != nil {
		h.err = err
		return
	}
	for _, g := range d.Goroutines {
		if g.Leaked {
			h.err = errors.New("goroutines of this process were already proven leaked, and the Go runtime cannot dump the heap after that (it aborts): measure in a process where RetainedBytes is used by the first check")
			return
		}
	}
	h.dump, h.err = heapdump.CaptureParsed()
}

// fill sets the retained size of every goroutine finding (ids: the
// goroutines of each), or says in its detail why it could not be measured.
func (h *heapSnapshot) fill(fs []report.Finding, ids [][]int64) {
	var groups [][]int64
	var idx []int
	for i := range fs {
		if len(ids[i]) > 0 {
			groups = append(groups, ids[i])
			idx = append(idx, i)
		}
	}
	if len(groups) == 0 {
		return
	}
	err := h.err
	var res []retain.Result
	if err == nil {
		res, err = retain.Goroutines(h.dump, groups)
	}
	for k, i := range idx {
		if err != nil {
			fs[i].Detail += "; retained memory not measured: " + err.Error()
			continue
		}
		fs[i].RetainedBytes = res[k].Bytes
		if top := topRetained(res[k].Top, 3); top != "" {
			fs[i].Detail += "; retains " + top
		}
	}
}

// topRetained formats the n largest parts of a retained size:
// "unknown (no pointers) 50.0 MiB, os.File 1.2 KiB".
func topRetained(top []retain.TypeSize, n int) string {
	var parts []string
	for _, t := range top[:min(n, len(top))] {
		parts = append(parts, t.Name+" "+report.ByteSize(t.Bytes))
	}
	return strings.Join(parts, ", ")
}
