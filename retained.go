package leakhound

// RetainedBytes fills [Finding.RetainedBytes] of goroutine findings: the heap
// memory reachable from the leaked goroutines' stacks and from no other root,
// so that the expensive leaks can be fixed first. The largest parts are
// named in [Finding.Detail].
//
// It costs a heap dump: the runtime stops the world while it writes the whole
// heap to a temporary file, which is then analysed (see docs/retained.md for
// measured times and memory). The dump is taken at most once per verdict,
// only when goroutines are left at its end, and before the collector's leak
// detection marks any goroutine when one of them waits where it could be
// proven leaked: the Go runtime (1.26 and 1.27) cannot dump the heap of a
// process with goroutines marked leaked. Retained memory can therefore be
// measured only by the first verdict of a process that proves a leak; when
// the memory cannot be measured, the finding's detail says why.
func RetainedBytes() Option {
	return optionFunc(func(o *options) { o.Retained = true })
}
