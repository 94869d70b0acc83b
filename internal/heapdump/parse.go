package heapdump

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
)

// Record tags, as in runtime/heapdump.go.
const (
	tagEOF             = 0
	tagObject          = 1
	tagOtherRoot       = 2
	tagType            = 3
	tagGoroutine       = 4
	tagStackFrame      = 5
	tagParams          = 6
	tagFinalizer       = 7
	tagItab            = 8
	tagOSThread        = 9
	tagMemStats        = 10
	tagQueuedFinalizer = 11
	tagData            = 12
	tagBSS             = 13
	tagDefer           = 14
	tagPanic           = 15
	tagMemProf         = 16
	tagAllocSample     = 17
)

// Field kinds of an object, segment or frame.
const (
	fieldEol   = 0
	fieldPtr   = 1
	fieldIface = 2
	fieldEface = 3
)

var recordNames = [...]string{"eof", "object", "other root", "type", "goroutine", "stack frame",
	"params", "finalizer", "itab", "os thread", "mem stats", "queued finalizer", "data",
	"bss", "defer", "panic", "mem profile", "alloc sample"}

const (
	maxString     = 1 << 20  // longest name or path accepted
	maxContents   = 1 << 40  // largest object or segment accepted
	maxFrame      = 1 << 30  // largest stack frame accepted
	maxStack      = 1 << 30  // largest goroutine stack: words above sp by less may point to the stack
	readChunk     = 64 << 10 // contents are read this much at a time, so a bad length cannot allocate much
	memStatsCount = 24 + 256 + 1
)

// ErrUnsupported is returned (wrapped) for a dump whose header is not
// [Header], or written by a Go release this package does not read.
var ErrUnsupported = errors.New("unsupported heap dump format")

// FormatError says where and why a dump could not be read.
type FormatError struct {
	Offset int64  // byte offset of the problem
	Record string // the record being read, or "" for the header
	Err    error
}

// Error returns the message, e.g. "heap dump offset 1234 (object record): unexpected EOF".
func (e *FormatError) Error() string {
	if e.Record == "" {
		return fmt.Sprintf("heap dump offset %d: %v", e.Offset, e.Err)
	}
	return fmt.Sprintf("heap dump offset %d (%s record): %v", e.Offset, e.Record, e.Err)
}

// Unwrap returns the underlying error.
func (e *FormatError) Unwrap() error { return e.Err }

// ParseFile parses the heap dump in the named file.
func ParseFile(name string) (*Dump, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, fmt.Errorf("open heap dump: %w", err)
	}
	defer f.Close()
	d, err := Parse(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return d, nil
}

// Parse reads a heap dump written by runtime/debug.WriteHeapDump. Malformed or
// truncated input gives a *[FormatError]; a dump in another format gives an
// error wrapping [ErrUnsupported].
func Parse(r io.Reader) (*Dump, error) {
	p := &parser{
		br: bufio.NewReaderSize(r, readChunk),
		d: &Dump{
			Types:    map[uint64]Type{},
			Itabs:    map[uint64]uint64{},
			MemProf:  map[uint64]MemProfBucket{},
			typeHint: map[int32]uint64{},
			sampled:  map[int32]uint64{},
		},
	}
	if err := p.header(); err != nil {
		return nil, err
	}
	for {
		start := p.off
		tag, err := p.uvarint()
		if err != nil {
			return nil, &FormatError{Offset: start, Record: "next", Err: err}
		}
		if tag == tagEOF {
			break
		}
		if err := p.record(tag); err != nil {
			name := fmt.Sprintf("tag %d", tag)
			if tag < uint64(len(recordNames)) {
				name = recordNames[tag]
			}
			return nil, &FormatError{Offset: p.off, Record: name, Err: err}
		}
	}
	if !p.haveParams {
		return nil, &FormatError{Offset: p.off, Err: errors.New("no params record")}
	}
	if err := p.finish(); err != nil {
		return nil, err
	}
	return p.d, nil
}

type parser struct {
	br   *bufio.Reader
	off  int64
	buf  []byte // contents of the record being read
	sbuf []byte // the string being read
	d    *Dump

	haveParams bool
	byteOrder  binary.ByteOrder

	// Objects as read, in dump order, before sorting.
	addr, size column[uint64]
	noscan     column[bool]
	edgeEnd    column[uint32] // cumulative number of raw edges
	raw        column[uint64] // raw pointer values into the arena
	ptrs       []uint64       // the raw pointers of the object being read
	hints      []hint

	dataRaw   []uint64
	bssRaw    []uint64
	defers    []pending[Defer]
	panics    []pending[Panic]
	sampleRaw []AllocSample

	typeMin, typeMax uint64 // range of itab and type addresses, for hints
}

