// Command leaky starts goroutines that keep memory alive in known ways, writes
// a heap dump of itself and prints the IDs of the goroutines of interest.
//
//	leaky SCENARIO DUMPFILE
//
// Each output line is "group NAME ID...". The retain tests run it.
package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
)

const mb = 1 << 20

// Global shares a buffer with a goroutine in the "global" scenario.
var Global []byte

// block is never closed or sent on: goroutines waiting on it leak.
func block() chan struct{} { return make(chan struct{}) }

type leaf struct{ data []byte }
type middle struct{ leaf *leaf }
type outer struct {
	middle *middle
	name   string
}

type item struct{ payload [4096]byte }

var ids = make(chan string)

// id returns the calling goroutine's ID.
func id() string {
	var buf [64]byte
	s := string(buf[:runtime.Stack(buf[:], false)])
	s = strings.TrimPrefix(s, "goroutine ")
	n, _ := strconv.Atoi(s[:strings.IndexByte(s, ' ')])
	return strconv.Itoa(n)
}

func fill(b []byte) []byte {
	for i := range b {
		b[i] = byte(i)
	}
	return b
}

// forgotten blocks forever on a channel nobody else can reach, holding buf.
func forgotten() {
	buf := fill(make([]byte, 10*mb))
	ch := block()
	ids <- id()
	<-ch
	runtime.KeepAlive(buf)
}

func global() {
	buf := fill(make([]byte, 10*mb))
	Global = buf
	ch := block()
	ids <- id()
	<-ch
	runtime.KeepAlive(buf)
}

func nested() {
	o := &outer{middle: &middle{leaf: &leaf{data: fill(make([]byte, 2*mb))}}, name: "x"}
	ch := block()
	ids <- id()
	<-ch
	runtime.KeepAlive(o)
}

func maps() {
	m := map[int][]byte{}
	for i := range 100 {
		m[i] = fill(make([]byte, 64*1024))
	}
	ch := block()
	ids <- id()
	<-ch
	runtime.KeepAlive(m)
}

func slices() {
	s := make([]*item, 1000)
	for i := range s {
		s[i] = new(item)
	}
	ch := block()
	ids <- id()
	<-ch
	runtime.KeepAlive(s)
}

func closure() func() {
	buf := fill(make([]byte, 3*mb))
	ch := block()
	return func() {
		ids <- id()
		<-ch
		runtime.KeepAlive(buf)
	}
}

// iface keeps a *bytes.Reader in a slice of interfaces large enough to be
// on the heap, so the dump can name the reader's type from its itab.
func iface() {
	rs := make([]io.Reader, 5000)
	rs[0] = bytes.NewReader(fill(make([]byte, mb)))
	ch := block()
	ids <- id()
	<-ch
	runtime.KeepAlive(rs)
}

func shared(buf []byte, ch chan struct{}) {
	ids <- id()
	<-ch
	runtime.KeepAlive(buf)
}

// start runs n copies of f and returns their IDs.
func start(n int, f func()) []string {
	for range n {
		go f()
	}
	var out []string
	for range n {
		out = append(out, <-ids)
	}
	return out
}

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: leaky SCENARIO DUMPFILE")
		os.Exit(2)
	}
	// Keep the heap profiler linked in (the linker drops it from programs
	// that never read it), so that dumps carry allocation samples, and
	// sample often enough that every object of 1 MB or more is sampled
	// (the chance to miss one is e^-16; at the default rate it is e^-2).
	runtime.MemProfileRate = 64 << 10
	runtime.MemProfile(nil, false)
	groups := map[string][]string{}
	switch os.Args[1] {
	case "forgotten":
		groups["leaked"] = start(5, forgotten)
	case "global":
		groups["global"] = start(1, global)
	case "structures":
		groups["nested"] = start(1, nested)
		groups["maps"] = start(1, maps)
		groups["slices"] = start(1, slices)
		groups["closure"] = start(1, closure())
		groups["iface"] = start(1, iface)
	case "shared":
		buf := fill(make([]byte, 10*mb))
		ch := block()
		groups["sharing"] = start(3, func() { shared(buf, ch) })
		buf = nil
	default:
		fmt.Fprintf(os.Stderr, "unknown scenario %q\n", os.Args[1])
		os.Exit(2)
	}
	f, err := os.Create(os.Args[2])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	debug.WriteHeapDump(f.Fd())
	if err := f.Close(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	for name, g := range groups {
		fmt.Printf("group %s %s\n", name, strings.Join(g, " "))
	}
}
