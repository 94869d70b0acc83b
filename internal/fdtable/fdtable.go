// Package fdtable lists the open file descriptors of the current process on
// Linux, by kind, with the addresses and TCP state of its sockets, from
// /proc/self/fd and the /proc/net tables, and its child processes not
// waited for.
package fdtable

import (
	"bufio"
	"cmp"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// FD is one open descriptor.
type FD struct {
	Num int `json:"fd"`
	// Kind is "tcp", "tcp6", "udp", "udp6", "unix", "socket" (another
	// family), "pipe", "epoll", "eventfd", "timerfd", "pidfd" (a handle on
	// a child process, which os/exec and os.StartProcess keep until Wait),
	// "anon" (another anonymous inode), "device" (under /dev) or "file".
	Kind string `json:"kind"`
	// Target is what /proc/self/fd/N links to: a path, "socket:[123]"...
	Target string `json:"target"`
	// Local and Remote are the addresses of an IP socket, and the path of a
	// unix socket in Local.
	Local  string `json:"local,omitempty"`
	Remote string `json:"remote,omitempty"`
	// State is the TCP state ("ESTABLISHED", "LISTEN", "CLOSE_WAIT"...).
	State string `json:"state,omitempty"`
	// PID is the process a pidfd refers to (-1: it was waited for).
	PID int `json:"pid,omitempty"`
}

// Kinds are the values of [FD.Kind].
var Kinds = []string{"tcp", "tcp6", "udp", "udp6", "unix", "socket", "pipe", "epoll", "eventfd", "timerfd", "pidfd", "anon", "device", "file"}

// Table is a snapshot of the open descriptors, and of the child processes.
type Table struct {
	FDs []FD `json:"fds"`
	// Children are the child processes not waited for, by PID.
	Children []Process `json:"children,omitempty"`
}

// ChildStates counts the child processes by state.
func (t *Table) ChildStates() map[string]int {
	m := map[string]int{}
	for _, p := range t.Children {
		m[p.State]++
	}
	return m
}

// ByKind counts descriptors by Kind.
func (t *Table) ByKind() map[string]int {
	m := map[string]int{}
	for _, fd := range t.FDs {
		m[fd.Kind]++
	}
	return m
}

// TCPStates counts TCP sockets (IPv4 and IPv6) by state.
func (t *Table) TCPStates() map[string]int {
	m := map[string]int{}
	for _, fd := range t.FDs {
		if fd.Kind == "tcp" || fd.Kind == "tcp6" {
			m[fd.State]++
		}
	}
	return m
}

// SocketGroup counts the sockets of one kind and state at one address.
type SocketGroup struct {
	Kind, State string
	// Role is "listening", "accepted" (a connection to a port this process
	// listens on), "dialed" (a connection this process opened), or "" for
	// sockets without connections (UDP, unix).
	Role string
	// Addr is the listening address for listening and accepted sockets,
	// the remote address for dialed ones, the local address (or unix path)
	// for the others.
	Addr  string
	Count int
}

// SocketGroups groups the sockets by kind, state, role and address, so that
// a pile of connections (say 300 in CLOSE_WAIT accepted on :8080, or 50
// dialed to a database) shows as one line. Groups come largest first.
func (t *Table) SocketGroups() []SocketGroup {
	listening := map[string]bool{} // ports with a listening TCP socket
	for _, fd := range t.FDs {
		if fd.State == "LISTEN" {
			listening[port(fd.Local)] = true
		}
	}
	counts := map[SocketGroup]int{}
	for _, fd := range t.FDs {
		g := SocketGroup{Kind: fd.Kind, State: fd.State, Addr: fd.Local}
		switch {
		case fd.Kind != "tcp" && fd.Kind != "tcp6" && fd.Kind != "udp" && fd.Kind != "udp6" && fd.Kind != "unix" && fd.Kind != "socket":
			continue
		case fd.State == "LISTEN":
			g.Role = "listening"
		case fd.Kind == "tcp" || fd.Kind == "tcp6":
			if listening[port(fd.Local)] {
				g.Role = "accepted"
			} else {
				g.Role, g.Addr = "dialed", fd.Remote
			}
		}
		counts[g]++
	}
	out := make([]SocketGroup, 0, len(counts))
	for g, n := range counts {
		g.Count = n
		out = append(out, g)
	}
	slices.SortFunc(out, func(a, b SocketGroup) int {
		return cmp.Or(cmp.Compare(b.Count, a.Count), cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.State, b.State),
			cmp.Compare(a.Role, b.Role), cmp.Compare(a.Addr, b.Addr))
	})
	return out
}

// port returns the port of "host:port", or "" when there is none.
func port(addr string) string {
	if i := strings.LastIndexByte(addr, ':'); i >= 0 {
		return addr[i+1:]
	}
	return ""
}

// ErrUnsupported is returned where /proc/self/fd does not exist.
var ErrUnsupported = errors.New("open descriptors are only listed on Linux (/proc/self/fd)")

