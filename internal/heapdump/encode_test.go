package heapdump

import (
	"encoding/binary"
	"errors"
	"slices"
	"strings"
	"testing"
)

// enc writes synthetic heap dumps in the runtime's format, for tests.
type enc struct{ b []byte }

func newEnc() *enc { return &enc{b: []byte(Header)} }

func (e *enc) u(vs ...uint64) *enc {
	for _, v := range vs {
		e.b = binary.AppendUvarint(e.b, v)
	}
	return e
}

func (e *enc) s(s string) *enc { e.u(uint64(len(s))); e.b = append(e.b, s...); return e }

// params writes a little-endian 64-bit params record with the arena
// [0x10000, 0x20000).
func (e *enc) params() *enc {
	return e.u(tagParams, 0, 8, 0x10000, 0x20000).s("amd64").s("go1.26.8").u(2)
}

// words returns n little-endian words.
func words(vs ...uint64) string {
	var b []byte
	for _, v := range vs {
		b = binary.LittleEndian.AppendUint64(b, v)
	}
	return string(b)
}

// object writes an object whose words are vs, all pointer fields.
func (e *enc) object(addr uint64, vs ...uint64) *enc {
	e.u(tagObject, addr).s(words(vs...))
	for i := range vs {
		e.u(fieldPtr, uint64(8*i))
	}
	return e.u(fieldEol)
}

func (e *enc) goroutine(addr, sp uint64, id uint64) *enc {
	e.u(tagGoroutine, addr, sp, id, 0x401000, 2, 0, 0, 0).s("chan receive")
	return e.u(0, 0, 0, 0)
}

func (e *enc) frame(sp, depth uint64, fn string, vs ...uint64) *enc {
	e.u(tagStackFrame, sp, depth, 0).s(words(vs...)).u(0x401000, 0x401010, 0x401010).s(fn)
	for i := range vs {
		e.u(fieldPtr, uint64(8*i))
	}
	return e.u(fieldEol)
}

func (e *enc) eof() []byte { return e.u(tagEOF).b }

func TestParseSynthetic(t *testing.T) {
	in := newEnc().params().
		u(tagType, 0x5000, 8).s("*main.T").u(1).
		u(tagItab, 0x6000, 0x5000).
		object(0x11000, 0x11088, 0). // points into the middle of the next object
		object(0x11080, 0x6000, 0x11000).
		goroutine(0x11200, 0x7000, 7).
		frame(0x7000, 0, "main.f", 0x11000, 0x7010).
		u(tagDefer, 0x7010, 0x11200, 0x7000, 0x401000, 0x11080, 0x401000, 0).
		u(tagData, 0x9000).s(words(0x11080)).u(fieldPtr, 0, fieldEol).
		object(0x11200).
		eof()
	d, err := Parse(strings.NewReader(string(in)))
	if err != nil {
		t.Fatal(err)
	}
	o := &d.Objects
	if o.Len() != 3 || o.Addr(0) != 0x11000 || o.Addr(1) != 0x11080 || o.Addr(2) != 0x11200 {
		t.Fatalf("objects not sorted: %d", o.Len())
	}
	tests := []struct {
		name string
		give uint64
		want int32
	}{
		{name: "start", give: 0x11000, want: 0},
		{name: "interior", give: 0x11008, want: 0},
		{name: "one past the end", give: 0x11010, want: -1},
		{name: "below all", give: 0x100, want: -1},
		{name: "above all", give: 0x30000, want: -1},
	}
	for _, tt := range tests {
		if got := o.Find(tt.give); got != tt.want {
			t.Errorf("%s: Find(%#x) = %d, want %d", tt.name, tt.give, got, tt.want)
		}
	}
	if e := o.Edges(0); len(e) != 1 || e[0] != 1 {
		t.Errorf("edges of object 0 = %v, want [1]", e)
	}
	if e := o.Edges(1); len(e) != 1 || e[0] != 0 {
		t.Errorf("edges of object 1 = %v, want [0] (the itab word is not in the arena)", e)
	}
	if o.HasPointers(2) {
		t.Error("object 2 has no fields but HasPointers")
	}
	if got := d.TypeOf(0); got != "main.T" {
		t.Errorf("TypeOf(0) = %q, want main.T (from the itab word before the pointer)", got)
	}
	g := d.Goroutine(7)
	if g == nil || len(g.Frames) != 1 || len(g.Defers) != 1 {
		t.Fatalf("goroutine 7 = %+v", g)
	}
	if f := g.Frames[0]; f.Func != "main.f" || len(f.Pointers) != 1 || f.Pointers[0] != 0 || len(f.Words) != 2 {
		t.Errorf("frame = %+v, want one heap pointer to object 0 and a word pointing up the stack", f)
	}
	if len(d.Data.Pointers) != 1 || d.Data.Pointers[0] != 1 {
		t.Errorf("data pointers = %v, want [1]", d.Data.Pointers)
	}
}

