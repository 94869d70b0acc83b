package heapdump

import (
	"bytes"
	"testing"
)

func FuzzParse(f *testing.F) {
	f.Add(newEnc().params().object(0x11000, 0x11000).eof())
	f.Add(newEnc().params().
		u(tagType, 0x5000, 8).s("*main.T").u(1).
		u(tagItab, 0x6000, 0x5000).
		object(0x11000, 0x11088, 0).
		object(0x11080, 0x6000, 0x11000).
		goroutine(0x11200, 0x7000, 7).
		frame(0x7000, 0, "main.f", 0x11000, 0x7010).
		u(tagDefer, 0x7010, 0x11200, 0x7000, 0x401000, 0x11080, 0x401000, 0).
		u(tagPanic, 0x7020, 0x11200, 0x5000, 0x11000, 0, 0).
		u(tagData, 0x9000).s(words(0x11080)).u(fieldPtr, 0, fieldEol).
		u(tagBSS, 0xa000).s(words(0x11000, 0)).u(fieldIface, 0, fieldEol).
		u(tagFinalizer, 0x11000, 0x11080, 0x401000, 0x5000, 0x5000).
		u(tagQueuedFinalizer, 0x11000, 0x11080, 0x401000, 0x5000, 0x5000).
		u(tagOtherRoot).s("root").u(0x11000).
		u(tagOSThread, 0x8000, 1, 1234).
		u(tagMemProf, 0xb000, 16, 1).s("main.f").s("main.go").u(3, 1, 0).
		u(tagAllocSample, 0x11000, 0xb000).
		object(0x11200).
		eof())
	var real bytes.Buffer
	if err := Capture(&real); err != nil {
		f.Fatal(err)
	}
	f.Add(real.Bytes()[:min(real.Len(), 4096)]) // header, params, itabs and types
	f.Fuzz(func(t *testing.T, in []byte) {
		d, err := Parse(bytes.NewReader(in))
		if err != nil {
			return
		}
		o := &d.Objects
		for i := int32(0); i < int32(o.Len()); i++ {
			if i > 0 && o.Addr(i) < o.Addr(i-1)+o.Size(i-1) {
				t.Fatalf("objects %d and %d overlap", i-1, i)
			}
			for _, e := range o.Edges(i) {
				if e < 0 || int(e) >= o.Len() {
					t.Fatalf("edge %d out of range", e)
				}
			}
		}
		for _, g := range d.Goroutines {
			for _, f := range g.Frames {
				for _, w := range f.Words {
					if w.Obj >= int32(o.Len()) || uint64(w.Off) >= f.Size {
						t.Fatalf("bad word %+v in %d-byte frame", w, f.Size)
					}
				}
			}
		}
	})
}
