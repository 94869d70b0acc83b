package stack

import (
	"bytes"
)

// ParseDump parses debug=2 / runtime.Stack(all) / panic / SIGQUIT text.
// Input that is truncated or not a dump returns a non-nil *ParseError (what
// was parsed before the bad line is still returned in the Dump when useful).
func ParseDump(data []byte) (*Dump, error) {
	p := newParser(data)
	// Every goroutine header but the first follows a newline; reserving
	// for all of them avoids copying the slice as it grows.
	headers := bytes.Count(data, []byte("\ngoroutine ")) + 1
	d := &Dump{Goroutines: make([]Goroutine, 0, headers)}
	err := p.dump(d)
	if err != nil && len(d.Goroutines) == 0 && d.Preamble == "" {
		return nil, err
	}
	return d, err
}

// parser holds the state shared by the dump and profile parsers: the input,
// the current line, interned strings and the frame arena.
type parser struct {
	data     []byte
	lines    int // number of '\n' in data
	cache    [internCache]string
	pos      int  // offset of the next line
	lineNo   int  // 1-based number of the line last returned by next
	lineAt   int  // offset of the line last returned by next
	complete bool // the line last returned by next ended with '\n'
	strs     map[string]string
	labelSet map[string]map[string]string // parsed label sets by their text, shared
	arena    []Frame                      // frames of all goroutines, handed out as capped subslices
	created  []Frame                      // "created by" frames, handed out by pointer
	headerNo int                          // line number of the current goroutine's header
	headerAt []byte                       // the current goroutine's header line
	stream   *lineStream                  // non-nil: lines come from a reader, not data
}

func newParser(data []byte) *parser {
	// A frame takes two lines; reserving for all of them up front avoids
	// copying the arena as it grows.
	lines := bytes.Count(data, []byte{'\n'})
	return &parser{
		data:  data,
		lines: lines,
		strs:  make(map[string]string, 1024),
		arena: make([]Frame, 0, lines/2+1),
	}
}

// next returns the next line without its line ending, or ok == false at the
// end of the input.
func (p *parser) next() (line []byte, ok bool) {
	if p.stream != nil {
		return p.nextStreamed()
	}
	if p.pos >= len(p.data) {
		return nil, false
	}
	p.lineAt = p.pos
	p.lineNo++
	rest := p.data[p.pos:]
	if i := bytes.IndexByte(rest, '\n'); i >= 0 {
		line = rest[:i]
		p.pos += i + 1
		p.complete = true
	} else {
		line = rest
		p.pos = len(p.data)
		p.complete = false
	}
	if n := len(line); n > 0 && line[n-1] == '\r' {
		line = line[:n-1]
	}
	return line, true
}

// internCache is the size of the direct-mapped cache in front of the
// intern map; dumps repeat a few hundred distinct names.
const internCache = 1024

// intern returns b as a string, sharing one copy per distinct value. A
// direct-mapped cache indexed by a cheap hash of the length and a few bytes
// answers most lookups without hashing the whole string.
func (p *parser) intern(b []byte) string {
	n := len(b)
	if n == 0 {
		return ""
	}
	h := (uint(n)*31 + uint(b[n-1])*7 + uint(b[n/2])*131 + uint(b[n*3/4])) % internCache
	if s := p.cache[h]; s == string(b) {
		return s
	}
	s, ok := p.strs[string(b)]
	if !ok {
		s = string(b)
		p.strs[s] = s
	}
	p.cache[h] = s
	return s
}

// errorf returns a *ParseError for the line last returned by next.
func (p *parser) errorf(line []byte, reason string) *ParseError {
	const max = 80
	text := string(line)
	if len(text) > max {
		text = text[:max] + "..."
	}
	return &ParseError{Line: p.lineNo, Text: text, Reason: reason}
}

// newCreatedBy returns a pointer to a fresh frame for a "created by" line.
// Frames come from chunks so that pointers stay valid without copying.
func (p *parser) newCreatedBy() *Frame {
	if len(p.created) == cap(p.created) {
		p.created = make([]Frame, 0, 256)
	}
	p.created = p.created[:len(p.created)+1]
	return &p.created[len(p.created)-1]
}