func TestParseErrors(t *testing.T) {
	valid := newEnc().params().object(0x11000, 0x11000).eof()
	tests := []struct {
		name    string
		give    []byte
		wantErr string
		wantOff int64 // -1: do not check
	}{
		{name: "empty", give: nil, wantErr: "empty input", wantOff: 0},
		{name: "old format", give: []byte("go1.4 heap dump\n"), wantErr: "unsupported heap dump format", wantOff: 0},
		{name: "not a dump", give: []byte("goroutine 1 [running]:\n"), wantErr: "unsupported heap dump format", wantOff: 0},
		{name: "header only", give: []byte(Header), wantErr: "unexpected EOF", wantOff: int64(len(Header))},
		{name: "no eof record", give: valid[:len(valid)-1], wantErr: "unexpected EOF", wantOff: int64(len(valid) - 1)},
		{name: "truncated object", give: valid[:len(valid)-5], wantErr: "object record", wantOff: -1},
		{name: "unknown tag", give: newEnc().params().u(99).eof(), wantErr: "unknown record tag 99", wantOff: -1},
		{name: "record before params", give: newEnc().object(0x11000).eof(), wantErr: "before the params", wantOff: -1},
		{name: "no params", give: newEnc().eof(), wantErr: "no params record", wantOff: -1},
		{name: "bad pointer size", give: newEnc().u(tagParams, 0, 3, 0, 0).eof(), wantErr: "pointer size 3", wantOff: -1},
		{name: "field outside object", give: newEnc().params().u(tagObject, 0x11000).s(words(1)).u(fieldPtr, 8, fieldEol).eof(), wantErr: "field at offset 8 outside 8-byte contents", wantOff: -1},
		{name: "unknown field kind", give: newEnc().params().u(tagObject, 0x11000).s(words(1)).u(7, 0, fieldEol).eof(), wantErr: "unknown field kind 7", wantOff: -1},
		{name: "huge length", give: newEnc().params().u(tagObject, 0x11000, 1<<39).eof(), wantErr: "unexpected EOF", wantOff: -1},
		{name: "too large", give: newEnc().params().u(tagObject, 0x11000, 1<<50).eof(), wantErr: "too large", wantOff: -1},
		{name: "frame without goroutine", give: newEnc().params().frame(0x7000, 0, "f").eof(), wantErr: "before any goroutine", wantOff: -1},
		{name: "frame depth", give: newEnc().params().goroutine(0x11200, 0x7000, 1).frame(0x7000, 3, "f").eof(), wantErr: "frame depth 3, want 0", wantOff: -1},
		{name: "overlapping objects", give: newEnc().params().object(0x11000, 0, 0).object(0x11008, 0).eof(), wantErr: "overlaps", wantOff: -1},
		{name: "defer of unknown goroutine", give: newEnc().params().u(tagDefer, 1, 2, 3, 4, 5, 6, 7).eof(), wantErr: "unknown goroutine", wantOff: -1},
		{name: "varint overflow", give: append(newEnc().params().b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f), wantErr: "overflows", wantOff: -1},
		{name: "bad bool", give: newEnc().u(tagParams, 5).eof(), wantErr: "bool is 5", wantOff: -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(strings.NewReader(string(tt.give)))
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Parse: %v, want error containing %q", err, tt.wantErr)
			}
			var fe *FormatError
			if tt.wantOff >= 0 && (!errors.As(err, &fe) || fe.Offset != tt.wantOff) {
				t.Errorf("Parse: %v, want a *FormatError at offset %d", err, tt.wantOff)
			}
		})
	}
}

// A goroutine stopped in a function's prologue is dumped with the pointer map
// of the frame it has not built yet, so the runtime can name frame words
// outside the frame (offset -8 as a uint64 was seen in a real dump).
func TestParseFrameFieldsOutsideFrame(t *testing.T) {
	e := newEnc().params().goroutine(0x11200, 0x7000, 7).object(0x11000, 0).object(0x11200)
	e.u(tagStackFrame, 0x7000, 0, 0).s(words(0x11000, 0x11000)).u(0x401000, 0x401000, 0x401000).s("main.f")
	e.u(fieldPtr, 1<<64-8, fieldPtr, 8, fieldPtr, 16, fieldIface, 8, fieldEol)
	d, err := Parse(strings.NewReader(string(e.eof())))
	if err != nil {
		t.Fatalf("Parse: %v, want the fields outside the frame skipped", err)
	}
	g := d.Goroutine(7)
	if g == nil || len(g.Frames) != 1 {
		t.Fatalf("goroutine 7 = %+v", g)
	}
	var precise []uint32
	for _, w := range g.Frames[0].Words {
		if w.Precise {
			precise = append(precise, w.Off)
		}
	}
	if !slices.Equal(precise, []uint32{8}) {
		t.Errorf("precise words at %v, want [8] (only the field inside the frame)", precise)
	}
}

func TestParseTruncatedRealDump(t *testing.T) {
	var buf strings.Builder
	if err := Capture(&buf); err != nil {
		t.Fatal(err)
	}
	full := buf.String()
	if _, err := Parse(strings.NewReader(full)); err != nil {
		t.Fatalf("full dump: %v", err)
	}
	const cuts = 300
	for i := range cuts {
		n := len(full) * i / cuts
		_, err := Parse(strings.NewReader(full[:n]))
		var fe *FormatError
		if !errors.As(err, &fe) || fe.Offset > int64(n) {
			t.Fatalf("dump cut at %d of %d bytes: %v, want a *FormatError at or before the cut", n, len(full), err)
		}
	}
}
