package report

import (
	"fmt"
	"strings"
)

// Text formats the finding for a person: what leaked, how sure leakhound is,
// where it is stuck and where it was created, so the leak is understood in
// one glance. The first line reads like
//
//	proven leak: 3 goroutines unreachable-wait (chan receive) in TestServe [id 3da109ec70a7c789]
func (f *Finding) Text() string {
	var b strings.Builder
	what := f.Resource
	if f.Count != 1 {
		what = fmt.Sprintf("%d %ss", f.Count, f.Resource)
	} else if f.Kind == KindGoroutine {
		what = "1 goroutine"
	}
	fmt.Fprintf(&b, "%s leak: %s %s", f.Certainty, what, f.Reason)
	if f.Wait != "" {
		fmt.Fprintf(&b, " (%s)", f.Wait)
	}
	if f.Test != "" {
		fmt.Fprintf(&b, " in %s", f.Test)
	}
	fmt.Fprintf(&b, " [id %s]", f.ID)
	for _, line := range []struct{ label, text string }{
		{"", f.Message},
		{"detail: ", f.Detail},
		{"at ", f.Pos},
	} {
		if line.text != "" {
			fmt.Fprintf(&b, "\n  %s%s", line.label, line.text)
		}
	}
	if f.RetainedBytes > 0 {
		fmt.Fprintf(&b, "\n  retains %s", ByteSize(f.RetainedBytes))
	}
	writeFrames(&b, "stack", f.Stack)
	writeFrames(&b, "created at", f.Origin)
	return b.String()
}

func writeFrames(b *strings.Builder, title string, frames []Frame) {
	if len(frames) == 0 {
		return
	}
	fmt.Fprintf(b, "\n  %s:", title)
	for _, fr := range frames {
		fmt.Fprintf(b, "\n    %s\n        %s:%d", fr.Func, fr.File, fr.Line)
	}
}

// ByteSize formats n bytes with a binary unit: "512 B", "10.0 MiB".
func ByteSize(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}
