package stack

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"os"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/iotest"
)

// cloneGoroutine copies what StreamDump reuses after its callback returns.
func cloneGoroutine(g *Goroutine) Goroutine {
	c := *g
	c.Frames = slices.Clone(g.Frames)
	if g.CreatedBy != nil {
		cb := *g.CreatedBy
		c.CreatedBy = &cb
	}
	c.Ancestors = slices.Clone(g.Ancestors)
	for i, a := range c.Ancestors {
		c.Ancestors[i].Frames = slices.Clone(a.Frames)
		if a.CreatedBy != nil {
			cb := *a.CreatedBy
			c.Ancestors[i].CreatedBy = &cb
		}
	}
	return c
}

// streamAll runs StreamDump over data and returns copies of the goroutines.
func streamAll(t testing.TB, data []byte) ([]Goroutine, StreamInfo, error) {
	t.Helper()
	var got []Goroutine
	info, err := StreamDump(bytes.NewReader(data), func(g *Goroutine) error {
		got = append(got, cloneGoroutine(g))
		return nil
	})
	if info.Goroutines != len(got) {
		t.Fatalf("StreamInfo.Goroutines = %d, callback called %d times", info.Goroutines, len(got))
	}
	return got, info, err
}

// dumpFixtures returns the fixtures that are goroutine dumps.
func dumpFixtures(t testing.TB) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	for _, file := range fixtures(t) {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		if Detect(data) == FormatDump {
			out[file] = data
		}
	}
	if len(out) == 0 {
		t.Fatal("no goroutine dump among the fixtures")
	}
	return out
}

// realDump returns the goroutine dump of this test process while it has
// goroutines blocked in several ways.
func realDump(t testing.TB) []byte {
	t.Helper()
	stop := make(chan struct{})
	var mu sync.Mutex
	mu.Lock()
	var started, done sync.WaitGroup
	for i := range 60 {
		started.Add(1)
		done.Add(1)
		go func() {
			defer done.Done()
			started.Done()
			switch i % 3 {
			case 0:
				<-stop
			case 1:
				select {
				case <-stop:
				case <-t.Context().Done():
				}
			default:
				mu.Lock()
				mu.Unlock() //nolint:staticcheck // an empty critical section is the point: block here
			}
		}()
	}
	started.Wait()
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	close(stop)
	mu.Unlock()
	done.Wait()
	return buf
}

// TestStreamDumpMatchesParseDump checks that streaming a whole dump gives
// exactly what ParseDump gives.
func TestStreamDumpMatchesParseDump(t *testing.T) {
	inputs := dumpFixtures(t)
	inputs["runtime.Stack of this test"] = realDump(t)
	for name, data := range inputs {
		t.Run(name, func(t *testing.T) {
			want, wantErr := ParseDump(data)
			got, info, err := streamAll(t, data)
			if (err != nil) != (wantErr != nil) {
				t.Fatalf("StreamDump error %v, ParseDump error %v", err, wantErr)
			}
			if wantErr != nil {
				return
			}
			if info.Truncated {
				t.Errorf("a whole dump is reported truncated")
			}
			if !reflect.DeepEqual(got, want.Goroutines) {
				t.Errorf("StreamDump goroutines differ from ParseDump's:\n got %+v\nwant %+v", got, want.Goroutines)
			}
			if info.Preamble != want.Preamble || info.Trailer != want.Trailer {
				t.Errorf("preamble/trailer %q/%q, ParseDump %q/%q", info.Preamble, info.Trailer, want.Preamble, want.Trailer)
			}
			if info.Bytes != int64(len(data)) {
				t.Errorf("Bytes = %d, want %d", info.Bytes, len(data))
			}
		})
	}
}

