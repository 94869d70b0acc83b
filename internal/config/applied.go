package config

import (
	"fmt"
	"io"
)

// PrintApplied prints on w what the ignore rules of c did in a run: how
// many findings they ignored, and each rule that ignored none (a stale
// rule), with its line. hits counts the findings each rule of c.Ignore
// ignored, in order ([policy.Policy.Apply]); nil when no policy applied.
func (c *Config) PrintApplied(w io.Writer, hits []int, ignored int) {
	if ignored > 0 {
		fmt.Fprintf(w, "leakhound: %d finding(s) ignored by the rules of %s\n", ignored, c.Path)
	}
	for i, n := range hits {
		if n == 0 && i < len(c.Ignore) {
			r := c.Ignore[i]
			fmt.Fprintf(w, "leakhound: %s: stale ignore rule: it matched nothing in this run (%q): remove it, or run the packages it is for\n", r.Where, r.Reason)
		}
	}
}
