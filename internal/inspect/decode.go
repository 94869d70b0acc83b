package inspect

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/leakhound/leakhound/internal/stack"
)

// MaxSourceBytes bounds what one source may hold, compressed or not, so a
// huge or hostile input cannot exhaust memory.
const MaxSourceBytes = 512 << 20

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
}

// Decode reads a goroutine dump (debug=2, panic or SIGQUIT output), a
// debug=1 text profile, or a gzip-compressed pprof proto of the goroutine or
// goroutineleak profile. The error says what the data looked like instead.
func Decode(data []byte) (*Sample, error) {
	if len(data) == 0 {
		return nil, errors.New("empty input: want a goroutine dump or profile")
	}
	if stack.Detect(data) == stack.FormatProto || isGzip(data) {
		raw, err := gunzip(data)
		if err != nil {
			return nil, err
		}
		if isGzip(raw) {
			return nil, errors.New("gzip inside gzip: decompress the file once before inspecting it")
		}
		if looksLikeText(raw) {
			s, err := Decode(raw)
			if err != nil {
				return nil, fmt.Errorf("gzip-compressed text: %w", err)
			}
			return s, nil
		}
		return decodeProto(raw)
	}
	switch stack.Detect(data) {
	case stack.FormatDump:
		return decodeDump(data)
	case stack.FormatProfileText:
		return decodeProfileText(data)
	}
	return nil, errors.New(describeUnknown(data))
}

func isGzip(data []byte) bool { return len(data) >= 2 && data[0] == 0x1f && data[1] == 0x8b }

func gunzip(data []byte) ([]byte, error) {
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("gzip: %w", err)
	}
	raw, err := io.ReadAll(io.LimitReader(zr, MaxSourceBytes+1))
	if err != nil {
		return nil, fmt.Errorf("gzip: %w (the file is truncated or corrupt)", err)
	}
	if len(raw) > MaxSourceBytes {
		return nil, fmt.Errorf("gzip: decompresses to more than %d bytes", MaxSourceBytes)
	}
	return raw, nil
}

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

func decodeDump(data []byte) (*Sample, error) {
	d, err := stack.ParseDump(data)
	if err != nil {
		return nil, fmt.Errorf("goroutine dump: %w", err)
	}
	if len(d.Goroutines) == 0 {
		return nil, errors.New("goroutine dump without goroutines")
	}
	s := &Sample{Format: "goroutine dump"}
	for _, g := range d.Goroutines {
		s.Groups = append(s.Groups, Group{
			Count:     1,
			Wait:      g.State,
			Leaked:    g.Leaked,
			Age:       g.Waiting,
			Frames:    g.Frames,
			CreatedBy: g.CreatedBy,
		})
	}
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
