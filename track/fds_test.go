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