// Line prefixes of a dump, each quoted from runtime/traceback.go.
var (
	headerPrefix     = []byte("goroutine ")
	createdByPrefix  = []byte("created by ")
	inGoroutine      = []byte(" in goroutine ")
	originatingFrom  = []byte("[originating from goroutine ")
	elidedPrefix     = []byte("...")
	elidedSuffix     = []byte("elided...")
	unavailableLine  = []byte("\tgoroutine running on other thread; stack unavailable")
	nonGoFunction    = []byte("non-Go function at pc=")
	leakedSuffix     = []byte(" (leaked)")
	scanSuffix       = []byte(" (scan)")
	minutesSuffix    = []byte(" minutes")
	lockedToThread   = []byte("locked to thread")
	synctestBubble   = []byte("synctest bubble ")
	labelsInBrackets = []byte("labels:{")
)

// dumpState names what the dump parser expects next.
type dumpState int

const (
	// statePreamble: text before the first "goroutine N [...]:" header.
	statePreamble dumpState = iota
	// stateFrames: inside a goroutine (or one of its ancestors): a call
	// line, "created by", an elision marker, an ancestor, or a blank line.
	stateFrames
	// stateBetween: after a goroutine; a header starts the next one, other
	// non-blank lines are trailer text.
	stateBetween
)

// dumpParser is the state of one ParseDump run.
type dumpParser struct {
	*parser
	d         *Dump
	state     dumpState
	g         *Goroutine // goroutine being filled
	anc       *Ancestor  // ancestor being filled, nil when in g itself
	start     int        // arena index of the first frame of g or anc
	trailer   []byte
	preambleN int // length of the preamble in bytes
	// emit, when set, receives every complete goroutine instead of
	// d.Goroutines; the goroutine and its frames are reused afterwards.
	emit func(*Goroutine) error
	cur  Goroutine // the goroutine being filled when emit is set
}

// dump runs the line state machine over the whole input.
func (p *parser) dump(d *Dump) error {
	dp := &dumpParser{parser: p, d: d}
	err := dp.run()
	d.Preamble = string(bytes.TrimSpace(p.data[:dp.preambleN]))
	d.Trailer = string(bytes.TrimSpace(dp.trailer))
	return err
}

func (p *dumpParser) run() error {
	for {
		line, ok := p.next()
		if !ok {
			break
		}
		var err error
		if p.state == stateFrames {
			err = p.inGoroutine(line)
		} else {
			err = p.outside(line)
		}
		if err != nil {
			return p.fail(err)
		}
	}
	switch p.state {
	case statePreamble:
		return p.notADump()
	case stateFrames:
		return p.fail(p.end(stateBetween))
	}
	return nil
}

// fail drops the goroutine err cut short, if any, and returns err.
func (p *dumpParser) fail(err error) error {
	if err != nil && p.state == stateFrames && p.emit == nil {
		p.d.Goroutines = p.d.Goroutines[:len(p.d.Goroutines)-1]
	}
	return err
}

// outside handles a line of the preamble or between goroutines.
func (p *dumpParser) outside(line []byte) error {
	if isHeader(line) {
		if p.state == statePreamble {
			p.preambleN = p.lineAt
		}
		return p.begin(line)
	}
	if p.stream != nil {
		if err := p.outsideStreamed(line); err != nil {
			return err
		}
	}
	if p.state == stateBetween {
		if bytes.HasPrefix(line, headerPrefix) && len(line) > len(headerPrefix) && isDigit(line[len(headerPrefix)]) {
			return p.errorf(line, "malformed goroutine header")
		}
		p.addTrailer(line)
	}
	return nil
}

