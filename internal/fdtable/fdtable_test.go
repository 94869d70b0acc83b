package fdtable

import (
	"net"
	"os"
	"slices"
	"strings"
	"testing"
)

func TestInetAddr(t *testing.T) {
	tests := []struct {
		name, give, want string
	}{
		{name: "ipv4 loopback", give: "0100007F:1F90", want: "127.0.0.1:8080"},
		{name: "ipv4 any", give: "00000000:0000", want: "0.0.0.0:0"},
		{name: "ipv6 loopback", give: "00000000000000000000000001000000:0050", want: "[::1]:80"},
		{name: "ipv4-mapped ipv6", give: "0000000000000000FFFF00000100007F:0016", want: "127.0.0.1:22"},
		{name: "garbage kept", give: "zz:1", want: "zz:1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := inetAddr(tt.give); got != tt.want {
				t.Errorf("inetAddr(%q) = %q, want %q", tt.give, got, tt.want)
			}
		})
	}
}

func TestParseInet(t *testing.T) {
	const table = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 111 1 0000000000000000 100 0 0 10 0
   1: 0100007F:1F90 0100007F:D431 08 00000000:00000000 00:00000000 00000000     0        0 222 1 0000000000000000 20 4 30 10 -1
`
	m := map[string]socket{}
	parseInet(strings.NewReader(table), "tcp", m)
	if got, want := m["111"], (socket{kind: "tcp", local: "127.0.0.1:8080", remote: "0.0.0.0:0", state: "LISTEN"}); got != want {
		t.Errorf("inode 111 = %+v, want %+v", got, want)
	}
	if got, want := m["222"], (socket{kind: "tcp", local: "127.0.0.1:8080", remote: "127.0.0.1:54321", state: "CLOSE_WAIT"}); got != want {
		t.Errorf("inode 222 = %+v, want %+v", got, want)
	}
}

// TestReadSelf opens a listener, a connection, a pipe and a file, and finds
// each in the process's own table.
func TestReadSelf(t *testing.T) {
	if _, err := os.Stat("/proc/self/fd"); err != nil {
		t.Skip("no /proc/self/fd on this system")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	accepted, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer accepted.Close()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	f, err := os.CreateTemp(t.TempDir(), "fd")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()

	tab, err := Read("/proc")
	if err != nil {
		t.Fatal(err)
	}
	var listen, dialed, file bool
	for _, fd := range tab.FDs {
		switch {
		case fd.Kind == "tcp" && fd.State == "LISTEN" && fd.Local == ln.Addr().String():
			listen = true
		case fd.Kind == "tcp" && fd.State == "ESTABLISHED" && fd.Local == c.LocalAddr().String() && fd.Remote == ln.Addr().String():
			dialed = true
		case fd.Kind == "file" && fd.Target == f.Name():
			file = true
		}
	}
	if !listen || !dialed || !file {
		t.Errorf("listener found %v, connection %v, file %v; table: %+v", listen, dialed, file, tab.FDs)
	}
	if k := tab.ByKind(); k["pipe"] < 2 || k["epoll"] < 1 {
		t.Errorf("ByKind = %v, want >= 2 pipes and an epoll descriptor", k)
	}
	if s := tab.TCPStates(); s["LISTEN"] < 1 || s["ESTABLISHED"] < 2 {
		t.Errorf("TCPStates = %v, want LISTEN and 2 ESTABLISHED", s)
	}
	roles := map[string]string{}
	for _, g := range tab.SocketGroups() {
		if g.Addr == ln.Addr().String() {
			roles[g.Role] = g.State
		}
	}
	if roles["listening"] != "LISTEN" || roles["accepted"] != "ESTABLISHED" || roles["dialed"] != "ESTABLISHED" {
		t.Errorf("socket groups at the listener's address: %v, want listening, accepted and dialed", roles)
	}
}

func TestSocketGroups(t *testing.T) {
	tab := &Table{FDs: []FD{
		{Num: 3, Kind: "tcp", State: "LISTEN", Local: "0.0.0.0:8080", Remote: "0.0.0.0:0"},
		{Num: 4, Kind: "tcp", State: "CLOSE_WAIT", Local: "10.0.0.1:8080", Remote: "10.0.0.9:50001"},
		{Num: 5, Kind: "tcp", State: "CLOSE_WAIT", Local: "10.0.0.1:8080", Remote: "10.0.0.9:50002"},
		{Num: 6, Kind: "tcp", State: "ESTABLISHED", Local: "10.0.0.1:41000", Remote: "10.0.0.5:5432"},
		{Num: 7, Kind: "tcp6", State: "ESTABLISHED", Local: "[::1]:41001", Remote: "[::1]:5432"},
		{Num: 8, Kind: "tcp", State: "ESTABLISHED", Local: "10.0.0.1:41002", Remote: "10.0.0.5:5432"},
		{Num: 9, Kind: "udp", Local: "127.0.0.1:53"},
		{Num: 10, Kind: "unix", Local: "/run/app.sock"},
		{Num: 11, Kind: "pipe", Target: "pipe:[1]"},
		{Num: 12, Kind: "file", Target: "/tmp/x"},
	}}
	want := []SocketGroup{
		{Kind: "tcp", State: "CLOSE_WAIT", Role: "accepted", Addr: "10.0.0.1:8080", Count: 2},
		{Kind: "tcp", State: "ESTABLISHED", Role: "dialed", Addr: "10.0.0.5:5432", Count: 2},
		{Kind: "tcp", State: "LISTEN", Role: "listening", Addr: "0.0.0.0:8080", Count: 1},
		{Kind: "tcp6", State: "ESTABLISHED", Role: "dialed", Addr: "[::1]:5432", Count: 1},
		{Kind: "udp", Addr: "127.0.0.1:53", Count: 1},
		{Kind: "unix", Addr: "/run/app.sock", Count: 1},
	}
	if got := tab.SocketGroups(); !slices.Equal(got, want) {
		t.Errorf("SocketGroups =\n%+v\nwant\n%+v", got, want)
	}
}
