package inspect

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/leakhound/leakhound/internal/stack"
)

// MaxSourceBytes bounds what one source may hold, compressed or not:
// bigger files and responses are refused before they are read, and a
// stream, or what a gzip stream expands to, is stopped at this size.
// Goroutine dumps are parsed as they are read, so memory stays bounded
// whatever their size.
const MaxSourceBytes = 512 << 20

// MaxProfileBytes bounds a debug=1 text profile or a pprof proto, which
// are read whole before decoding (they hold one record per distinct stack,
// so they stay small even for huge processes).
const MaxProfileBytes = 64 << 20

// sniffBytes is how much of a source is looked at to tell its format, and
// so the most that is read of foreign data before it is refused.
const sniffBytes = 64 << 10

// Group is a set of goroutines of one sample that share a stack (one
// goroutine of a dump, or one record of a profile).
type Group struct {
	// Count is how many goroutines share this stack.
	Count int
	// Wait is the wait reason ("chan send", "select", "IO wait") or status
	// ("running"); inferred from the stack for protos, empty when unknown
	// (debug=1 text omits the runtime frames it could be inferred from).
	Wait string
	// Leaked reports that the garbage collector proved these goroutines
	// leaked (" (leaked)" in a dump, or a goroutineleak profile).
	Leaked bool
	// Age is how long the goroutine has waited (dumps only; 0 when unknown).
	Age time.Duration
	// Frames is the stack, innermost first.
	Frames []stack.Frame
	// CreatedBy is the go statement that created the goroutines, if known.
	CreatedBy *stack.Frame
}

// Sample is one decoded goroutine dump or profile.
type Sample struct {
	// Format says what the source held, for messages: "goroutine dump",
	// "goroutine profile (debug=1)", "goroutineleak profile (proto)" ...
	Format string
	Groups []Group
	// Goroutines is the number of goroutines read, including those
	// without a frame outside the runtime; 0 when the format does not
	// say (profiles give it by the counts of their groups).
	Goroutines int
	// Truncated reports that the dump was cut (the 64 MiB limit of
	// /debug/pprof/goroutine?debug=2, a crash while writing): the
	// goroutines before the cut were read, more existed, and counts are
	// lower bounds.
	Truncated bool
}

// Decode reads a goroutine dump (debug=2, panic or SIGQUIT output), a
// debug=1 text profile, or a gzip-compressed pprof proto of the goroutine or
// goroutineleak profile. The error says what the data looked like instead.
func Decode(data []byte) (*Sample, error) {
	return DecodeReader(bytes.NewReader(data))
}

// DecodeReader is Decode reading from r: it tells the format from the first
// 64 KiB, refusing foreign data there, and parses a dump as it reads it,
// keeping only one group per blocking site. It reads at most
// MaxSourceBytes, after decompression when the data is gzip'd.
func DecodeReader(r io.Reader) (*Sample, error) {
	br := bufio.NewReaderSize(r, sniffBytes)
	head, err := br.Peek(sniffBytes)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) && len(head) == 0 {
		return nil, fmt.Errorf("read: %w", err)
	}
	if len(head) == 0 {
		return nil, errors.New("empty input: want a goroutine dump or profile")
	}
	if isGzip(head) {
		return decodeGzip(br)
	}
	switch stack.Detect(head) {
	case stack.FormatDump:
		return decodeDump(br)
	case stack.FormatProfileText:
		data, err := readWhole(br, "text profile")
		if err != nil {
			return nil, err
		}
		return decodeProfileText(data)
	}
	return nil, errors.New(describeUnknown(head))
}

// decodeGzip decodes gzip'd text or a pprof proto, stopping at
// MaxSourceBytes of decompressed data.
func decodeGzip(r io.Reader) (*Sample, error) {
	zr, err := gzip.NewReader(r)
	if err != nil {
		return nil, fmt.Errorf("gzip: %w", err)
	}
	br := bufio.NewReaderSize(&capReader{r: zr, left: maxSourceBytes, err: errGzipTooLarge}, sniffBytes)
	head, err := br.Peek(sniffBytes)
	if err != nil && !errors.Is(err, io.EOF) && len(head) == 0 {
		return nil, gzipError(err)
	}
	switch {
	case len(head) == 0:
		return nil, errors.New("gzip: empty: want a goroutine dump or profile")
	case isGzip(head):
		return nil, errors.New("gzip inside gzip: decompress the file once before inspecting it")
	case looksLikeText(head):
		s, err := DecodeReader(br)
		if err != nil {
			return nil, fmt.Errorf("gzip-compressed text: %w", gzipError(err))
		}
		return s, nil
	case !looksLikeProto(head):
		return nil, errors.New("gzip-compressed binary data that is neither text nor a pprof profile")
	}
	raw, err := readWhole(br, "pprof proto")
	if err != nil {
		return nil, gzipError(err)
	}
	return decodeProto(raw)
}

