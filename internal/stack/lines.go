package stack

// The parsers of the lines of a dump: frames, creators, ancestors and
// goroutine headers.

import (
	"bytes"
	"strings"
	"time"
)

// frame parses a call line and the file line after it into the arena:
//
//	main.(*T).wait(...)
//		/src/main.go:19
//	runtime.gopark(0x0?, 0x0?, 0x0?, 0x0?, 0x0?)
//		/goroot/src/runtime/proc.go:462 +0xce fp=0x1e8441b42fa8 sp=0x1e8441b42f88 pc=0x47978e
func (p *parser) frame(call []byte) error {
	fn := p.intern(call[:bytes.LastIndexByte(call, '(')])
	line, ok := p.next()
	if !ok {
		return p.cutf(call, "function call line without its file line: the dump is truncated")
	}
	file, n, err := p.fileLine(line)
	if err != nil {
		return err
	}
	p.arena = append(p.arena, Frame{Func: fn, File: file, Line: n})
	return nil
}

// isCall reports whether line looks like "pkg.f(args)".
func isCall(line []byte) bool {
	return len(line) > 2 && line[len(line)-1] == ')' && bytes.LastIndexByte(line, '(') > 0
}

// fileLine parses "\t/path/file.go:123 +0x1f" (the " +0x1f" and
// " fp=... sp=... pc=..." parts being optional).
func (p *parser) fileLine(line []byte) (string, int, error) {
	if len(line) < 2 || line[0] != '\t' {
		return "", 0, p.errorf(line, `expected a tab-indented file line like "\t/src/main.go:12 +0x1d"`)
	}
	colon := bytes.LastIndexByte(line, ':')
	if colon <= 1 {
		return "", 0, p.errorf(line, "file line without a line number")
	}
	n, digits := parseUint(line[colon+1:])
	if digits == 0 || colon+1+digits < len(line) && line[colon+1+digits] != ' ' {
		return "", 0, p.errorf(line, "file line without a line number")
	}
	return p.intern(line[1:colon]), int(n), nil
}

// createdBy parses "created by main.main in goroutine 1" (the " in
// goroutine N" part since Go 1.21, never in ancestors) and its file line.
func (p *parser) createdBy(line []byte, g *Goroutine, anc *Ancestor) (*Frame, error) {
	name := line[len(createdByPrefix):]
	if i := bytes.Index(name, inGoroutine); i >= 0 {
		id, n := parseUint(name[i+len(inGoroutine):])
		if n == 0 || i+len(inGoroutine)+n != len(name) {
			return nil, p.errorf(line, `malformed "created by" line`)
		}
		if anc == nil {
			g.CreatorID = int64(id)
		}
		name = name[:i]
	}
	if len(name) == 0 {
		return nil, p.errorf(line, `"created by" line without a function`)
	}
	fn := p.intern(name)
	next, ok := p.next()
	if !ok {
		return nil, p.cutf(line, `"created by" line without its file line: the dump is truncated`)
	}
	file, n, err := p.fileLine(next)
	if err != nil {
		return nil, err
	}
	f := p.newCreatedBy()
	*f = Frame{Func: fn, File: file, Line: n}
	return f, nil
}

// parseAncestorHeader parses "[originating from goroutine 5]:".
func parseAncestorHeader(line []byte) (int64, bool) {
	rest := line[len(originatingFrom):]
	id, n := parseUint(rest)
	if n == 0 || string(rest[n:]) != "]:" {
		return 0, false
	}
	return int64(id), true
}

// isHeader reports whether line looks like "goroutine N ...[...]...:"; header
// checks the details.
func isHeader(line []byte) bool {
	return len(line) > len(headerPrefix)+4 &&
		bytes.HasPrefix(line, headerPrefix) &&
		isDigit(line[len(headerPrefix)]) &&
		line[len(line)-1] == ':' &&
		bytes.IndexByte(line, '[') > 0
}