func (p *parser) typeRange(addr uint64) {
	if p.typeMin == 0 || addr < p.typeMin {
		p.typeMin = addr
	}
	p.typeMax = max(p.typeMax, addr)
}

type hint struct{ target, typ uint64 }

type pending[T any] struct {
	g uint64
	v T
}

func (p *parser) header() error {
	got := make([]byte, 0, len(Header))
	for len(got) < len(Header) {
		b, err := p.br.ReadByte()
		if err != nil {
			if len(got) == 0 {
				return &FormatError{Err: fmt.Errorf("%w: empty input (want a dump written by runtime/debug.WriteHeapDump)", ErrUnsupported)}
			}
			break
		}
		p.off++
		got = append(got, b)
		if b == '\n' {
			break
		}
	}
	if string(got) != Header {
		return &FormatError{Err: fmt.Errorf("%w: header %q, want %q (a dump written by runtime/debug.WriteHeapDump of Go 1.7 or later)", ErrUnsupported, got, Header)}
	}
	return nil
}

func (p *parser) record(tag uint64) error {
	if !p.haveParams && tag != tagParams {
		return errors.New("record before the params record")
	}
	switch tag {
	case tagParams:
		return p.params()
	case tagObject:
		return p.object()
	case tagOtherRoot:
		var r OtherRoot
		var err error
		if r.Description, err = p.string(); err != nil {
			return err
		}
		if r.Pointer, err = p.uvarint(); err != nil {
			return err
		}
		p.d.OtherRoots = append(p.d.OtherRoots, r)
	case tagType:
		var t Type
		if err := p.uvarints(&t.Addr, &t.Size); err != nil {
			return err
		}
		var err error
		if t.Name, err = p.string(); err != nil {
			return err
		}
		if t.PointerData, err = p.bool(); err != nil {
			return err
		}
		p.d.Types[t.Addr] = t
		p.typeRange(t.Addr)
	case tagItab:
		var addr, typ uint64
		if err := p.uvarints(&addr, &typ); err != nil {
			return err
		}
		p.d.Itabs[addr] = typ
		p.typeRange(addr)
	case tagGoroutine:
		return p.goroutine()
	case tagStackFrame:
		return p.frame()
	case tagOSThread:
		var t OSThread
		if err := p.uvarints(&t.Addr, &t.ID, &t.OSID); err != nil {
			return err
		}
		p.d.Threads = append(p.d.Threads, t)
	case tagFinalizer, tagQueuedFinalizer:
		var f Finalizer
		if err := p.uvarints(&f.Object, &f.FuncVal, &f.Entry, &f.FinType, &f.ObjType); err != nil {
			return err
		}
		if tag == tagFinalizer {
			p.d.Finalizers = append(p.d.Finalizers, f)
		} else {
			p.d.Queued = append(p.d.Queued, f)
		}
	case tagData, tagBSS:
		return p.segment(tag)
	case tagDefer:
		var d Defer
		var g uint64
		if err := p.uvarints(&d.Addr, &g, &d.SP, &d.PC, &d.FuncVal, &d.Entry, &d.Link); err != nil {
			return err
		}
		p.defers = append(p.defers, pending[Defer]{g, d})
	case tagPanic:
		var pa Panic
		var g, unused uint64
		if err := p.uvarints(&pa.Addr, &g, &pa.ArgType, &pa.ArgData, &unused, &pa.Link); err != nil {
			return err
		}
		p.panics = append(p.panics, pending[Panic]{g, pa})
	case tagMemStats:
		if p.d.MemStats != nil {
			return errors.New("second mem stats record")
		}
		p.d.MemStats = make([]uint64, memStatsCount)
		for i := range p.d.MemStats {
			if err := p.uvarints(&p.d.MemStats[i]); err != nil {
				return err
			}
		}
	case tagMemProf:
		return p.memProf()
	case tagAllocSample:
		var s AllocSample
		if err := p.uvarints(&s.Addr, &s.Bucket); err != nil {
			return err
		}
		p.sampleRaw = append(p.sampleRaw, s)
	default:
		return fmt.Errorf("unknown record tag %d (the dump is corrupt or from an unsupported Go version)", tag)
	}
	return nil
}