var errGzipTooLarge = fmt.Errorf("gzip: decompresses to more than %d MiB: not a goroutine dump or profile", MaxSourceBytes>>20)

// gzipError explains a read error of a gzip stream.
func gzipError(err error) error {
	if errors.Is(err, gzip.ErrChecksum) || errors.Is(err, gzip.ErrHeader) || errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("gzip: %w (the file is truncated or corrupt)", err)
	}
	return err
}

// readWhole reads a profile whole, up to MaxProfileBytes.
func readWhole(r io.Reader, what string) ([]byte, error) {
	tooLarge := fmt.Errorf("%s larger than %d MiB: not supported yet", what, MaxProfileBytes>>20)
	data, err := io.ReadAll(&capReader{r: r, left: MaxProfileBytes, err: tooLarge})
	if err != nil {
		return nil, err
	}
	return data, nil
}

// capReader reads r and fails with err once more than left bytes come.
type capReader struct {
	r    io.Reader
	left int64
	err  error
}

func (c *capReader) Read(p []byte) (int, error) {
	if int64(len(p)) > c.left+1 {
		p = p[:c.left+1]
	}
	n, err := c.r.Read(p)
	if int64(n) > c.left {
		return int(c.left), c.err
	}
	c.left -= int64(n)
	return n, err
}

// looksLikeProto reports whether data can start a pprof Profile message:
// its first byte is the key of a field of that message (numbers 1 to 15)
// with a varint or length-delimited wire type.
func looksLikeProto(data []byte) bool {
	field, wire := data[0]>>3, data[0]&7
	return field >= 1 && field <= 15 && (wire == wireVarint || wire == wireBytes)
}

func isGzip(data []byte) bool { return len(data) >= 2 && data[0] == 0x1f && data[1] == 0x8b }

// looksLikeText reports whether data starts like printable text (a profile
// proto starts with a field tag byte such as 0x0a).
func looksLikeText(data []byte) bool {
	head := data[:min(len(data), 64)]
	for len(head) > 0 {
		r, n := utf8.DecodeRune(head)
		if r == utf8.RuneError && n == 1 && utf8.FullRune(head) {
			return false
		}
		if r < 0x09 || (r > 0x0d && r < 0x20) {
			return false
		}
		head = head[n:]
	}
	return true
}

// describeUnknown says what unrecognized data looks like, so the user knows
// what they pointed at.
func describeUnknown(data []byte) string {
	head := strings.ToLower(strings.TrimSpace(string(data[:min(len(data), 512)])))
	switch {
	case strings.HasPrefix(head, "<!doctype html") || strings.HasPrefix(head, "<html") || strings.Contains(head, "<body"):
		return "got an HTML page, not a goroutine dump or profile: use an endpoint such as /debug/pprof/goroutine?debug=2"
	case strings.HasPrefix(head, "{") || strings.HasPrefix(head, "["):
		return "got JSON, not a goroutine dump or profile: use an endpoint such as /debug/pprof/goroutine?debug=2"
	case !looksLikeText(data):
		return "binary data that is not a gzip-compressed pprof profile"
	}
	line, _, _ := strings.Cut(head, "\n")
	if len(line) > 60 {
		line = line[:60] + "..."
	}
	return fmt.Sprintf("not a goroutine dump or profile (starts with %q)", line)
}

// siteGroup identifies the goroutines of a dump that StreamDump merges into
// one Group: same wait, same proof, same blocking site.
type siteGroup struct {
	wait   string
	leaked bool
	site   stack.Frame
}

