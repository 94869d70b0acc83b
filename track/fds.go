package track

import (
	"runtime"
	"slices"
	"strings"
	"time"
	"unsafe"

	"github.com/leakhound/leakhound/internal/fdtable"
	"github.com/leakhound/leakhound/report"
)

// fdKind is the resource of a descriptor below package os: one that no
// os.File, net connection or listener owns.
const fdKind = "fd"

// fdKeyBit keeps the keys of descriptor records apart from addresses and
// from the other keys (os/exec's second bit, database/sql's and HTTP/2's
// top bits).
const fdKeyBit = 1 << (8*unsafe.Sizeof(uintptr(0)) - 3)

// fdKey is the key of the record of descriptor fd in the table of open
// resources.
func fdKey(fd int) uintptr { return fdKeyBit | uintptr(fd) }

// procRoot is where the descriptor table is read (Linux).
const procRoot = "/proc"

// fdOpened runs when package syscall hands out descriptor fd (Open,
// Socket, Accept, Pipe, Dup...): it is recorded with the stack that opened
// it and the test that owns the caller, until syscall.Close.
func (t *tracker) fdOpened(fd int) {
	t.opened(fdKind, fdKey(fd), fd, "", nil, nil)
	t.mu.Lock()
	delete(t.fdReported, fd)
	t.mu.Unlock()
}

// fdClosed runs when syscall.Close closes fd.
func (t *tracker) fdClosed(fd int) {
	t.mu.Lock()
	delete(t.open, fdKey(fd))
	delete(t.fdReported, fd)
	t.mu.Unlock()
}

// cover marks descriptor fd as owned by a tracked resource (an os.File, a
// net connection or listener) that is reported by its own rules: the
// record of fd is kept, so that fd is known, but never reported. t.mu is
// held.
func (t *tracker) cover(fd int) {
	if !t.recordFds || fd < 0 {
		return
	}
	r := t.open[fdKey(fd)]
	if r == nil {
		r = &entry{kind: fdKind, fd: fd}
		t.open[fdKey(fd)] = r
	}
	r.covered = true
	r.pcs = nil // never reported: its owner is
}

// reportable reports whether e, still open, is a leak: any resource but a
// descriptor record, or the record of a descriptor no tracked resource owns
// that the program itself opened (the standard library's own, such as the
// pipes io.Copy keeps for splicing, are its business). t.mu is held.
func reportable(e *entry) bool {
	if e.kind != fdKind {
		return true
	}
	if e.covered {
		return false
	}
	if e.byStd == 0 {
		e.byStd = 2
		if openedByStd(e.pcs) {
			e.byStd = 1
		}
	}
	return e.byStd == 2
}

// openedByStd reports whether the function that called package syscall to
// open a descriptor is in the standard library (or cannot be told).
func openedByStd(pcs []uintptr) bool {
	frames := symbolize(pcs)
	i := 0
	for i < len(frames) && pkgOf(frames[i].Func) != "syscall" {
		i++
	}
	for i < len(frames) && pkgOf(frames[i].Func) == "syscall" {
		i++
	}
	return i == len(frames) || isStd(frames[i])
}

// readFds reads the descriptor table, or returns nil where it cannot be
// read (not Linux: not supported yet).
func readFds() map[int]fdtable.FD {
	tab, err := fdtable.Read(procRoot)
	if err != nil {
		return nil
	}
	m := make(map[int]fdtable.FD, len(tab.FDs))
	for _, fd := range tab.FDs {
		m[fd.Num] = fd
	}
	return m
}

// fdNumbers returns the descriptors open now, or nil where they cannot be
// listed.
func fdNumbers() map[int]bool {
	nums, err := fdtable.Numbers(procRoot)
	if err != nil {
		return nil
	}
	return nums
}

// describeFds completes the descriptor records among entries with what the
// descriptor table says they are, and drops those no longer open (closed
// by a call package syscall does not see, such as golang.org/x/sys/unix's
// Close); the others are kept as they are. With tab nil (no table), records
// are kept undescribed.
func describeFds(entries []*entry, tab map[int]fdtable.FD) []*entry {
	out := entries[:0]
	for _, e := range entries {
		if e.kind == fdKind && tab != nil {
			fd, ok := tab[e.fd]
			if !ok {
				continue
			}
			e.name = describeFd(fd)
		}
		out = append(out, e)
	}
	return out
}

