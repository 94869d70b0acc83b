package goroutineleak

import "golang.org/x/tools/go/ssa"

func (c *checker) syncBlocking(call *ssa.Call) *site { return nil }