// decodeDump parses a dump as it reads it and merges its goroutines into
// one group per wait, proof and blocking site, in the order of their first
// goroutine, each keeping the stack and creator of that first goroutine:
// Aggregate then gives what it gives for one group per goroutine.
// Goroutines without a frame outside the runtime are counted only.
func decodeDump(r io.Reader) (*Sample, error) {
	s := &Sample{Format: "goroutine dump"}
	index := map[siteGroup]int{}
	info, err := stack.StreamDump(r, func(g *stack.Goroutine) error {
		grp := Group{Count: 1, Wait: g.State, Leaked: g.Leaked, Age: g.Waiting, Frames: g.Frames}
		k, ok := SiteOf(&grp)
		if !ok {
			return nil
		}
		key := siteGroup{wait: g.State, leaked: g.Leaked, site: k.Site}
		if i, seen := index[key]; seen {
			s.Groups[i].Count++
			s.Groups[i].Age = max(s.Groups[i].Age, g.Waiting)
			return nil
		}
		grp.Frames = slices.Clone(g.Frames)
		if g.CreatedBy != nil {
			cb := *g.CreatedBy
			grp.CreatedBy = &cb
		}
		index[key] = len(s.Groups)
		s.Groups = append(s.Groups, grp)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("goroutine dump: %w", err)
	}
	s.Goroutines = info.Goroutines
	s.Truncated = info.Truncated
	return s, nil
}

func decodeProfileText(data []byte) (*Sample, error) {
	p, err := stack.ParseProfile(data)
	if err != nil {
		return nil, fmt.Errorf("text profile: %w", err)
	}
	leaked, err := profileLeaked(p.Name)
	if err != nil {
		return nil, err
	}
	s := &Sample{Format: p.Name + " profile (debug=1)"}
	for _, r := range p.Records {
		s.Groups = append(s.Groups, Group{
			Count:  r.Count,
			Wait:   inferWait(r.Frames),
			Leaked: leaked,
			Frames: r.Frames,
		})
	}
	return s, nil
}

// profileLeaked tells whether every goroutine of the named profile is
// proven leaked, and rejects profiles that are not about goroutines.
func profileLeaked(name string) (bool, error) {
	switch name {
	case "goroutine":
		return false, nil
	case "goroutineleak":
		return true, nil
	}
	return false, fmt.Errorf("%q profile: want the goroutine or goroutineleak profile", name)
}

func decodeProto(raw []byte) (*Sample, error) {
	p, err := decodeProfileProto(raw)
	if err != nil {
		return nil, fmt.Errorf("pprof proto: %w", err)
	}
	name := p.str(p.periodType.typ)
	if name == "" && len(p.sampleTypes) > 0 {
		name = p.str(p.sampleTypes[0].typ)
	}
	leaked, err := profileLeaked(name)
	if err != nil {
		return nil, fmt.Errorf("pprof proto: %w", err)
	}
	s := &Sample{Format: name + " profile (proto)"}
	for _, ps := range p.samples {
		if len(ps.values) == 0 || ps.values[0] <= 0 {
			continue
		}
		var frames []stack.Frame
		for _, id := range ps.locationIDs {
			lines, ok := p.locations[id]
			if !ok {
				return nil, fmt.Errorf("pprof proto: sample refers to missing location %d", id)
			}
			for _, l := range lines {
				fn := p.functions[l.functionID]
				frames = append(frames, stack.Frame{Func: p.str(fn.name), File: p.str(fn.filename), Line: int(l.line)})
			}
		}
		s.Groups = append(s.Groups, Group{
			Count:  int(min(ps.values[0], 1<<31-1)),
			Wait:   inferWait(frames),
			Leaked: leaked,
			Frames: userFrames(frames),
		})
	}
	return s, nil
}

// waitFuncs maps the runtime or library function a blocked goroutine parks in
// to the wait reason a dump would print for it.
var waitFuncs = map[string]string{
	"runtime.chansend":                  "chan send",
	"runtime.chanrecv":                  "chan receive",
	"runtime.selectgo":                  "select",
	"runtime.block":                     "select (no cases)",
	"sync.(*WaitGroup).Wait":            "sync.WaitGroup.Wait",
	"sync.(*Mutex).Lock":                "sync.Mutex.Lock",
	"sync.(*Mutex).lockSlow":            "sync.Mutex.Lock",
	"sync.(*RWMutex).Lock":              "sync.RWMutex.Lock",
	"sync.(*RWMutex).RLock":             "sync.RWMutex.RLock",
	"sync.(*Cond).Wait":                 "sync.Cond.Wait",
	"internal/poll.runtime_pollWait":    "IO wait",
	"time.Sleep":                        "sleep",
	"runtime.gopark":                    "",
	"runtime.goparkunlock":              "",
	"syscall.Syscall":                   "syscall",
	"syscall.Syscall6":                  "syscall",
	"internal/runtime/syscall.Syscall6": "syscall",
}

// inferWait returns the wait reason implied by the innermost known blocking
// function of frames, or "" when there is none.
func inferWait(frames []stack.Frame) string {
	for _, f := range frames {
		if w, ok := waitFuncs[f.Func]; ok && w != "" {
			return w
		}
	}
	return ""
}

// userFrames drops the runtime.gopark-style frames a proto keeps on top of
// a blocked stack and a dump does not print, so both formats group alike.
func userFrames(frames []stack.Frame) []stack.Frame {
	for i, f := range frames {
		if !strings.HasPrefix(f.Func, "runtime.") {
			return frames[i:]
		}
	}
	return frames
}
