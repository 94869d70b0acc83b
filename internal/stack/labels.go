package stack

import (
	"bytes"
	"strconv"
)

// labels returns the label set whose text is b, parsed once per distinct
// text: goroutines started by one another share their labels, so a dump
// repeats few label sets many times.
func (p *parser) labels(b []byte) (map[string]string, bool) {
	if m, ok := p.labelSet[string(b)]; ok {
		return m, true
	}
	m, ok := parseLabels(b)
	if !ok {
		return nil, false
	}
	if p.labelSet == nil {
		p.labelSet = make(map[string]map[string]string)
	}
	p.labelSet[string(b)] = m
	return m, true
}

// parseLabels parses the inside of the braces of a label set, in any of the
// forms the runtime prints:
//
//	"k": "v", "k2": "v2"           goroutine header, Go 1.26 (always quoted)
//	k: v, note: "has space, comma"  goroutine header, Go 1.27 (quoted when needed)
//	"path":"/api/v1", "request":"r-42"  "# labels:" line of a debug=1 profile
//
// It returns ok == false for anything else.
func parseLabels(b []byte) (map[string]string, bool) {
	m := make(map[string]string)
	for len(b) > 0 {
		key, rest, ok := labelToken(b, ':')
		if !ok || len(rest) == 0 || rest[0] != ':' {
			return nil, false
		}
		rest = bytes.TrimPrefix(rest[1:], []byte{' '})
		value, rest, ok := labelToken(rest, ',')
		if !ok {
			return nil, false
		}
		m[key] = value
		if len(rest) > 0 {
			if !bytes.HasPrefix(rest, []byte(", ")) {
				return nil, false
			}
			rest = rest[2:]
			if len(rest) == 0 {
				return nil, false
			}
		}
		b = rest
	}
	return m, true
}

// labelToken reads a quoted Go string, or bytes up to stop, from the start
// of b.
func labelToken(b []byte, stop byte) (string, []byte, bool) {
	if len(b) > 0 && b[0] == '"' {
		for i := 1; i < len(b); i++ {
			switch b[i] {
			case '\\':
				i++
			case '"':
				s, err := strconv.Unquote(string(b[:i+1]))
				return s, b[i+1:], err == nil
			}
		}
		return "", nil, false
	}
	i := bytes.IndexByte(b, stop)
	if i < 0 {
		i = len(b)
	}
	if i == 0 {
		return "", nil, false
	}
	return string(b[:i]), b[i:], true
}
