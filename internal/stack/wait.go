package stack

import (
	"strconv"
	"strings"
)

// WaitClass says what a goroutine waits for, from its wait reason or status
// as a dump prints it (Goroutine.State).
type WaitClass int

// The classes of the runtime's wait reasons and statuses (runtime2.go and
// traceback.go, Go 1.26 and 1.27).
const (
	// WaitUnknown is the empty wait: the source did not say (debug=1
	// profiles, stacks without a known blocking call).
	WaitUnknown WaitClass = iota
	// Running is "running", "runnable" and "syscall": the goroutine runs
	// or is ready to, or is in a system call.
	Running
	// Provable is a wait on another goroutine that the collector's leak
	// detection (goroutineleak) can prove will never end: the runtime's
	// wait reasons from "chan receive (nil chan)" to "sync.WaitGroup.Wait"
	// ("chan send", "select", "sync.Mutex.Lock"...). The collector marks
	// goroutines in no other class.
	Provable
	// Blocked is any other wait on another goroutine, which the collector
	// does not prove: "semacquire", and the " (durable)" channel, select
	// and sync waits of a synctest bubble.
	Blocked
	// Sleeping is "sleep": time.Sleep, or a bubble's durable sleep.
	Sleeping
	// IOWait is "IO wait": a read, write, accept or connect waiting on the
	// network poller.
	IOWait
	// OtherWait is every other wait: the runtime's own ("GC worker
	// (idle)", "finalizer wait"), "preempted", and reasons newer than this
	// list.
	OtherWait
)

// ClassifyWait returns the class of a wait reason or status as a dump
// prints it, without " (leaked)" ("chan receive", "IO wait", "running").
func ClassifyWait(wait string) WaitClass {
	switch wait {
	case "":
		return WaitUnknown
	case "running", "runnable", "syscall":
		return Running
	case "chan receive (nil chan)", "chan send (nil chan)", "select (no cases)", "select",
		"chan receive", "chan send", "sync.Cond.Wait", "sync.Mutex.Lock",
		"sync.RWMutex.RLock", "sync.RWMutex.Lock", "sync.WaitGroup.Wait":
		return Provable
	case "sleep", "sleep (durable)":
		return Sleeping
	case "IO wait":
		return IOWait
	}
	for _, p := range [...]string{"chan ", "select", "sync.", "semacquire"} {
		if strings.HasPrefix(wait, p) {
			return Blocked
		}
	}
	return OtherWait
}

// Parked reports whether a goroutine of class c is parked: known to wait,
// so it runs again only when something else wakes it. Running and
// WaitUnknown are not.
func (c WaitClass) Parked() bool {
	return c != WaitUnknown && c != Running
}

// WaitsOnGoroutine reports whether c is a wait that only another goroutine
// can end (a channel, select or sync primitive): Provable or Blocked.
func (c WaitClass) WaitsOnGoroutine() bool {
	return c == Provable || c == Blocked
}

// String returns the name of the class: "provable", "io wait"...
func (c WaitClass) String() string {
	switch c {
	case WaitUnknown:
		return "unknown"
	case Running:
		return "running"
	case Provable:
		return "provable"
	case Blocked:
		return "blocked"
	case Sleeping:
		return "sleeping"
	case IOWait:
		return "io wait"
	case OtherWait:
		return "other wait"
	}
	return "WaitClass(" + strconv.Itoa(int(c)) + ")"
}
