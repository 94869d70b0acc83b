package stack

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
)

// PprofDumpLimit is where runtime/pprof stops a debug=2 goroutine dump
// (writeGoroutineStacks: "Filled 64 MB - stop there"), wherever that falls.
// A dump of exactly this size was cut there.
const PprofDumpLimit = 64 << 20

// Bounds of what StreamDump keeps in memory, whatever the input size.
const (
	// maxLineBytes bounds one line; the longest lines of a real dump are
	// goroutine headers with labels.
	maxLineBytes = 1 << 20
	// maxPreambleBytes bounds the text before the first goroutine header.
	maxPreambleBytes = 64 << 10
	// maxTrailerBytes bounds the trailer text kept; more is read and dropped.
	maxTrailerBytes = 64 << 10
	// maxInterned bounds the intern table; it starts afresh when full.
	maxInterned = 1 << 16
)

// StreamInfo is what StreamDump saw besides the goroutines it handed out.
type StreamInfo struct {
	// Goroutines is the number of complete goroutines handed out.
	Goroutines int
	// Preamble and Trailer are as in [Dump], shortened to their first 64 KiB.
	Preamble string
	Trailer  string
	// Truncated reports that the input was cut: it ended inside a
	// goroutine (which was dropped), or it is exactly [PprofDumpLimit]
	// bytes long (its last goroutine was dropped, since it may lack
	// frames). More goroutines existed than were handed out.
	Truncated bool
	// Bytes is the number of bytes read.
	Bytes int64
}

// StreamDump parses a goroutine dump from r one goroutine at a time, as
// ParseDump does, and calls fn with every complete goroutine in order.
// Memory stays bounded whatever the size of the input: the *Goroutine, its
// Frames, CreatedBy and Ancestors are reused once fn returns, so fn copies
// what it keeps (the strings are not reused).
//
// A dump cut short (the 64 MiB limit of /debug/pprof/goroutine?debug=2, a
// crash while writing, a truncated gzip stream) is not an error: the
// goroutines before the cut are handed out, the cut one is dropped and
// StreamInfo.Truncated is set. A dump without any complete goroutine, input
// that is not a dump (a NUL byte outside a goroutine, no header in the first
// 64 KiB, a line over 1 MiB), a malformed goroutine, a read error and an
// error from fn stop the parse and are returned.
func StreamDump(r io.Reader, fn func(*Goroutine) error) (StreamInfo, error) {
	s := &lineStream{r: bufio.NewReaderSize(r, 64<<10)}
	p := &dumpParser{
		parser: &parser{strs: make(map[string]string, 1024), stream: s},
		d:      &Dump{},
	}
	var info StreamInfo
	p.emit = func(g *Goroutine) error {
		info.Goroutines++
		return fn(g)
	}
	truncated, err := p.runStreamed()
	info.Truncated = truncated
	info.Bytes = s.n
	info.Preamble = string(bytes.TrimSpace(s.preamble))
	info.Trailer = string(bytes.TrimSpace(p.trailer))
	if err == nil && truncated && info.Goroutines == 0 {
		err = errors.New("the dump is cut before the end of its first goroutine")
	}
	return info, err
}

// lineStream hands out the lines of a reader. The line returned last and
// the one before it stay valid: the parser reads a file line while it
// still holds the call line above it.
type lineStream struct {
	r    *bufio.Reader
	bufs [2][]byte
	flip int
	n    int64 // bytes read
	done bool  // the end of the input was reached
	// cut reports that the input ended early: its last line has no
	// newline, or the compressed stream under it ended unexpectedly.
	cut      bool
	last     []byte // the last line returned
	err      error  // a read error other than the end of the input
	header   []byte // copy of the current goroutine's header line
	preamble []byte
}

