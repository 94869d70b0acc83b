package stack

import (
	"slices"
	"strings"
	"testing"
)

// waitTests are every wait reason and status of the runtime (runtime2.go
// waitReasonStrings and traceback.go gStatusStrings, Go 1.26 and 1.27), the
// " (durable)" forms a synctest bubble prints, and a few reasons a later Go
// could add.
var waitTests = []struct {
	give string
	want WaitClass
}{
	{"", WaitUnknown},

	{"running", Running},
	{"runnable", Running},
	{"syscall", Running},

	{"chan receive (nil chan)", Provable},
	{"chan send (nil chan)", Provable},
	{"select (no cases)", Provable},
	{"select", Provable},
	{"chan receive", Provable},
	{"chan send", Provable},
	{"sync.Cond.Wait", Provable},
	{"sync.Mutex.Lock", Provable},
	{"sync.RWMutex.RLock", Provable},
	{"sync.RWMutex.Lock", Provable},
	{"sync.WaitGroup.Wait", Provable},

	{"semacquire", Blocked},
	{"chan receive (durable)", Blocked},
	{"chan send (durable)", Blocked},
	{"select (durable)", Blocked},
	{"sync.WaitGroup.Wait (durable)", Blocked},
	{"chan receive (nil chan) (durable)", Blocked},
	{"chan send (nil chan) (durable)", Blocked},
	{"select (no cases) (durable)", Blocked},
	{"sync.Cond.Wait (durable)", Blocked},
	{"sync.Once.Do", Blocked}, // a later sync wait
	{"chan close", Blocked},   // a later channel wait

	{"sleep", Sleeping},
	{"sleep (durable)", Sleeping},

	{"IO wait", IOWait},

	{"GC assist marking", OtherWait},
	{"dumping heap", OtherWait},
	{"garbage collection", OtherWait},
	{"garbage collection scan", OtherWait},
	{"panicwait", OtherWait},
	{"GC assist wait", OtherWait},
	{"GC sweep wait", OtherWait},
	{"GC scavenge wait", OtherWait},
	{"finalizer wait", OtherWait},
	{"force gc (idle)", OtherWait},
	{"GOMAXPROCS updater (idle)", OtherWait},
	{"trace reader (blocked)", OtherWait},
	{"wait for GC cycle", OtherWait},
	{"GC worker (idle)", OtherWait},
	{"GC worker (active)", OtherWait},
	{"preempted", OtherWait},
	{"debug call", OtherWait},
	{"GC mark termination", OtherWait},
	{"stopping the world", OtherWait},
	{"flushing proc caches", OtherWait},
	{"trace goroutine status", OtherWait},
	{"trace proc status", OtherWait},
	{"page trace flush", OtherWait},
	{"coroutine", OtherWait},
	{"coroutine (durable)", OtherWait},
	{"GC weak to strong wait", OtherWait},
	{"synctest.Run", OtherWait},
	{"synctest.Wait", OtherWait},
	{"synctest.Run (durable)", OtherWait},
	{"synctest.Wait (durable)", OtherWait},
	{"cleanup wait", OtherWait},
	{"idle", OtherWait},
	{"waiting", OtherWait},
	{"dead", OtherWait},
	{"copystack", OtherWait},
	{"leaked", OtherWait},
	{"waiting for cgo callback", OtherWait},
	{"unknown wait reason", OtherWait},
}

func TestClassifyWait(t *testing.T) {
	for _, tt := range waitTests {
		if got := ClassifyWait(tt.give); got != tt.want {
			t.Errorf("ClassifyWait(%q) = %v, want %v", tt.give, got, tt.want)
		}
	}
}

// TestClassifyWaitReplaces checks that the expression each caller now uses
// answers as the function it replaced did, for every wait of waitTests.
// The old functions are kept here as they were written.
func TestClassifyWaitReplaces(t *testing.T) {
	// gcqueue.IsBlockingWait: is the goroutine draining a queue stuck in a
	// wait? (agent and tracker finalizer checks)
	gcqueueBlocking := func(state string) bool {
		return state != "" && state != "running" && state != "runnable" && state != "syscall"
	}
	// inspect.IsBlockingWait: does a site count as blocked for ranking?
	inspectBlocking := func(wait string) bool {
		switch {
		case wait == "":
			return true
		case strings.HasPrefix(wait, "chan "), strings.HasPrefix(wait, "select"),
			strings.HasPrefix(wait, "sync."), strings.HasPrefix(wait, "semacquire"):
			return true
		}
		return false
	}
	// verdict's provableWaits: can leak detection mark the goroutine?
	provableWaits := []string{
		"chan receive (nil chan)", "chan send (nil chan)", "select (no cases)", "select",
		"chan receive", "chan send", "sync.Cond.Wait", "sync.Mutex.Lock",
		"sync.RWMutex.RLock", "sync.RWMutex.Lock", "sync.WaitGroup.Wait",
	}
	callers := []struct {
		name string
		old  func(string) bool
		now  func(WaitClass) bool
	}{
		{"gcqueue finalizer stall", gcqueueBlocking, WaitClass.Parked},
		{"inspect.Rank", inspectBlocking, func(c WaitClass) bool { return c == WaitUnknown || c.WaitsOnGoroutine() }},
		{"agent blocked counts", func(w string) bool { return inspectBlocking(w) && w != "" }, WaitClass.WaitsOnGoroutine},
		{"verdict anyProvable", func(w string) bool { return slices.Contains(provableWaits, w) }, func(c WaitClass) bool { return c == Provable }},
	}
	for _, c := range callers {
		for _, tt := range waitTests {
			if old, now := c.old(tt.give), c.now(ClassifyWait(tt.give)); old != now {
				t.Errorf("%s: %q answers %v, was %v", c.name, tt.give, now, old)
			}
		}
	}
}

func TestWaitClassString(t *testing.T) {
	seen := map[string]bool{}
	for c := WaitUnknown; c <= OtherWait; c++ {
		s := c.String()
		if strings.HasPrefix(s, "WaitClass(") || seen[s] {
			t.Errorf("%d.String() = %q: not a name of its own", int(c), s)
		}
		seen[s] = true
	}
	if got := WaitClass(-1).String(); got != "WaitClass(-1)" {
		t.Errorf("WaitClass(-1).String() = %q", got)
	}
}