func (p *parser) params() error {
	if p.haveParams {
		return errors.New("second params record")
	}
	pr := &p.d.Params
	var err error
	if pr.BigEndian, err = p.bool(); err != nil {
		return err
	}
	var ptrSize, ncpu uint64
	if err := p.uvarints(&ptrSize, &pr.ArenaStart, &pr.ArenaEnd); err != nil {
		return err
	}
	if ptrSize != 4 && ptrSize != 8 {
		return fmt.Errorf("pointer size %d, want 4 or 8", ptrSize)
	}
	if pr.ArenaStart > pr.ArenaEnd {
		return fmt.Errorf("arena start %#x after arena end %#x", pr.ArenaStart, pr.ArenaEnd)
	}
	pr.PtrSize = int(ptrSize)
	if pr.GOARCH, err = p.string(); err != nil {
		return err
	}
	if pr.GoVersion, err = p.string(); err != nil {
		return err
	}
	if err := checkVersion(pr.GoVersion); err != nil {
		return err
	}
	if ncpu, err = p.uvarint(); err != nil {
		return err
	}
	pr.NCPU = int(min(ncpu, 1<<20))
	p.byteOrder = binary.ByteOrder(binary.LittleEndian)
	if pr.BigEndian {
		p.byteOrder = binary.BigEndian
	}
	p.haveParams = true
	return nil
}

// fields reads a field list for contents c and appends the pointer values
// that fall into the heap arena to dst. It reports whether c has any
// pointer field. It records type hints for interface values.
func (p *parser) fields(c []byte, dst []uint64) ([]uint64, bool, error) {
	ptr := uint64(p.d.Params.PtrSize)
	start, end := p.d.Params.ArenaStart, p.d.Params.ArenaEnd
	any := false
	for {
		kind, err := p.uvarint()
		if err != nil {
			return nil, false, err
		}
		if kind == fieldEol {
			return dst, any, nil
		}
		if kind > fieldEface {
			return nil, false, fmt.Errorf("unknown field kind %d", kind)
		}
		off, err := p.uvarint()
		if err != nil {
			return nil, false, err
		}
		words := uint64(1)
		if kind != fieldPtr {
			words = 2 // type or itab word, then data word
		}
		if off > uint64(len(c)) || uint64(len(c))-off < words*ptr {
			return nil, false, fmt.Errorf("field at offset %d outside %d-byte contents", off, len(c))
		}
		any = true
		for w := range words {
			o := off + w*ptr
			if v := p.word(c, o); v >= start && v < end {
				dst = append(dst, v)
				if o >= ptr {
					p.hint(v, p.word(c, o-ptr))
				}
			}
		}
	}
}

func (p *parser) word(c []byte, o uint64) uint64 {
	if p.d.Params.PtrSize == 8 {
		return p.byteOrder.Uint64(c[o:])
	}
	return uint64(p.byteOrder.Uint32(c[o:]))
}

// hint notes that target is the data word of an interface value if the word
// before it, w, is the address of an itab or type in the dump. (The garbage
// collector's pointer maps do not list itab words, so every pointer is
// checked this way.)
func (p *parser) hint(target, w uint64) {
	if w < p.typeMin || w > p.typeMax {
		return
	}
	if t, ok := p.d.Itabs[w]; ok {
		p.hints = append(p.hints, hint{target, t})
	} else if _, ok := p.d.Types[w]; ok {
		p.hints = append(p.hints, hint{target, w})
	}
}

func (p *parser) object() error {
	addr, err := p.uvarint()
	if err != nil {
		return err
	}
	c, err := p.contents()
	if err != nil {
		return err
	}
	var any bool
	p.ptrs, any, err = p.fields(c, p.ptrs[:0])
	if err != nil {
		return err
	}
	if uint64(p.raw.len()+len(p.ptrs)) > math.MaxUint32 {
		return fmt.Errorf("more than %d pointers between objects: not supported", uint64(math.MaxUint32))
	}
	for _, v := range p.ptrs {
		p.raw.add(v)
	}
	p.addr.add(addr)
	p.size.add(uint64(len(c)))
	p.noscan.add(!any)
	p.edgeEnd.add(uint32(p.raw.len()))
	return nil
}

func (p *parser) segment(tag uint64) error {
	seg := &p.d.Data
	dst := &p.dataRaw
	if tag == tagBSS {
		seg, dst = &p.d.BSS, &p.bssRaw
	}
	addr, err := p.uvarint()
	if err != nil {
		return err
	}
	c, err := p.contents()
	if err != nil {
		return err
	}
	seg.Addr, seg.Size = addr, uint64(len(c))
	*dst, _, err = p.fields(c, *dst)
	return err
}

