package heapdump

import (
	"bytes"
	"io"
	"runtime"
	"strings"
	"testing"
	"unsafe"
)

var (
	sink        *[1 << 20]byte
	keepReaders = make([]io.Reader, 5000)
)

func addr[T any](p *T) uint64 { return uint64(uintptr(unsafe.Pointer(p))) }

func TestCaptureParsed(t *testing.T) {
	sink = new([1 << 20]byte)
	br := bytes.NewReader(make([]byte, 10))
	keepReaders[0] = br
	d, err := CaptureParsed()
	if err != nil {
		t.Fatal(err)
	}
	if d.Params.GoVersion != runtime.Version() {
		t.Errorf("GoVersion = %q, want %q", d.Params.GoVersion, runtime.Version())
	}
	if d.Params.GOARCH != runtime.GOARCH {
		t.Errorf("GOARCH = %q, want %q", d.Params.GOARCH, runtime.GOARCH)
	}
	if d.Params.PtrSize != int(unsafe.Sizeof(uintptr(0))) {
		t.Errorf("PtrSize = %d", d.Params.PtrSize)
	}
	i := d.Objects.Find(addr(sink))
	if i < 0 {
		t.Fatal("the 1 MB object is not in the dump")
	}
	if got := d.Objects.Size(i); got != 1<<20 {
		t.Errorf("size = %d, want %d", got, 1<<20)
	}
	if d.Objects.HasPointers(i) {
		t.Error("a [1<<20]byte has pointers")
	}
	// The *bytes.Reader is named from the itab of the io.Reader pointing to
	// it, by its full name since the dump is of this process.
	r := d.Objects.Find(addr(br))
	if got := d.TypeOf(r); got != "bytes.Reader" {
		t.Errorf("TypeOf(reader) = %q, want %q", got, "bytes.Reader")
	}
	s := d.Objects.Find(addr(&keepReaders[0]))
	if s < 0 || !d.Objects.HasPointers(s) || !contains(d.Objects.Edges(s), r) {
		t.Errorf("slice of readers: edges %v, want to hold the reader %d", d.Objects.Edges(s), r)
	}
	if !contains(d.BSS.Pointers, s) && !contains(d.Data.Pointers, s) {
		t.Error("no global points to the slice of readers")
	}
	me := d.Goroutine(currentID(t))
	if me == nil {
		t.Fatalf("the test goroutine is not in the dump")
	}
	if me.WaitReason != "dumping heap" || len(me.Frames) == 0 {
		t.Errorf("test goroutine: wait reason %q, %d frames", me.WaitReason, len(me.Frames))
	}
	found := false
	for _, f := range me.Frames {
		found = found || strings.HasSuffix(f.Func, "TestCaptureParsed")
	}
	if !found {
		t.Errorf("no TestCaptureParsed frame in %+v", me.Frames)
	}
	if g := d.Objects.Find(me.Addr); g < 0 {
		t.Errorf("the goroutine's g record %#x is not a heap object", me.Addr)
	}
	if len(d.MemStats) != memStatsCount || len(d.Threads) == 0 || len(d.Itabs) == 0 {
		t.Errorf("mem stats %d, threads %d, itabs %d", len(d.MemStats), len(d.Threads), len(d.Itabs))
	}
	runtime.KeepAlive(br)
}

func contains(s []int32, v int32) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

func currentID(t *testing.T) int64 {
	var buf [64]byte
	s := strings.TrimPrefix(string(buf[:runtime.Stack(buf[:], false)]), "goroutine ")
	var id int64
	for _, c := range s {
		if c < '0' || c > '9' {
			break
		}
		id = id*10 + int64(c-'0')
	}
	if id == 0 {
		t.Fatalf("cannot read goroutine ID from %q", s)
	}
	return id
}