// TestStreamDumpPrefixes cuts real dumps at many byte offsets: every prefix
// gives the goroutines before the cut, or an error when there is none.
func TestStreamDumpPrefixes(t *testing.T) {
	inputs := dumpFixtures(t)
	inputs["runtime.Stack of this test"] = realDump(t)
	rng := rand.New(rand.NewPCG(1, 2))
	for name, data := range inputs {
		full, err := ParseDump(data)
		if err != nil {
			continue
		}
		t.Run(name, func(t *testing.T) {
			// Every offset of tiny dumps, 150 random ones of the others.
			for i := range min(len(data), 150) {
				cut := i
				if len(data) > 150 {
					cut = rng.IntN(len(data))
				}
				checkPrefix(t, data, full.Goroutines, cut)
			}
		})
	}
}

// checkPrefix streams data[:cut] and checks the result against the
// goroutines of the whole dump.
func checkPrefix(t *testing.T, data []byte, full []Goroutine, cut int) {
	t.Helper()
	prefix := data[:cut]
	got, info, err := streamAll(t, prefix)
	headers := countHeaders(data, cut)
	if err != nil {
		if headers > 1 {
			t.Fatalf("cut at %d of %d (%d headers before): %v", cut, len(data), headers, err)
		}
		if err.Error() == "" {
			t.Fatalf("cut at %d: empty error", cut)
		}
		return
	}
	n := len(got)
	if n < headers-1 || n > headers || n == 0 {
		t.Fatalf("cut at %d: %d goroutines from a prefix with %d headers", cut, n, headers)
	}
	if n < headers && !info.Truncated {
		t.Fatalf("cut at %d: goroutine %d dropped, but the dump is not reported truncated", cut, full[n].ID)
	}
	if !reflect.DeepEqual(got[:n-1], full[:n-1]) {
		t.Fatalf("cut at %d: complete goroutines differ from the whole dump's", cut)
	}
	// The last one may lack outer frames when the cut fell at the end of a
	// line: nothing in the text tells that more was to come.
	last, want := got[n-1], full[n-1]
	if last.ID != want.ID || last.State != want.State || len(last.Frames) > len(want.Frames) ||
		!slices.Equal(last.Frames, want.Frames[:len(last.Frames)]) {
		t.Fatalf("cut at %d: last goroutine %+v is not a prefix of %+v", cut, last, want)
	}
	if cutInsideGoroutineLine(data, cut) && !info.Truncated {
		t.Fatalf("cut at %d inside line %q: not reported truncated", cut, fullLineAt(data, cut))
	}
}

// countHeaders counts the goroutine headers of data that start before cut.
func countHeaders(data []byte, cut int) int {
	n := 0
	for line := range bytes.Lines(data[:cut]) {
		if bytes.HasSuffix(line, []byte("\n")) {
			line = bytes.TrimSuffix(line[:len(line)-1], []byte("\r"))
		} else {
			line = fullLineAt(data, cut)
		}
		if isHeader(line) {
			n++
		}
	}
	return n
}

// fullLineAt returns the whole line of data that holds the byte before cut.
func fullLineAt(data []byte, cut int) []byte {
	start := bytes.LastIndexByte(data[:cut], '\n') + 1
	end := bytes.IndexByte(data[cut:], '\n')
	if end < 0 {
		return data[start:]
	}
	return data[start : cut+end]
}

// cutInsideGoroutineLine reports whether cut falls inside a header, a
// call line, or the file line after a call or "created by" line.
func cutInsideGoroutineLine(data []byte, cut int) bool {
	if cut == 0 || data[cut-1] == '\n' {
		return false
	}
	line := fullLineAt(data, cut)
	if isHeader(line) || isCall(line) {
		return true
	}
	start := bytes.LastIndexByte(data[:cut], '\n') + 1
	if start == 0 || !bytes.HasPrefix(line, []byte("\t")) {
		return false
	}
	prev := fullLineAt(data, start-1)
	return isCall(prev) || bytes.HasPrefix(prev, createdByPrefix)
}

