package fdtable

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"
)

// TestChildrenByParent reads a made-up /proc without children files, as on
// kernels built without them: the children are found by their parent.
func TestChildrenByParent(t *testing.T) {
	root := t.TempDir()
	write := func(name, data string) {
		t.Helper()
		path := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink("100", filepath.Join(root, "self")); err != nil {
		t.Fatal(err)
	}
	write("100/stat", "100 (server) S 1 100 100 0 -1 4194304")
	write("101/stat", "101 (a (b) c) Z 100 100 100 0 -1 4194308")
	write("102/stat", "102 (init child) S 1 102 102 0 -1 4194304")
	write("103/stat", "103 (sleep) S 100 100 100 0 -1 4194304")
	write("103/cmdline", "sleep\x0030\x00")
	write("104/stat", "104 (going) X 100 100 100 0 -1 4194304")
	write("105/stat", "garbage")
	got := children(root)
	want := []Process{
		{PID: 101, State: "zombie", Command: "a (b) c"},
		{PID: 103, State: "running", Command: "sleep 30"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("children = %+v\nwant %+v", got, want)
	}
	if got := ProcessState(root, 101); got != "zombie" {
		t.Errorf("ProcessState(101) = %q, want zombie", got)
	}
	if got := ProcessState(root, 999); got != "" {
		t.Errorf("ProcessState of a missing process = %q, want \"\"", got)
	}
}

// TestReadChild starts a command that exits at once and does not wait for
// it: the table lists it as a zombie (and its pidfd, where os uses one)
// until it is waited for.
func TestReadChild(t *testing.T) {
	if _, err := os.Stat("/proc/self/fd"); err != nil {
		t.Skip("no /proc/self/fd on this system")
	}
	p, err := os.StartProcess("/bin/sh", []string{"sh", "-c", "exit 0"}, &os.ProcAttr{})
	if err != nil {
		t.Fatal(err)
	}
	waited := false
	defer func() {
		if !waited {
			p.Wait()
		}
	}()
	var child *Process
	var tab *Table
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if tab, err = Read("/proc"); err != nil {
			t.Fatal(err)
		}
		child = nil
		for i, c := range tab.Children {
			if c.PID == p.Pid {
				child = &tab.Children[i]
			}
		}
		if child != nil && child.State == "zombie" {
			break
		}
	}
	if child == nil || child.State != "zombie" {
		t.Fatalf("child %d: got %+v in %+v, want a zombie", p.Pid, child, tab.Children)
	}
	if got := tab.ChildStates()["zombie"]; got < 1 {
		t.Errorf("ChildStates counts %d zombies, want at least 1", got)
	}
	for _, fd := range tab.FDs {
		if fd.Kind == "pidfd" && fd.PID != p.Pid {
			t.Errorf("pidfd %d refers to process %d, want %d", fd.Num, fd.PID, p.Pid)
		}
	}
	if _, err := p.Wait(); err != nil {
		t.Fatal(err)
	}
	waited = true
	if tab, err = Read("/proc"); err != nil {
		t.Fatal(err)
	}
	for _, c := range tab.Children {
		if c.PID == p.Pid {
			t.Errorf("child %d still listed after Wait: %+v", p.Pid, c)
		}
	}
}