// Read lists the descriptors and the child processes of the current
// process, reading procRoot ("/proc" in production).
func Read(procRoot string) (*Table, error) {
	dir := filepath.Join(procRoot, "self", "fd")
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, ErrUnsupported
	}
	if err != nil {
		return nil, fmt.Errorf("list descriptors: %w", err)
	}
	sockets := map[string]socket{}
	loadedSockets := false
	t := &Table{}
	for _, e := range entries {
		num, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		target, err := os.Readlink(filepath.Join(dir, e.Name()))
		if err != nil {
			continue // closed while we were listing (often: our own ReadDir's descriptor)
		}
		fd := FD{Num: num, Target: target, Kind: kindOf(target)}
		if fd.Kind == "socket" {
			if !loadedSockets {
				sockets = readSockets(procRoot)
				loadedSockets = true
			}
			if s, ok := sockets[strings.TrimSuffix(strings.TrimPrefix(target, "socket:["), "]")]; ok {
				fd.Kind, fd.Local, fd.Remote, fd.State = s.kind, s.local, s.remote, s.state
			}
		}
		if fd.Kind == "pidfd" {
			fd.PID = pidfdPID(procRoot, num)
		}
		t.FDs = append(t.FDs, fd)
	}
	t.Children = children(procRoot)
	return t, nil
}

// Numbers returns the numbers of the descriptors of the current process
// open now, reading procRoot ("/proc" in production), without reading what
// each one is: a cheaper snapshot to compare a later [Read] with.
func Numbers(procRoot string) (map[int]bool, error) {
	f, err := os.Open(filepath.Join(procRoot, "self", "fd"))
	if errors.Is(err, os.ErrNotExist) {
		return nil, ErrUnsupported
	}
	if err != nil {
		return nil, fmt.Errorf("list descriptors: %w", err)
	}
	names, err := f.Readdirnames(-1)
	self := int(f.Fd())
	f.Close()
	if err != nil {
		return nil, fmt.Errorf("list descriptors: %w", err)
	}
	nums := make(map[int]bool, len(names))
	for _, name := range names {
		if n, err := strconv.Atoi(name); err == nil && n != self {
			nums[n] = true
		}
	}
	return nums, nil
}

func kindOf(target string) string {
	switch {
	case strings.HasPrefix(target, "socket:["):
		return "socket"
	case strings.HasPrefix(target, "pipe:["):
		return "pipe"
	case target == "anon_inode:[eventpoll]":
		return "epoll"
	case target == "anon_inode:[eventfd]":
		return "eventfd"
	case strings.HasPrefix(target, "anon_inode:[timerfd]"):
		return "timerfd"
	case target == "anon_inode:[pidfd]":
		return "pidfd"
	case strings.HasPrefix(target, "anon_inode:"):
		return "anon"
	case strings.HasPrefix(target, "/dev/"):
		return "device"
	}
	return "file"
}

type socket struct {
	kind, local, remote, state string
}

// readSockets indexes the sockets of the /proc/net tables by inode.
// Missing tables (no IPv6, say) are skipped.
func readSockets(procRoot string) map[string]socket {
	m := map[string]socket{}
	for _, kind := range []string{"tcp", "tcp6", "udp", "udp6"} {
		f, err := os.Open(filepath.Join(procRoot, "net", kind))
		if err != nil {
			continue
		}
		parseInet(f, kind, m)
		f.Close()
	}
	if f, err := os.Open(filepath.Join(procRoot, "net", "unix")); err == nil {
		parseUnix(f, m)
		f.Close()
	}
	return m
}

// tcpStates names the states of include/net/tcp_states.h, as printed in
// the "st" column of /proc/net/tcp.
var tcpStates = map[string]string{
	"01": "ESTABLISHED", "02": "SYN_SENT", "03": "SYN_RECV", "04": "FIN_WAIT1",
	"05": "FIN_WAIT2", "06": "TIME_WAIT", "07": "CLOSE", "08": "CLOSE_WAIT",
	"09": "LAST_ACK", "0A": "LISTEN", "0B": "CLOSING", "0C": "NEW_SYN_RECV",
}

// parseInet reads /proc/net/{tcp,tcp6,udp,udp6}:
//
//	sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
//	 0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 12345 ...
func parseInet(r io.Reader, kind string, m map[string]socket) {
	sc := bufio.NewScanner(r)
	sc.Scan() // header
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 10 {
			continue
		}
		s := socket{kind: kind, local: inetAddr(f[1]), remote: inetAddr(f[2])}
		if strings.HasPrefix(kind, "tcp") {
			s.state = tcpStates[f[3]]
		}
		m[f[9]] = s
	}
}

// inetAddr decodes "0100007F:1F90" (IPv4, or 32 hex digits for IPv6; each
// 32-bit word in host byte order, little-endian here) to "127.0.0.1:8080".
func inetAddr(s string) string {
	hexIP, hexPort, ok := strings.Cut(s, ":")
	if !ok {
		return s
	}
	raw, err := hex.DecodeString(hexIP)
	port, perr := strconv.ParseUint(hexPort, 16, 16)
	if err != nil || perr != nil || (len(raw) != 4 && len(raw) != 16) {
		return s
	}
	for i := 0; i+4 <= len(raw); i += 4 {
		raw[i], raw[i+1], raw[i+2], raw[i+3] = raw[i+3], raw[i+2], raw[i+1], raw[i]
	}
	ip, _ := netip.AddrFromSlice(raw)
	return netip.AddrPortFrom(ip.Unmap(), uint16(port)).String()
}

// parseUnix reads /proc/net/unix:
//
//	Num       RefCount Protocol Flags    Type St Inode Path
//	0000000000000000: 00000002 00000000 00010000 0001 01 23456 /run/x.sock
func parseUnix(r io.Reader, m map[string]socket) {
	sc := bufio.NewScanner(r)
	sc.Scan() // header
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 7 {
			continue
		}
		s := socket{kind: "unix"}
		if len(f) >= 8 {
			s.local = f[7]
		}
		m[f[6]] = s
	}
}
