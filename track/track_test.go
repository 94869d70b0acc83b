package track

import (
	"bufio"
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/leakhound/leakhound"
)

func TestGOROOTFromFrames(t *testing.T) {
	if goroot == "" {
		t.Fatal("goroot not found from the frame of os.Open")
	}
	if _, err := os.Stat(filepath.Join(goroot, "src", "os", "file.go")); err != nil {
		t.Errorf("goroot %q: %v", goroot, err)
	}
}

func TestIsStd(t *testing.T) {
	tests := []struct {
		name string
		give leakhound.Frame
		want bool
	}{
		{"std by file", leakhound.Frame{Func: "net.Dial", File: goroot + "/src/net/dial.go"}, true},
		{"program by file", leakhound.Frame{Func: "main.main", File: "/home/u/p/main.go"}, false},
		{"module without dot by file", leakhound.Frame{Func: "example/x.F", File: "/home/u/p/x/x.go"}, false},
		{"std without file", leakhound.Frame{Func: "net/http.Get"}, true},
		{"module without file", leakhound.Frame{Func: "github.com/a/b.F"}, false},
		{"main without file", leakhound.Frame{Func: "main.main"}, false},
		{"external test without file", leakhound.Frame{Func: "x_test.TestA"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := isStd(tt.give); got != tt.want {
				t.Errorf("isStd(%v) = %v, want %v", tt.give, got, tt.want)
			}
		})
	}
}

func TestPkgOf(t *testing.T) {
	tests := []struct{ give, want string }{
		{"net/http.(*Client).Do", "net/http"},
		{"main.main", "main"},
		{"github.com/a/b.(*T).M.func1", "github.com/a/b"},
		{"os.Open", "os"},
	}
	for _, tt := range tests {
		if got := pkgOf(tt.give); got != tt.want {
			t.Errorf("pkgOf(%q) = %q, want %q", tt.give, got, tt.want)
		}
	}
}

// openHere plays the standard library's hook: the tracker records the stack
// of its caller's caller.
func openHere(tr *tracker, key uintptr) {
	std(func() { tr.opened("os.File", key, 7, "/tmp/x", nil, nil) })
}

// std stands for the standard library's frames between the program's call
// and the hook; in this test they are the program's own.
func std(f func()) { f() }

func TestTrackerLifecycle(t *testing.T) {
	out := filepath.Join(t.TempDir(), "report.jsonl")
	f, err := os.Create(out)
	if err != nil {
		t.Fatal(err)
	}
	tr := newTracker()
	tr.quiet = true
	tr.out = f

	openHere(tr, 1) // closed: nothing
	tr.closed(1)
	openHere(tr, 2) // collected: closed-by-gc
	tr.collected(2)
	openHere(tr, 3) // handed out, then collected: fd-used-after-gc
	tr.handedOut(3)
	tr.collected(3)
	tr.collected(4) // unknown (already closed): nothing
	openHere(tr, 5) // still open at the end

	if len(tr.open) != 1 || tr.open[5] == nil {
		t.Fatalf("open table = %v, want only key 5", tr.open)
	}
	left := []*entry{tr.open[5]}
	ended := group(left, leakhound.ReasonOpenAtEnd)
	for i := range ended {
		tr.emit(Event{Finding: &ended[i]})
	}
	f.Close()

	var got []string
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(strings.NewReader(string(data)))
	for sc.Scan() {
		var ev Event
		if err := json.Unmarshal(sc.Bytes(), &ev); err != nil {
			t.Fatal(err)
		}
		fd := ev.Finding
		if fd.Origin[0].Func != "github.com/leakhound/leakhound/track.openHere.func1" && fd.Origin[0].Func != "github.com/leakhound/leakhound/track.std" {
			t.Errorf("origin starts at %s", fd.Origin[0].Func)
		}
		got = append(got, fd.Resource+" "+fd.Reason+" "+fd.Detail)
	}
	want := []string{
		"os.File closed-by-gc /tmp/x (fd 7)",
		"os.File fd-used-after-gc /tmp/x (fd 7)",
		"os.File open-at-end /tmp/x (fd 7)",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("events:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestGroupCounts(t *testing.T) {
	tr := newTracker()
	for key := uintptr(1); key <= 3; key++ {
		openHere(tr, key) // same line: one group
	}
	var es []*entry
	for _, e := range tr.open {
		es = append(es, e)
	}
	fs := group(es, leakhound.ReasonOpenAtEnd)
	if len(fs) != 1 || fs[0].Count != 3 || !strings.HasSuffix(fs[0].Detail, "and 2 more") {
		t.Errorf("group = %+v, want one finding with count 3", fs)
	}
}

func TestDetail(t *testing.T) {
	l := &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 80}
	r := &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 5555}
	tests := []struct {
		name string
		give entry
		want string
	}{
		{"file", entry{kind: "os.File", name: "/tmp/a", fd: 3}, "/tmp/a (fd 3)"},
		{"listener", entry{kind: "net.TCPListener", name: "tcp", local: l, fd: 4}, "tcp 127.0.0.1:80 (fd 4)"},
		{"conn", entry{kind: "net.TCPConn", name: "tcp", local: l, remote: r, fd: 5}, "tcp 127.0.0.1:80 -> 127.0.0.1:5555 (fd 5)"},
		{"body", entry{kind: "http.Response.Body", name: "GET http://127.0.0.1/", fd: -1}, "GET http://127.0.0.1/"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.give.detail(); got != tt.want {
				t.Errorf("detail = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestNotInstrumented(t *testing.T) {
	// This test binary is built with the plain standard library.
	if Instrumented() {
		t.Error("Instrumented() = true without leakhound's overlay")
	}
}
