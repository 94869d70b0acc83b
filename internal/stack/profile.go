package stack

import (
	"bytes"
	"fmt"
)

// ParseProfile parses a debug=1 text profile as written by
// runtime/pprof.(*Profile).WriteTo(w, 1) (printCountProfile in
// runtime/pprof/pprof.go):
//
//	goroutine profile: total 11
//	1 @ 0x47f40a 0x41512e 0x414c72 0x4e46fc 0x485341
//	# labels: {"path":"/api/v1", "request":"r-42"}
//	#	0x4e46fb	main.main.func1.1+0x1b	/src/main.go:110
//
// The columns are aligned with tabs, so a frame line may hold several tabs
// between fields. A profile whose record counts do not add up to its total is
// reported as truncated.
func ParseProfile(data []byte) (*Profile, error) {
	p := newParser(data)
	line, ok := p.next()
	for ok && len(bytes.TrimSpace(line)) == 0 {
		line, ok = p.next()
	}
	if !ok {
		p.lineNo = 1
		return nil, p.errorf(nil, "empty input: not a text profile")
	}
	name, total, ok := parseProfileHeader(line)
	if !ok {
		reason := `expected a header like "goroutine profile: total 12": not a debug=1 text profile`
		if Detect(data) == FormatDump {
			reason = "this is a goroutine dump, not a debug=1 text profile: parse it with ParseDump"
		}
		return nil, p.errorf(line, reason)
	}
	prof := &Profile{Name: name, Total: total}
	var (
		rec   *Record
		start int
		sum   int
	)
	finish := func() {
		if rec != nil {
			rec.Frames = p.arena[start:len(p.arena):len(p.arena)]
		}
		start = len(p.arena)
	}
	for {
		line, ok := p.next()
		if !ok {
			break
		}
		switch {
		case len(line) == 0:
		case line[0] == '#':
			if rec == nil {
				return prof, p.errorf(line, "comment line before the first record")
			}
			if labels, ok := bytes.CutPrefix(line, []byte("# labels: {")); ok {
				m, ok := p.labels(bytes.TrimSuffix(labels, []byte("}")))
				if !ok || !bytes.HasSuffix(labels, []byte("}")) {
					return prof, p.errorf(line, "malformed labels")
				}
				rec.Labels = m
				continue
			}
			if err := p.profileFrame(line); err != nil {
				return prof, err
			}
		case isDigit(line[0]):
			finish()
			r, err := p.record(line)
			if err != nil {
				return prof, err
			}
			sum += r.Count
			prof.Records = append(prof.Records, r)
			rec = &prof.Records[len(prof.Records)-1]
		default:
			return prof, p.errorf(line, `expected a record ("N @ 0x...") or a frame ("#\t0x...")`)
		}
	}
	finish()
	if sum != total {
		return prof, &ParseError{Line: p.lineNo, Reason: fmt.Sprintf("records count %d goroutines of the header's total %d: the profile is truncated", sum, total)}
	}
	return prof, nil
}

// parseProfileHeader parses "goroutine profile: total 11".
func parseProfileHeader(line []byte) (string, int, bool) {
	name, rest, ok := bytes.Cut(line, []byte(" profile: total "))
	if !ok || len(name) == 0 || bytes.IndexByte(name, ' ') >= 0 {
		return "", 0, false
	}
	n, digits := parseUint(rest)
	if digits == 0 || digits != len(rest) {
		return "", 0, false
	}
	return string(name), int(n), true
}

// record parses "3 @ 0x47fc4e 0x41491c 0x486321".
func (p *parser) record(line []byte) (Record, error) {
	n, digits := parseUint(line)
	rest, ok := bytes.CutPrefix(line[digits:], []byte(" @"))
	if !ok {
		return Record{}, p.errorf(line, `expected a record like "1 @ 0x47f40a 0x41512e"`)
	}
	r := Record{Count: int(n), PCs: make([]uint64, 0, bytes.Count(rest, []byte{' '}))}
	for len(rest) > 0 {
		if rest[0] != ' ' {
			return Record{}, p.errorf(line, "malformed program counter list")
		}
		var pc []byte
		pc, rest = cutField(rest[1:], ' ')
		v, ok := parseHex(pc)
		if !ok {
			return Record{}, p.errorf(line, "malformed program counter")
		}
		r.PCs = append(r.PCs, v)
	}
	return r, nil
}

// profileFrame parses "#\t0x4e46fb\tmain.main.func1.1+0x1b\t/src/main.go:110"
// into the arena; "#\t0x4e46fb" alone (a PC without symbol) adds nothing.
func (p *parser) profileFrame(line []byte) error {
	rest := bytes.TrimLeft(line[1:], "\t")
	pc, rest := cutField(rest, '\t')
	if _, ok := parseHex(pc); !ok {
		return p.errorf(line, "malformed frame: no program counter")
	}
	rest = bytes.TrimLeft(rest, "\t")
	if len(rest) == 0 {
		return nil
	}
	fn, rest := cutField(rest, '\t')
	if i := bytes.LastIndex(fn, []byte("+0x")); i > 0 {
		fn = fn[:i]
	}
	loc := bytes.TrimLeft(rest, "\t")
	colon := bytes.LastIndexByte(loc, ':')
	if colon <= 0 {
		return p.errorf(line, "malformed frame: no file:line")
	}
	n, digits := parseUint(loc[colon+1:])
	if digits == 0 || colon+1+digits != len(loc) {
		return p.errorf(line, "malformed frame: no line number")
	}
	p.arena = append(p.arena, Frame{Func: p.intern(fn), File: p.intern(loc[:colon]), Line: int(n)})
	return nil
}

// cutField splits b at the first sep.
func cutField(b []byte, sep byte) (field, rest []byte) {
	if i := bytes.IndexByte(b, sep); i >= 0 {
		return b[:i], b[i:]
	}
	return b, nil
}

// parseHex parses "0x4e46fb".
func parseHex(b []byte) (uint64, bool) {
	if len(b) < 3 || len(b) > 18 || b[0] != '0' || b[1] != 'x' {
		return 0, false
	}
	var v uint64
	for _, c := range b[2:] {
		switch {
		case '0' <= c && c <= '9':
			v = v<<4 | uint64(c-'0')
		case 'a' <= c && c <= 'f':
			v = v<<4 | uint64(c-'a'+10)
		case 'A' <= c && c <= 'F':
			v = v<<4 | uint64(c-'A'+10)
		default:
			return 0, false
		}
	}
	return v, true
}