// inGoroutine handles a line inside a goroutine.
func (p *dumpParser) inGoroutine(line []byte) error {
	switch {
	case len(line) == 0:
		return p.end(stateBetween)
	case line[0] == '\t':
		if !bytes.Equal(line, unavailableLine) {
			return p.errorf(line, "file line without a function call line before it")
		}
		p.g.StackUnavailable = true
	case bytes.HasPrefix(line, createdByPrefix):
		f, err := p.createdBy(line, p.g, p.anc)
		if err != nil {
			return err
		}
		if p.anc != nil {
			p.anc.CreatedBy = f
		} else {
			p.g.CreatedBy = f
		}
	case bytes.HasPrefix(line, originatingFrom):
		if err := p.finish(); err != nil {
			return err
		}
		id, ok := parseAncestorHeader(line)
		if !ok {
			return p.errorf(line, "malformed ancestor header")
		}
		p.g.Ancestors = append(p.g.Ancestors, Ancestor{ID: id})
		p.anc = &p.g.Ancestors[len(p.g.Ancestors)-1]
	case bytes.HasPrefix(line, elidedPrefix) && bytes.HasSuffix(line, elidedSuffix):
		// "...additional frames elided..." (ancestors, and goroutines
		// before Go 1.21) or "...N frames elided..." (Go 1.21+).
		if p.anc != nil {
			p.anc.Elided = true
		} else {
			p.g.Elided = true
		}
	case isHeader(line):
		// A header right after a goroutine, without a blank line.
		if err := p.end(stateBetween); err != nil {
			return err
		}
		return p.begin(line)
	case bytes.HasPrefix(line, nonGoFunction):
		p.arena = append(p.arena, Frame{Func: p.intern(line)})
	case isCall(line):
		return p.frame(line)
	case len(p.arena) == p.start && !p.g.StackUnavailable || !p.complete:
		return p.errorf(line, `expected a function call line like "main.f(0x1)"`)
	default:
		// A complete goroutine followed by other text ("exit status 2",
		// a register dump): the goroutine ends here.
		if err := p.end(stateBetween); err != nil {
			return err
		}
		p.addTrailer(line)
	}
	return nil
}

// begin starts a goroutine at its header line.
func (p *dumpParser) begin(line []byte) error {
	if p.emit != nil {
		p.cur = Goroutine{}
		p.g, p.anc = &p.cur, nil
		p.arena, p.created = p.arena[:0], p.created[:0]
		p.resetInterned()
	} else {
		p.d.Goroutines = append(p.d.Goroutines, Goroutine{})
		p.g, p.anc = &p.d.Goroutines[len(p.d.Goroutines)-1], nil
	}
	p.start = len(p.arena)
	p.state = stateFrames
	return p.header(line, p.g)
}

// finish hands the arena frames read since start to the goroutine or
// ancestor being filled; a goroutine without frames was cut short.
func (p *dumpParser) finish() error {
	frames := p.arena[p.start:len(p.arena):len(p.arena)]
	if len(frames) == 0 {
		frames = nil
	}
	p.start = len(p.arena)
	if p.anc != nil {
		p.anc.Frames = frames
		return nil
	}
	p.g.Frames = frames
	return p.checkGoroutine(p.g)
}

// end finishes the current goroutine and moves to state.
func (p *dumpParser) end(state dumpState) error {
	if err := p.finish(); err != nil {
		return err
	}
	p.state = state
	if p.emit != nil {
		return p.emit(p.g)
	}
	return nil
}

func (p *dumpParser) addTrailer(line []byte) {
	if p.stream != nil && len(p.trailer)+len(line) > maxTrailerBytes {
		return
	}
	if len(bytes.TrimSpace(line)) > 0 {
		p.trailer = append(append(p.trailer, line...), '\n')
	}
}

// checkGoroutine reports a goroutine that ended without any frame: the
// runtime always prints at least one, so the input was cut.
func (p *parser) checkGoroutine(g *Goroutine) error {
	if len(g.Frames) == 0 && !g.StackUnavailable {
		return &ParseError{Line: p.headerNo, Text: string(p.headerAt), Reason: "goroutine " + itoa(g.ID) + " has no frames: the dump is truncated", cut: true}
	}
	return nil
}

// notADump explains why input without any goroutine header was rejected.
func (p *parser) notADump() error {
	first, _, _ := bytes.Cut(p.data, []byte{'\n'})
	reason := `no goroutine header ("goroutine N [state]:") found: not a goroutine dump`
	switch Detect(p.data) {
	case FormatProfileText:
		reason = "this is a debug=1 text profile, not a goroutine dump: parse it with ParseProfile"
	case FormatProto:
		reason = "this is a gzip'd pprof profile, not a goroutine dump: fetch it with debug=2"
	}
	if len(p.data) == 0 {
		reason = "empty input: not a goroutine dump"
	}
	p.lineNo = 1
	return p.errorf(first, reason)
}