func (p *parser) goroutine() error {
	var g Goroutine
	var goid, status, system, background, waitSince uint64
	if err := p.uvarints(&g.Addr, &g.SP, &goid, &g.GoPC, &status, &system, &background, &waitSince); err != nil {
		return err
	}
	if system > 1 || background > 1 {
		return errors.New("bool is not 0 or 1")
	}
	g.ID, g.Status, g.System, g.WaitSince = int64(goid), status, system == 1, int64(waitSince)
	var err error
	if g.WaitReason, err = p.string(); err != nil {
		return err
	}
	var deferAddr, panicAddr uint64
	if err := p.uvarints(&g.Ctxt, &g.M, &deferAddr, &panicAddr); err != nil {
		return err
	}
	p.d.Goroutines = append(p.d.Goroutines, g)
	return nil
}

func (p *parser) frame() error {
	if len(p.d.Goroutines) == 0 {
		return errors.New("stack frame before any goroutine")
	}
	g := &p.d.Goroutines[len(p.d.Goroutines)-1]
	var f Frame
	if err := p.uvarints(&f.SP, &f.Depth, &f.ChildSP); err != nil {
		return err
	}
	if f.Depth != uint64(len(g.Frames)) {
		return fmt.Errorf("frame depth %d, want %d (frames must follow their goroutine)", f.Depth, len(g.Frames))
	}
	c, err := p.contents()
	if err != nil {
		return err
	}
	if len(c) > maxFrame {
		return fmt.Errorf("%d-byte frame too large", len(c))
	}
	f.Size = uint64(len(c))
	if err := p.uvarints(&f.Entry, &f.PC, &f.ContPC); err != nil {
		return err
	}
	if f.Func, err = p.string(); err != nil {
		return err
	}
	precise, err := p.offsets(c)
	if err != nil {
		return err
	}
	f.Words = p.frameWords(c, precise, g.SP)
	g.Frames = append(g.Frames, f)
	return nil
}

// offsets reads the field list of a stack frame with contents c and returns
// the offsets of its pointer words, in increasing order. Fields outside the
// frame are skipped, not refused: the runtime describes a goroutine stopped in
// a function's prologue with the pointer map of the frame it has not built yet
// (runtime/heapdump.go, "hope for the best"), so a real dump can name words
// below or above the frame it holds. They were never on the stack; the
// frame's words are still read conservatively by frameWords.
func (p *parser) offsets(c []byte) ([]uint64, error) {
	ptr := uint64(p.d.Params.PtrSize)
	var out []uint64
	for {
		kind, err := p.uvarint()
		if err != nil {
			return nil, err
		}
		if kind == fieldEol {
			slices.Sort(out)
			return out, nil
		}
		if kind > fieldEface {
			return nil, fmt.Errorf("unknown field kind %d", kind)
		}
		off, err := p.uvarint()
		if err != nil {
			return nil, err
		}
		words := uint64(1)
		if kind != fieldPtr {
			words = 2
		}
		if off > uint64(len(c)) || uint64(len(c))-off < words*ptr {
			continue
		}
		for w := range words {
			out = append(out, off+w*ptr)
		}
	}
}

// frameWords returns the words of frame contents c that point into the heap
// arena or up the goroutine's stack (from sp, at most maxStack bytes), marking
// those at the precise offsets.
func (p *parser) frameWords(c []byte, precise []uint64, sp uint64) []Word {
	ptr := p.d.Params.PtrSize
	var out []Word
	for o := 0; o+ptr <= len(c); o += ptr {
		v := p.word(c, uint64(o))
		inHeap := v >= p.d.Params.ArenaStart && v < p.d.Params.ArenaEnd
		if !inHeap && (v < sp || v-sp >= maxStack) {
			continue
		}
		_, isPrecise := slices.BinarySearch(precise, uint64(o))
		out = append(out, Word{Off: uint32(o), Val: v, Precise: isPrecise, Obj: -1})
	}
	return out
}

func (p *parser) memProf() error {
	var b MemProfBucket
	var nstk uint64
	if err := p.uvarints(&b.Addr, &b.Size, &nstk); err != nil {
		return err
	}
	for range nstk {
		var f ProfFrame
		var err error
		if f.Func, err = p.string(); err != nil {
			return err
		}
		if f.File, err = p.string(); err != nil {
			return err
		}
		if f.Line, err = p.uvarint(); err != nil {
			return err
		}
		b.Stack = append(b.Stack, f)
	}
	if err := p.uvarints(&b.Allocs, &b.Frees); err != nil {
		return err
	}
	p.d.MemProf[b.Addr] = b
	return nil
}