// header parses a goroutine header. The runtime prints (goroutineheader in
// runtime/traceback.go):
//
//	goroutine 18 [chan receive]:
//	goroutine 7 gp=0x1e8441b0d860 m=0 mp=0x584f60 [running]:      (GOTRACEBACK=system, crash)
//	goroutine 20 [chan receive (nil chan) (leaked)]:              (goroutineleak, Go 1.26)
//	goroutine 23 [sleep (durable), synctest bubble 1]:            (Go 1.25)
//	goroutine 26 [chan receive, 12 minutes, locked to thread]:
//	goroutine 19 [chan receive labels:{"k": "v"}]:                (Go 1.26, GODEBUG=tracebacklabels=1)
//	goroutine 19 [chan receive] {k: v, note: "a b"}:              (Go 1.27)
func (p *parser) header(line []byte, g *Goroutine) error {
	p.headerNo, p.headerAt = p.lineNo, line
	if p.stream != nil {
		p.headerAt = append(p.stream.header[:0], line...)
		p.stream.header = p.headerAt
	}
	rest := line[len(headerPrefix):]
	id, n := parseUint(rest)
	if n == 0 {
		return p.errorf(line, "goroutine header without an id")
	}
	g.ID = int64(id)
	rest = rest[n:]
	open := bytes.IndexByte(rest, '[')
	if open < 1 || rest[open-1] != ' ' {
		return p.errorf(line, "malformed goroutine header")
	}
	rest = rest[open+1 : len(rest)-1] // between '[' and the final ':'
	var status, labels []byte
	if i := bytes.Index(rest, labelsInBrackets); i >= 0 && bytes.HasSuffix(rest, []byte("}]")) {
		status = bytes.TrimRight(rest[:i], ", ")
		labels = rest[i+len(labelsInBrackets) : len(rest)-2]
	} else {
		end := bytes.IndexByte(rest, ']')
		if end < 0 {
			return p.errorf(line, "goroutine header without a closing ']'")
		}
		status, labels = rest[:end], rest[end+1:]
		if len(labels) > 0 {
			if len(labels) < 3 || labels[0] != ' ' || labels[1] != '{' || labels[len(labels)-1] != '}' {
				return p.errorf(line, "malformed goroutine header after ']'")
			}
			labels = labels[2 : len(labels)-1]
		}
	}
	if len(labels) > 0 {
		m, ok := p.labels(labels)
		if !ok {
			return p.errorf(line, "malformed goroutine labels")
		}
		g.Labels = m
	}
	// The status is "reason[ (leaked)][ (scan)][ (durable)]" followed by
	// ", N minutes", ", locked to thread", ", synctest bubble N".
	reason, attrs, _ := bytes.Cut(status, []byte(", "))
	for len(attrs) > 0 {
		var attr []byte
		attr, attrs, _ = bytes.Cut(attrs, []byte(", "))
		switch {
		case bytes.HasSuffix(attr, minutesSuffix):
			m, n := parseUint(attr)
			if n != len(attr)-len(minutesSuffix) {
				return p.errorf(line, "malformed waiting time in goroutine header")
			}
			g.Waiting = time.Duration(m) * time.Minute
		case bytes.Equal(attr, lockedToThread):
			g.LockedToThread = true
		case bytes.HasPrefix(attr, synctestBubble):
			b, n := parseUint(attr[len(synctestBubble):])
			if n == 0 {
				return p.errorf(line, "malformed synctest bubble in goroutine header")
			}
			g.Bubble = int64(b)
		default:
			return p.errorf(line, "unknown part "+strings.TrimSpace(string(attr))+" in goroutine header")
		}
	}
	if len(reason) == 0 {
		return p.errorf(line, "goroutine header without a status")
	}
	if bytes.Contains(reason, leakedSuffix) || bytes.Contains(reason, scanSuffix) {
		g.Leaked = bytes.Contains(reason, leakedSuffix)
		var buf [128]byte
		r := append(buf[:0], reason...)
		r = cutAll(r, leakedSuffix)
		r = cutAll(r, scanSuffix)
		reason = r
	}
	g.State = p.intern(reason)
	return nil
}

// cutAll removes every occurrence of sep from b in place, in one pass.
func cutAll(b, sep []byte) []byte {
	out := b[:0]
	for {
		i := bytes.Index(b, sep)
		if i < 0 {
			return append(out, b...)
		}
		out = append(out, b[:i]...)
		b = b[i+len(sep):]
	}
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// parseUint parses the decimal digits at the start of b, returning the
// value and how many bytes it used (0 when b does not start with a digit or
// the value overflows 63 bits).
func parseUint(b []byte) (uint64, int) {
	var v uint64
	i := 0
	for ; i < len(b) && isDigit(b[i]); i++ {
		if v > (1<<63-1)/10 {
			return 0, 0
		}
		v = v*10 + uint64(b[i]-'0')
	}
	if v > 1<<63-1 {
		return 0, 0
	}
	return v, i
}

func itoa(n int64) string {
	var buf [20]byte
	i := len(buf)
	u := uint64(n)
	if n < 0 {
		u = uint64(-n)
	}
	for {
		i--
		buf[i] = byte('0' + u%10)
		u /= 10
		if u == 0 {
			break
		}
	}
	if n < 0 {
		i--
		buf[i] = '-'
	}
	return string(buf[i:])
}
