package inspect

import (
	"errors"
	"fmt"
)

// This file reads the few parts of a pprof profile.proto message
// (github.com/google/pprof/proto/profile.proto) that a goroutine profile
// uses: sample types, samples, locations, functions and the string table.
// It is a small protobuf wire-format reader, so that inspect needs no
// dependency; every length and index is checked, because the input comes
// from files and URLs we do not control.

// profileProto is the decoded subset of a pprof Profile message.
type profileProto struct {
	sampleTypes []valueType
	periodType  valueType
	samples     []protoSample
	locations   map[uint64][]protoLine // by location id; lines innermost first
	functions   map[uint64]protoFunction
	strings     []string
}

type valueType struct{ typ, unit int64 } // string table indexes

type protoSample struct {
	locationIDs []uint64
	values      []int64
	labels      []protoLabel
}

type protoLabel struct{ key, str int64 }

type protoLine struct {
	functionID uint64
	line       int64
}

type protoFunction struct{ name, filename int64 }

// Wire types of the protobuf encoding.
const (
	wireVarint = 0
	wire64bit  = 1
	wireBytes  = 2
	wire32bit  = 5
)

var errTruncated = errors.New("truncated protobuf message")

// protoReader walks the fields of one message.
type protoReader struct {
	data []byte
	pos  int
}

func (r *protoReader) varint() (uint64, error) {
	var v uint64
	for shift := uint(0); shift < 64; shift += 7 {
		if r.pos >= len(r.data) {
			return 0, errTruncated
		}
		b := r.data[r.pos]
		r.pos++
		v |= uint64(b&0x7f) << shift
		if b < 0x80 {
			return v, nil
		}
	}
	return 0, errors.New("protobuf varint longer than 10 bytes")
}

// field reads the next field: its number, wire type, varint value (for
// wireVarint) and bytes (for wireBytes).
func (r *protoReader) field() (num int, wire int, v uint64, b []byte, err error) {
	key, err := r.varint()
	if err != nil {
		return 0, 0, 0, nil, err
	}
	num, wire = int(key>>3), int(key&7)
	if num == 0 {
		return 0, 0, 0, nil, errors.New("protobuf field number 0")
	}
	switch wire {
	case wireVarint:
		v, err = r.varint()
	case wire64bit:
		err = r.skip(8)
	case wire32bit:
		err = r.skip(4)
	case wireBytes:
		var n uint64
		n, err = r.varint()
		if err == nil {
			if n > uint64(len(r.data)-r.pos) {
				return 0, 0, 0, nil, errTruncated
			}
			b = r.data[r.pos : r.pos+int(n)]
			r.pos += int(n)
		}
	default:
		err = fmt.Errorf("unsupported protobuf wire type %d", wire)
	}
	return num, wire, v, b, err
}

func (r *protoReader) skip(n int) error {
	if n > len(r.data)-r.pos {
		return errTruncated
	}
	r.pos += n
	return nil
}

func (r *protoReader) done() bool { return r.pos >= len(r.data) }

// appendUints appends a repeated uint64 field, packed (bytes) or not (varint).
func appendUints(dst []uint64, wire int, v uint64, b []byte) ([]uint64, error) {
	if wire == wireVarint {
		return append(dst, v), nil
	}
	if wire != wireBytes {
		return dst, errors.New("repeated integer field with a wrong wire type")
	}
	pr := protoReader{data: b}
	for !pr.done() {
		x, err := pr.varint()
		if err != nil {
			return dst, err
		}
		dst = append(dst, x)
	}
	return dst, nil
}

