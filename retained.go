package leakhound

import (
	"fmt"
	"strings"

	"github.com/leakhound/leakhound/internal/heapdump"
	"github.com/leakhound/leakhound/internal/retain"
)

// RetainedBytes fills [Finding.RetainedBytes] of goroutine findings: the heap
// memory reachable from the leaked goroutines' stacks and from no other root,
// so that the expensive leaks can be fixed first. The largest parts are
// named in [Finding.Detail].
//
// It costs a heap dump: the runtime stops the world while it writes the whole
// heap (about a second per gigabyte) to a temporary file, which is then
// analysed. It runs once per verdict that found goroutines, never when the
// verdict is clean.
func RetainedBytes() Option {
	return optionFunc(func(o *options) { o.retained = true })
}

// fillRetained measures what each goroutine finding retains.
func fillRetained(fs []Finding) error {
	var groups [][]int64
	var idx []int
	for i := range fs {
		if len(fs[i].goroutineIDs) > 0 {
			groups = append(groups, fs[i].goroutineIDs)
			idx = append(idx, i)
		}
	}
	if len(groups) == 0 {
		return nil
	}
	d, err := heapdump.CaptureParsed()
	if err != nil {
		return fmt.Errorf("measure retained memory: %w", err)
	}
	res, err := retain.Goroutines(d, groups)
	if err != nil {
		return fmt.Errorf("measure retained memory: %w", err)
	}
	for k, i := range idx {
		fs[i].RetainedBytes = res[k].Bytes
		if top := topRetained(res[k].Top, 3); top != "" {
			fs[i].Detail += "; retains " + top
		}
	}
	return nil
}

// topRetained formats the n largest parts of a retained size:
// "unknown (no pointers) 50.0 MiB, os.File 1.2 KiB".
func topRetained(top []retain.TypeSize, n int) string {
	var parts []string
	for _, t := range top[:min(n, len(top))] {
		parts = append(parts, t.Name+" "+byteSize(t.Bytes))
	}
	return strings.Join(parts, ", ")
}