// TestStreamDumpPprofLimit checks that a dump of exactly the size where
// runtime/pprof stops is reported truncated and its last goroutine dropped,
// even when the cut falls at the end of a line.
func TestStreamDumpPprofLimit(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a 64 MiB dump")
	}
	one := realDump(t)
	var body bytes.Buffer
	for body.Len() < PprofDumpLimit {
		body.Write(one)
		body.WriteString("\n")
	}
	b := body.Bytes()[:PprofDumpLimit-2] // room for a preamble line
	// Move the cut to the end of the last file line before the limit, and
	// pad the preamble so that the size stays exactly the limit.
	lastLine := func(b []byte) []byte { return b[bytes.LastIndexByte(b[:len(b)-1], '\n')+1:] }
	b = b[:bytes.LastIndexByte(b, '\n')+1]
	for !bytes.HasPrefix(lastLine(b), []byte("\t/")) {
		b = b[:len(b)-len(lastLine(b))]
	}
	pad := PprofDumpLimit - len(b)
	data := append([]byte(strings.Repeat("x", pad-1)+"\n"), b...)
	if len(data) != PprofDumpLimit {
		t.Fatalf("built %d bytes, want %d", len(data), PprofDumpLimit)
	}
	n := 0
	info, err := StreamDump(bytes.NewReader(data), func(*Goroutine) error { n++; return nil })
	if err != nil {
		t.Fatal(err)
	}
	headers := countHeaders(data, len(data))
	if !info.Truncated || n != headers-1 {
		t.Fatalf("Truncated = %v, %d goroutines of %d headers; want truncated and the last one dropped", info.Truncated, n, headers)
	}
	// One byte less is an ordinary dump.
	data = data[1:]
	n = 0
	info, err = StreamDump(bytes.NewReader(data), func(*Goroutine) error { n++; return nil })
	if err != nil || info.Truncated || n != headers {
		t.Fatalf("one byte under the limit: err %v, Truncated %v, %d of %d goroutines", err, info.Truncated, n, headers)
	}
}

// TestStreamDumpErrors checks the refusals of StreamDump.
func TestStreamDumpErrors(t *testing.T) {
	one := realDump(t)
	readErr := errors.New("connection reset")
	tests := []struct {
		name string
		give []byte
		r    func([]byte) *bytes.Reader
		want string
	}{
		{name: "empty", give: nil, want: "empty input"},
		{name: "text without header", give: []byte("hello\nworld\n"), want: "no goroutine header"},
		{name: "NUL byte in the preamble", give: []byte("panic: x\x00\n"), want: "NUL byte"},
		{name: "NUL byte after a goroutine", give: append(slices.Clone(one), "\n\x00\x01\x02\n"...), want: "NUL byte"},
		{name: "long preamble", give: []byte(strings.Repeat("no header here\n", 5000)), want: "first 64 KiB"},
		{name: "long line", give: append([]byte("goroutine 1 [running]:\n"), bytes.Repeat([]byte("x"), 2<<20)...), want: "longer than"},
		{name: "header only", give: []byte("goroutine 1 [running]:\n"), want: "cut before the end of its first goroutine"},
		{name: "bad goroutine in the middle", give: append([]byte("goroutine 1 [running]:\n\tno call\n\n"), one...), want: "file line without a function call line"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := streamAll(t, tt.give)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to say %q", err, tt.want)
			}
		})
	}
	t.Run("read error", func(t *testing.T) {
		r := iotest.DataErrReader(&errAfter{data: one, err: readErr})
		_, err := StreamDump(r, func(*Goroutine) error { return nil })
		if !errors.Is(err, readErr) {
			t.Fatalf("err = %v, want the read error", err)
		}
	})
	t.Run("callback error", func(t *testing.T) {
		stop := errors.New("enough")
		_, err := StreamDump(bytes.NewReader(one), func(*Goroutine) error { return stop })
		if !errors.Is(err, stop) {
			t.Fatalf("err = %v, want the callback's", err)
		}
	})
}

// errAfter reads data, then fails with err.
type errAfter struct {
	data []byte
	err  error
}

func (r *errAfter) Read(p []byte) (int, error) {
	if len(r.data) == 0 {
		return 0, r.err
	}
	n := copy(p, r.data)
	r.data = r.data[n:]
	return n, nil
}