// decodeProfileProto decodes an uncompressed Profile message.
func decodeProfileProto(data []byte) (*profileProto, error) {
	p := &profileProto{
		locations: make(map[uint64][]protoLine),
		functions: make(map[uint64]protoFunction),
	}
	r := protoReader{data: data}
	for !r.done() {
		num, wire, v, b, err := r.field()
		if err != nil {
			return nil, err
		}
		if wire != wireBytes && (num == 1 || num == 2 || num == 4 || num == 5 || num == 6 || num == 11) {
			return nil, fmt.Errorf("profile field %d has wire type %d, want length-delimited", num, wire)
		}
		_ = v
		switch num {
		case 1:
			vt, err := decodeValueType(b)
			if err != nil {
				return nil, fmt.Errorf("sample_type: %w", err)
			}
			p.sampleTypes = append(p.sampleTypes, vt)
		case 2:
			s, err := decodeSample(b)
			if err != nil {
				return nil, fmt.Errorf("sample: %w", err)
			}
			p.samples = append(p.samples, s)
		case 4:
			id, lines, err := decodeLocation(b)
			if err != nil {
				return nil, fmt.Errorf("location: %w", err)
			}
			p.locations[id] = lines
		case 5:
			id, fn, err := decodeFunction(b)
			if err != nil {
				return nil, fmt.Errorf("function: %w", err)
			}
			p.functions[id] = fn
		case 6:
			p.strings = append(p.strings, string(b))
		case 11:
			vt, err := decodeValueType(b)
			if err != nil {
				return nil, fmt.Errorf("period_type: %w", err)
			}
			p.periodType = vt
		}
	}
	if len(p.strings) == 0 || p.strings[0] != "" {
		return nil, errors.New("not a pprof profile: the string table must start with an empty string")
	}
	return p, nil
}

func decodeValueType(b []byte) (valueType, error) {
	var vt valueType
	r := protoReader{data: b}
	for !r.done() {
		num, _, v, _, err := r.field()
		if err != nil {
			return vt, err
		}
		switch num {
		case 1:
			vt.typ = int64(v)
		case 2:
			vt.unit = int64(v)
		}
	}
	return vt, nil
}

func decodeSample(b []byte) (protoSample, error) {
	var s protoSample
	r := protoReader{data: b}
	for !r.done() {
		num, wire, v, fb, err := r.field()
		if err != nil {
			return s, err
		}
		switch num {
		case 1:
			s.locationIDs, err = appendUints(s.locationIDs, wire, v, fb)
		case 2:
			var u []uint64
			u, err = appendUints(nil, wire, v, fb)
			for _, x := range u {
				s.values = append(s.values, int64(x))
			}
		case 3:
			var l protoLabel
			l, err = decodeLabel(fb)
			s.labels = append(s.labels, l)
		}
		if err != nil {
			return s, err
		}
	}
	return s, nil
}

func decodeLabel(b []byte) (protoLabel, error) {
	var l protoLabel
	r := protoReader{data: b}
	for !r.done() {
		num, _, v, _, err := r.field()
		if err != nil {
			return l, err
		}
		switch num {
		case 1:
			l.key = int64(v)
		case 2:
			l.str = int64(v)
		}
	}
	return l, nil
}

func decodeLocation(b []byte) (uint64, []protoLine, error) {
	var id uint64
	var lines []protoLine
	r := protoReader{data: b}
	for !r.done() {
		num, wire, v, fb, err := r.field()
		if err != nil {
			return 0, nil, err
		}
		switch {
		case num == 1:
			id = v
		case num == 4 && wire == wireBytes:
			var l protoLine
			lr := protoReader{data: fb}
			for !lr.done() {
				n, _, lv, _, err := lr.field()
				if err != nil {
					return 0, nil, err
				}
				switch n {
				case 1:
					l.functionID = lv
				case 2:
					l.line = int64(lv)
				}
			}
			lines = append(lines, l)
		}
	}
	return id, lines, nil
}

func decodeFunction(b []byte) (uint64, protoFunction, error) {
	var id uint64
	var fn protoFunction
	r := protoReader{data: b}
	for !r.done() {
		num, _, v, _, err := r.field()
		if err != nil {
			return 0, fn, err
		}
		switch num {
		case 1:
			id = v
		case 2:
			fn.name = int64(v)
		case 4:
			fn.filename = int64(v)
		}
	}
	return id, fn, nil
}

// str returns string table entry i, or "" when i is out of range.
func (p *profileProto) str(i int64) string {
	if i < 0 || i >= int64(len(p.strings)) {
		return ""
	}
	return p.strings[i]
}
