package verdict

import (
	"slices"
	"time"

	"github.com/leakhound/leakhound/internal/stack"
)

// settling tells when the goroutines a verdict waits for have stopped
// moving: each parked in a wait that something other than time must end, at
// the same stack, for a while. Goroutines winding down after their test
// move within milliseconds of being told to stop; goroutines that stay put
// for Options.Settle are not winding down, so waiting for MaxWait would
// only delay the same report.
type settling struct {
	since map[int64]parkedAt // goroutine ID → where it is parked, since when
}

// parkedAt is where a goroutine was seen parked, and when it was first seen
// there.
type parkedAt struct {
	state  string
	frames []stack.Frame
	since  time.Time
}

// settled reports whether every goroutine of gs that is not proven leaked
// is parked, at time now, where it was first seen parked at least d ago;
// looks that found it running in between do not matter (a loop that comes
// back to the same wait), a look that found it parked elsewhere restarts
// its clock. A look that finds any goroutine running, runnable, sleeping
// (time.Sleep) or in a wait of unknown class is never settled: a timer or
// the scheduler will move it.
func (s *settling) settled(gs []stack.Goroutine, d time.Duration, now time.Time) bool {
	seen := make(map[int64]parkedAt, len(gs))
	ok := true
	for i := range gs {
		g := &gs[i]
		if g.Leaked {
			continue
		}
		if !staysParked(g.State) {
			// Between two looks at the same wait a loop may run: a
			// ticker's goroutine that comes back to its select is
			// not winding down. Keep where it was parked.
			if p, known := s.since[g.ID]; known {
				seen[g.ID] = p
			}
			ok = false
			continue
		}
		p, known := s.since[g.ID]
		if !known || p.state != g.State || !slices.Equal(p.frames, g.Frames) {
			p = parkedAt{state: g.State, frames: g.Frames, since: now}
		}
		seen[g.ID] = p
		if now.Sub(p.since) < d {
			ok = false
		}
	}
	s.since = seen
	return ok
}

// staysParked reports whether a goroutine in state can stay where it is
// without anything happening: a wait on another goroutine (channel, select,
// sync), on the network poller, or a system call that blocks (a read of a
// descriptor nothing writes). A sleep ends by itself.
func staysParked(state string) bool {
	switch c := stack.ClassifyWait(state); c {
	case stack.Provable, stack.Blocked, stack.IOWait:
		return true
	default:
		return state == "syscall"
	}
}
