package heapdump

// The encoding primitives of a dump: unsigned varints, booleans and
// length-prefixed byte ranges, as runtime/heapdump.go writes them.

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"slices"
)

// uvarint reads one unsigned varint, refusing one longer than 64 bits.
func (p *parser) uvarint() (uint64, error) {
	var x uint64
	var s uint
	for i := 0; ; i++ {
		b, err := p.br.ReadByte()
		if err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return 0, err
		}
		p.off++
		if b < 0x80 {
			if i == binary.MaxVarintLen64-1 && b > 1 {
				return 0, errors.New("varint overflows 64 bits")
			}
			return x | uint64(b)<<s, nil
		}
		if i == binary.MaxVarintLen64-1 {
			return 0, errors.New("varint overflows 64 bits")
		}
		x |= uint64(b&0x7f) << s
		s += 7
	}
}

// uvarints reads len(dst) numbers into dst.
func (p *parser) uvarints(dst ...*uint64) error {
	for _, d := range dst {
		v, err := p.uvarint()
		if err != nil {
			return err
		}
		*d = v
	}
	return nil
}

// bool reads a varint that must be 0 or 1.
func (p *parser) bool() (bool, error) {
	v, err := p.uvarint()
	if err != nil {
		return false, err
	}
	if v > 1 {
		return false, fmt.Errorf("bool is %d, want 0 or 1", v)
	}
	return v == 1, nil
}

// contents reads a length-prefixed memory range into p.buf, which it reuses.
func (p *parser) contents() ([]byte, error) {
	return p.bytes(&p.buf, maxContents, "length")
}

// string reads a length-prefixed string of at most maxString bytes.
func (p *parser) string() (string, error) {
	b, err := p.bytes(&p.sbuf, maxString, "string length")
	return string(b), err
}

// bytes reads a length-prefixed range of at most limit bytes into *buf,
// which it reuses, a chunk at a time: a length larger than the input
// allocates at most one chunk more. what names the length in errors.
func (p *parser) bytes(buf *[]byte, limit uint64, what string) ([]byte, error) {
	n, err := p.uvarint()
	if err != nil {
		return nil, err
	}
	if n > limit {
		return nil, fmt.Errorf("%s %d too large", what, n)
	}
	b := (*buf)[:0]
	for uint64(len(b)) < n {
		chunk := int(min(n-uint64(len(b)), readChunk))
		l := len(b)
		b = slices.Grow(b, chunk)[:l+chunk]
		m, err := io.ReadFull(p.br, b[l:])
		p.off += int64(m)
		if err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return nil, fmt.Errorf("%d-byte range: %w", n, err)
		}
	}
	*buf = b
	return b, nil
}
