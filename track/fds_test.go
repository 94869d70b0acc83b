package track

import (
	"os"
	"os/exec"
	"runtime"
	"testing"
	"time"

	"github.com/leakhound/leakhound/internal/fdtable"
)

func TestDescribeFd(t *testing.T) {
	tests := []struct {
		name string
		give fdtable.FD
		want string
	}{
		{"dialed", fdtable.FD{Kind: "tcp", Local: "127.0.0.1:41234", Remote: "127.0.0.1:5432", State: "ESTABLISHED"}, "tcp 127.0.0.1:41234 -> 127.0.0.1:5432"},
		{"listening", fdtable.FD{Kind: "tcp6", Local: "[::1]:8080", Remote: "[::]:0", State: "LISTEN"}, "tcp6 [::1]:8080 (listening)"},
		{"bound", fdtable.FD{Kind: "udp", Local: "127.0.0.1:9999", Remote: "0.0.0.0:0"}, "udp 127.0.0.1:9999"},
		{"unix", fdtable.FD{Kind: "unix", Local: "/run/x.sock"}, "unix /run/x.sock"},
		{"unnamed unix", fdtable.FD{Kind: "unix"}, "unix"},
		{"file", fdtable.FD{Kind: "file", Target: "/tmp/a b"}, "/tmp/a b"},
		{"device", fdtable.FD{Kind: "device", Target: "/dev/null"}, "/dev/null"},
		{"pipe", fdtable.FD{Kind: "pipe", Target: "pipe:[123]"}, "pipe"},
		{"eventfd", fdtable.FD{Kind: "eventfd", Target: "anon_inode:[eventfd]"}, "eventfd"},
		{"inotify", fdtable.FD{Kind: "anon", Target: "anon_inode:inotify"}, "inotify"},
		{"signalfd", fdtable.FD{Kind: "anon", Target: "anon_inode:[signalfd]"}, "signalfd"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := describeFd(tt.give); got != tt.want {
				t.Errorf("describeFd(%+v) = %q, want %q", tt.give, got, tt.want)
			}
		})
	}
}

func TestProcessState(t *testing.T) {
	if runtime.GOOS != "linux" {
		if got := processState(os.Getpid()); got != "" {
			t.Errorf("processState = %q where /proc is not read, want \"\"", got)
		}
		return
	}
	if got := processState(os.Getpid()); got != "running" {
		t.Errorf("processState(self) = %q, want running", got)
	}
	cmd := exec.Command("true")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Wait()
	got := ""
	for deadline := time.Now().Add(5 * time.Second); got != "zombie" && time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		got = processState(cmd.Process.Pid)
	}
	if got != "zombie" {
		t.Errorf("processState of an exited child not waited for = %q, want zombie", got)
	}
	e := &entry{kind: execKind, local: cmd.Process.Pid}
	if d := withProcessState(e, "true (pid 1)"); d != "true (pid 1, zombie)" {
		t.Errorf("withProcessState = %q, want true (pid 1, zombie)", d)
	}
}

// TestFdRecords checks the records of descriptors: one a tracked resource
// takes over is covered (never reported, its stack dropped), Close drops
// the record, and a descriptor whose opener was not reached through package
// syscall is not taken for the program's.
func TestFdRecords(t *testing.T) {
	tr := newTracker()
	tr.recordFds = true
	tr.fdOpened(1000)
	tr.fdOpened(1001)
	tr.opened("os.File", 0x1000, 1001, "/tmp/x", nil, nil)
	tr.opened("net.TCPConn", 0x2000, 1002, "tcp", nil, nil) // a descriptor nothing recorded

	tr.mu.Lock()
	raw, file, conn := tr.open[fdKey(1000)], tr.open[fdKey(1001)], tr.open[fdKey(1002)]
	tr.mu.Unlock()
	if raw == nil || raw.covered || len(raw.pcs) == 0 {
		t.Fatalf("record of fd 1000 = %+v, want one uncovered, with its opener", raw)
	}
	if file == nil || !file.covered || file.pcs != nil {
		t.Errorf("record of fd 1001 = %+v, want covered by the os.File, without a stack", file)
	}
	if conn == nil || !conn.covered {
		t.Errorf("record of fd 1002 = %+v, want one made covered by the connection", conn)
	}
	tr.mu.Lock()
	got := reportable(raw)
	tr.mu.Unlock()
	if got {
		t.Errorf("fd 1000, opened without package syscall on the stack, is reportable: want it left to the standard library")
	}

	tr.fdClosed(1000)
	tr.fdClosed(1001)
	tr.mu.Lock()
	defer tr.mu.Unlock()
	if tr.open[fdKey(1000)] != nil || tr.open[fdKey(1001)] != nil {
		t.Errorf("records kept after Close")
	}
	if tr.open[0x1000] == nil {
		t.Errorf("the os.File was dropped with its descriptor's record: only os closes it")
	}
}

func TestNewFds(t *testing.T) {
	tr := newTracker()
	tr.recordFds = true
	tr.opened("os.File", 0x1000, 7, "/tmp/x", nil, nil)
	tr.fdOpened(8)
	tr.fdReported[9] = true
	tab := map[int]fdtable.FD{
		3:  {Num: 3, Kind: "epoll", Target: "anon_inode:[eventpoll]"},
		7:  {Num: 7, Kind: "file", Target: "/tmp/x"},
		8:  {Num: 8, Kind: "pipe", Target: "pipe:[1]"},
		9:  {Num: 9, Kind: "pipe", Target: "pipe:[2]"},
		10: {Num: 10, Kind: "anon", Target: "anon_inode:[pidfd]"},
		11: {Num: 11, Kind: "eventfd", Target: "anon_inode:[eventfd]"},
	}
	tr.mu.Lock()
	got := tr.newFds(tab, map[int]bool{3: true}, 0)
	again := tr.newFds(tab, map[int]bool{3: true}, 0)
	tr.mu.Unlock()
	if len(got) != 1 || got[0].fd != 11 || got[0].name != "eventfd" || got[0].pcs != nil || len(got[0].foundAt) == 0 {
		t.Fatalf("newFds = %+v, want only fd 11, an eventfd found here with no opener", got)
	}
	if len(again) != 0 {
		t.Errorf("newFds again = %+v, want nothing: fd 11 was reported", again)
	}
	f := tr.finding(got[0], "open-at-end")
	if f.Certainty != "suspected" || len(f.Stack) == 0 || len(f.Origin) != 0 || f.Detail != "eventfd (fd 11)" {
		t.Errorf("finding = %+v, want suspected, found here, no origin, detail eventfd (fd 11)", f)
	}
}