// describeFd says what a descriptor is: "tcp 127.0.0.1:41234 ->
// 127.0.0.1:5432", "unix /run/x.sock", a file's path, "pipe", "epoll",
// "eventfd", "inotify"...
func describeFd(fd fdtable.FD) string {
	switch fd.Kind {
	case "tcp", "tcp6", "udp", "udp6":
		s := fd.Kind + " " + fd.Local
		if fd.Remote != "" && !strings.HasSuffix(fd.Remote, ":0") {
			s += " -> " + fd.Remote
		}
		if fd.State == "LISTEN" {
			s += " (listening)"
		}
		return s
	case "unix":
		return strings.TrimSpace("unix " + fd.Local)
	case "file", "device":
		return fd.Target
	case "anon":
		return strings.Trim(strings.TrimPrefix(fd.Target, "anon_inode:"), "[]")
	}
	return fd.Kind
}

// newFds returns, as open-at-end entries of owner, the descriptors of tab
// that were not open at since, that no record or tracked resource holds and
// that were not reported before, and marks them reported. Process
// descriptors (pidfd) are left out: os/exec.Cmd reports a command not
// waited for. t.mu is held.
func (t *tracker) newFds(tab map[int]fdtable.FD, since map[int]bool, owner uint64) []*entry {
	held := t.heldFds()
	var out []*entry
	var buf [maxDepth]uintptr
	found := buf[:runtime.Callers(3, buf[:])]
	for n, fd := range tab {
		if since[n] || held[n] || t.fdReported[n] || fd.Target == "anon_inode:[pidfd]" {
			continue
		}
		t.fdReported[n] = true
		out = append(out, &entry{kind: fdKind, fd: n, name: describeFd(fd), owner: owner, test: t.names[owner], foundAt: slices.Clone(found)})
	}
	return out
}

// heldFds returns the descriptors that records and tracked resources hold.
// t.mu is held.
func (t *tracker) heldFds() map[int]bool {
	held := map[int]bool{}
	for _, e := range t.open {
		if e.fd >= 0 {
			held[e.fd] = true
		}
	}
	return held
}

// anyNewFd reports whether a descriptor is open that was not at since,
// that nothing holds and that was not reported, after giving such
// descriptors until deadline to be closed (a server's goroutine closing
// the connection its test's client just closed; the test's tracked
// resources had the same grace, so a leaking test waits for both at once,
// not one after the other): only then is the
// descriptor table (a readlink per descriptor, the kernel's socket tables)
// worth reading at the end of a test. Listing the numbers is one directory
// read. When they cannot be listed, it says true: the caller reads the
// table, which says what it can.
func (t *tracker) anyNewFd(since map[int]bool, deadline time.Time) bool {
	for step := time.Millisecond; ; step = min(2*step, 20*time.Millisecond) {
		nums := fdNumbers()
		if nums == nil {
			return true
		}
		if !t.unheld(nums, since) {
			return false
		}
		if time.Now().After(deadline) {
			return true
		}
		time.Sleep(step)
	}
}

// unheld reports whether nums holds a descriptor not in since that nothing
// holds and that was not reported.
func (t *tracker) unheld(nums, since map[int]bool) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	held := t.heldFds()
	for n := range nums {
		if !since[n] && !held[n] && !t.fdReported[n] {
			return true
		}
	}
	return false
}

// fdFinding completes f, the finding of descriptor e: its message, and
// suspected when nothing recorded who opened it, with the stack that found
// it open (the end of its test, or the program's exit) in place of an
// origin.
func fdFinding(f *report.Finding, e *entry) {
	if e.pcs == nil {
		f.Certainty = report.Suspected
		f.Origin = []report.Frame{}
		stack := symbolize(e.foundAt)
		for len(stack) > 1 && strings.Contains(stack[0].Func, "leakhound/track.") {
			stack = stack[1:] // the tracker's own frames
		}
		f.Stack = trimRunner(stack)
		f.ID = report.FindingID(f.Kind, f.Reason, f.Origin)
		f.Message = "descriptor opened while its test or program ran, by code leakhound does not see (golang.org/x/sys/unix, cgo, a raw system call), was still open when it ended, owned by no os.File or net connection: find who opens it and close it, or wrap it with os.NewFile and close that"
		return
	}
	f.Message = "descriptor opened here was still open when its test or program ended, owned by no os.File or net connection (no finalizer will ever close it): close it with syscall.Close when done, or wrap it with os.NewFile and close that"
}
