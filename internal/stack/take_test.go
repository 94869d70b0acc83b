package stack

import (
	"bytes"
	"testing"
)

func TestTakeDump(t *testing.T) {
	tests := []struct {
		name         string
		give         []byte
		limit        int
		wantComplete bool
		wantLen      int // 0: any
	}{
		{name: "no buffer", limit: 1 << 30, wantComplete: true},
		{name: "grows", give: make([]byte, 16), limit: 1 << 30, wantComplete: true},
		{name: "fits", give: make([]byte, 1<<20), limit: 16, wantComplete: true},
		{name: "cut at the limit", give: make([]byte, 16), limit: 64, wantLen: 64},
		{name: "cut at once", give: make([]byte, 16), limit: 16, wantLen: 16},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dump, complete := TakeDump(tt.give, tt.limit)
			if complete != tt.wantComplete || (tt.wantLen > 0 && len(dump) != tt.wantLen) {
				t.Fatalf("got %d bytes, complete %v; want %d, %v", len(dump), complete, tt.wantLen, tt.wantComplete)
			}
			if !bytes.HasPrefix(dump, []byte("goroutine ")) {
				t.Errorf("dump starts with %q", dump[:min(40, len(dump))])
			}
			if !complete {
				return
			}
			if d, err := ParseDump(dump); err != nil || len(d.Goroutines) == 0 {
				t.Fatalf("ParseDump: %v, %v", d, err)
			}
			if len(tt.give) > len(dump) && &dump[0] != &tt.give[0] {
				t.Error("the dump fits in the buffer given but is elsewhere")
			}
		})
	}
}
