package heapdump

import (
	"sort"
	"strings"
)

// Header is the first line of every heap dump this package can read.
const Header = "go1.7 heap dump\n"

// Dump is a parsed heap dump. Object indices (int32) index [Dump.Objects].
type Dump struct {
	Params     Params
	Objects    Objects
	Goroutines []Goroutine
	Threads    []OSThread
	// Data and BSS hold the pointer fields of the data and bss segments.
	Data, BSS Segment
	// Finalizers are the finalizers set on live objects; Queued are those
	// waiting to run.
	Finalizers, Queued []Finalizer
	// OtherRoots are roots of other kinds (not written by current runtimes).
	OtherRoots []OtherRoot
	Types      map[uint64]Type   // by type address
	Itabs      map[uint64]uint64 // itab address -> type address
	MemStats   []uint64          // in the order of runtime.MemStats fields, as written
	MemProf    map[uint64]MemProfBucket
	Samples    []AllocSample

	typeHint map[int32]uint64 // object index -> type address
	sampled  map[int32]uint64 // object index -> mem profile bucket
}

// Params describes the process that wrote the dump.
type Params struct {
	BigEndian  bool
	PtrSize    int
	ArenaStart uint64
	ArenaEnd   uint64
	GOARCH     string
	GoVersion  string
	NCPU       int
}

// Goroutine is one goroutine, with its stack and the roots it owns.
type Goroutine struct {
	Addr       uint64 // address of the runtime's g record (a heap object)
	SP         uint64
	ID         int64
	GoPC       uint64 // pc of the go statement that created it
	Status     uint64
	System     bool
	WaitSince  int64
	WaitReason string
	Ctxt       uint64 // closure context
	M          uint64
	Frames     []Frame
	Defers     []Defer
	Panics     []Panic
}

// Frame is one stack frame of a goroutine, innermost first.
type Frame struct {
	SP      uint64
	Depth   uint64
	ChildSP uint64
	Size    uint64 // bytes of the frame
	Entry   uint64
	PC      uint64
	ContPC  uint64
	Func    string
	// Pointers are the heap objects its live pointer slots point to, by
	// the frame's pointer map. The map leaves out address-taken variables
	// kept on the stack ("stack objects"); [Frame.Words] has what is
	// needed to find them.
	Pointers []int32
	// Words are the words of the frame, in offset order, that point into
	// the heap arena or up the goroutine's stack, whether or not the
	// pointer map calls them pointers.
	Words []Word
}

// Word is a word of a stack frame that may be a pointer.
type Word struct {
	Val     uint64
	Off     uint32 // offset in the frame
	Obj     int32  // heap object Val points into, or -1
	Precise bool   // the frame's pointer map says it is a live pointer
}

// Defer is a deferred call of a goroutine.
type Defer struct {
	Addr, SP, PC, FuncVal, Entry, Link uint64
}

// Panic is an active panic of a goroutine.
type Panic struct {
	Addr, ArgType, ArgData, Link uint64
}

// OSThread is an M.
type OSThread struct {
	Addr, ID, OSID uint64
}

// Segment is the data or bss segment.
type Segment struct {
	Addr     uint64
	Size     uint64
	Pointers []int32 // heap objects its pointer slots point to
}

// Finalizer is a finalizer set on Object (with runtime.SetFinalizer).
type Finalizer struct {
	Object, FuncVal, Entry, FinType, ObjType uint64
}

// OtherRoot is a root of an unspecified kind.
type OtherRoot struct {
	Description string
	Pointer     uint64
}

// Type is a type named in the dump.
type Type struct {
	Addr        uint64
	Size        uint64
	Name        string
	PointerData bool // an interface holding this type has a pointer in its data word
}

// MemProfBucket is a heap profile bucket: an allocation stack.
type MemProfBucket struct {
	Addr          uint64
	Size          uint64
	Stack         []ProfFrame
	Allocs, Frees uint64
}

// ProfFrame is one frame of a [MemProfBucket] stack.
type ProfFrame struct {
	Func, File string
	Line       uint64
}

// AllocSample ties a sampled object to its [MemProfBucket].
type AllocSample struct {
	Addr, Bucket uint64
}

// Objects is the table of heap objects, sorted by address.
type Objects struct {
	addr      []uint64
	size      []uint64
	noscan    []uint64 // bit set: object has no pointer fields
	edgeStart []uint32 // edges of object i are edges[edgeStart[i]:edgeStart[i+1]]
	edges     []int32
}

// Len returns the number of objects.
func (o *Objects) Len() int { return len(o.addr) }

// Addr returns the address of object i.
func (o *Objects) Addr(i int32) uint64 { return o.addr[i] }

// Size returns the size in bytes of object i (its size class).
func (o *Objects) Size(i int32) uint64 { return o.size[i] }

// HasPointers reports whether object i has pointer fields.
func (o *Objects) HasPointers(i int32) bool { return o.noscan[i/64]&(1<<(i%64)) == 0 }

// Edges returns the heap objects object i points to. The slice is shared.
func (o *Objects) Edges(i int32) []int32 { return o.edges[o.edgeStart[i]:o.edgeStart[i+1]] }

// NumEdges returns the total number of pointers between heap objects.
func (o *Objects) NumEdges() int { return len(o.edges) }

// Find returns the index of the object containing addr, or -1.
func (o *Objects) Find(addr uint64) int32 {
	i := sort.Search(len(o.addr), func(i int) bool { return o.addr[i] > addr }) - 1
	if i < 0 || addr >= o.addr[i]+o.size[i] {
		return -1
	}
	return int32(i)
}

// Goroutine returns the goroutine with the given ID, or nil.
func (d *Dump) Goroutine(id int64) *Goroutine {
	for i := range d.Goroutines {
		if d.Goroutines[i].ID == id {
			return &d.Goroutines[i]
		}
	}
	return nil
}

// TypeOf returns the name of object i's type when the dump tells it, or "".
// Heap objects carry no type; a name is known only when an interface value
// whose itab (or type word) is in the dump points to the object. The runtime
// writes the name of a pointer to a named type, such as *bytes.Reader, as
// just its package ("bytes."); TypeOf returns "bytes.?" for it, unless the
// dump was captured and parsed by this process ([CaptureParsed]), which
// knows the full name ("bytes.Reader").
func (d *Dump) TypeOf(i int32) string {
	t, ok := d.Types[d.typeHint[i]]
	switch {
	case !ok:
		return ""
	case strings.HasSuffix(t.Name, "."):
		return t.Name + "?"
	case strings.HasPrefix(t.Name, "*"):
		return t.Name[1:]
	}
	return t.Name
}

// AllocStack returns the allocation stack of object i if the heap profiler
// sampled it, innermost frame first, or nil.
func (d *Dump) AllocStack(i int32) []ProfFrame {
	b, ok := d.sampled[i]
	if !ok {
		return nil
	}
	return d.MemProf[b].Stack
}
