package heapdump

import (
	"runtime"
	"testing"
)

var sink *[1 << 20]byte

func TestCaptureParsed(t *testing.T) {
	runtime.MemProfileRate = 1
	sink = new([1 << 20]byte)
	runtime.MemProfileRate = 512 * 1024
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
	t.Logf("%d objects, %d edges, %d goroutines, %d types, %d itabs, %d buckets, %d samples, data %d ptrs, bss %d ptrs",
		d.Objects.Len(), d.Objects.NumEdges(), len(d.Goroutines), len(d.Types), len(d.Itabs), len(d.MemProf), len(d.Samples), len(d.Data.Pointers), len(d.BSS.Pointers))
	i := d.Objects.Find(uint64(uintptrOf(sink)))
	if i < 0 {
		t.Fatal("sink object not found")
	}
	if got := d.Objects.Size(i); got != 1<<20 {
		t.Errorf("sink size = %d, want %d", got, 1<<20)
	}
	t.Logf("sink alloc stack: %v; type %q", d.AllocStack(i), d.TypeOf(i))
	for _, g := range d.Goroutines {
		t.Logf("g %d %s frames=%d first=%s", g.ID, g.WaitReason, len(g.Frames), g.Frames[0].Func)
	}
}
