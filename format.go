package leakhound

import (
	"fmt"
	"strings"
)

// Text formats the finding for a person: what leaked and why, where it is
// now, and where it was created, so the leak can be understood in one glance.
func (f *Finding) Text() string {
	var b strings.Builder
	count := ""
	if f.Count > 1 {
		count = fmt.Sprintf("%d x ", f.Count)
	}
	fmt.Fprintf(&b, "%s%s %s (%s, %s)", count, f.Resource, f.Reason, f.Certainty, f.ID)
	if f.Test != "" {
		fmt.Fprintf(&b, " in %s", f.Test)
	}
	if f.Message != "" {
		fmt.Fprintf(&b, "\n  %s", f.Message)
	}
	if f.Wait != "" {
		fmt.Fprintf(&b, "\n  waiting: %s", f.Wait)
	}
	if f.Detail != "" {
		fmt.Fprintf(&b, "\n  detail: %s", f.Detail)
	}
	if f.RetainedBytes > 0 {
		fmt.Fprintf(&b, "\n  retains: %d bytes", f.RetainedBytes)
	}
	if f.Pos != "" {
		fmt.Fprintf(&b, "\n  at %s", f.Pos)
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