// nextStreamed is next for a parser reading from a lineStream.
func (p *parser) nextStreamed() ([]byte, bool) {
	s := p.stream
	if s.done {
		return nil, false
	}
	buf := s.bufs[s.flip][:0]
	for {
		chunk, err := s.r.ReadSlice('\n')
		buf = append(buf, chunk...)
		if err == nil {
			break
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			if len(buf) > maxLineBytes {
				s.done = true
				s.err = fmt.Errorf("line %d is longer than %d bytes: not a goroutine dump", p.lineNo+1, maxLineBytes)
				return nil, false
			}
			continue
		}
		s.done = true
		switch {
		case errors.Is(err, io.ErrUnexpectedEOF):
			s.cut = true
		case err != io.EOF:
			s.err = err
		}
		break
	}
	s.bufs[s.flip] = buf
	s.flip ^= 1
	if len(buf) == 0 {
		return nil, false
	}
	s.n += int64(len(buf))
	p.lineNo++
	p.complete = buf[len(buf)-1] == '\n'
	if p.complete {
		buf = buf[:len(buf)-1]
	} else {
		s.cut = true
	}
	if n := len(buf); n > 0 && buf[n-1] == '\r' {
		buf = buf[:n-1]
	}
	s.last = buf
	return buf, true
}

// atEnd reports whether no input is left after the last line returned.
func (s *lineStream) atEnd() bool {
	if s.done {
		return true
	}
	_, err := s.r.Peek(1)
	if err != nil && err != io.EOF && s.err == nil && !errors.Is(err, io.ErrUnexpectedEOF) {
		s.err = err
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		s.cut = true
	}
	return err != nil
}

// runStreamed runs the dump state machine over a lineStream and decides
// at the end whether the input was cut.
func (p *dumpParser) runStreamed() (truncated bool, err error) {
	s := p.stream
	for {
		line, ok := p.next()
		if !ok {
			break
		}
		if p.state == stateFrames {
			err = p.inGoroutine(line)
		} else {
			err = p.outside(line)
		}
		if err != nil {
			break
		}
	}
	if s.err != nil {
		// A read error comes first: the line it cut may look malformed.
		return false, s.err
	}
	if err != nil {
		// An error on the last line of a cut input, or one that says the
		// input ended early, is the cut: the goroutine it hit was never
		// handed out.
		var pe *ParseError
		isParse := errors.As(err, &pe)
		if isParse && s.atEnd() && s.err == nil && (s.cut || pe.cut) {
			return true, nil
		}
		return false, err
	}
	switch p.state {
	case statePreamble:
		if s.n == 0 {
			return false, errors.New("empty input: not a goroutine dump")
		}
		return false, errors.New(`no goroutine header ("goroutine N [state]:") found: not a goroutine dump`)
	case stateFrames:
		if s.cut || s.n == PprofDumpLimit {
			return true, nil
		}
		if err := p.end(stateBetween); err != nil {
			var pe *ParseError
			if errors.As(err, &pe) && pe.cut {
				return true, nil
			}
			return false, err
		}
	case stateBetween:
		// A last line without its newline that starts like a header is
		// the header of a goroutine that was cut.
		if s.n == PprofDumpLimit || s.cut && (bytes.HasPrefix(s.last, headerPrefix) || bytes.HasPrefix(headerPrefix, s.last)) {
			return true, nil
		}
	}
	return false, nil
}

// outsideStreamed checks and keeps a line of the preamble or trailer of a
// streamed dump, so that foreign input is refused early and what is kept
// stays bounded.
func (p *dumpParser) outsideStreamed(line []byte) error {
	if bytes.IndexByte(line, 0) >= 0 {
		return p.errorf(line, "binary data (a NUL byte): not a goroutine dump")
	}
	if p.state != statePreamble {
		return nil
	}
	s := p.stream
	if len(s.preamble)+len(line) > maxPreambleBytes {
		return p.errorf(line, "no goroutine header in the first 64 KiB: not a goroutine dump")
	}
	s.preamble = append(append(s.preamble, line...), '\n')
	return nil
}

// cutf is errorf for a line after which the input ended too early.
func (p *parser) cutf(line []byte, reason string) *ParseError {
	e := p.errorf(line, reason)
	e.cut = true
	return e
}

// resetInterned empties the intern tables of a streamed parse when they
// grow past maxInterned, so that a dump of ever-new names stays bounded.
// Strings already handed out stay valid.
func (p *parser) resetInterned() {
	if len(p.strs) > maxInterned {
		clear(p.strs)
		p.cache = [internCache]string{}
	}
	if len(p.labelSet) > maxInterned/16 {
		clear(p.labelSet)
	}
}
