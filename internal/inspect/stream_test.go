package inspect

import (
	"bytes"
	"context"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/leakhound/leakhound/internal/stack"
	"github.com/leakhound/leakhound/internal/testutil/stacktest"
)

// wholeDumpSample is how Decode read a dump before it streamed: the whole
// dump parsed at once, one group per goroutine.
func wholeDumpSample(t *testing.T, data []byte) *Sample {
	t.Helper()
	d, err := stack.ParseDump(data)
	if err != nil {
		return nil
	}
	s := &Sample{Format: "goroutine dump"}
	for _, g := range d.Goroutines {
		s.Groups = append(s.Groups, Group{Count: 1, Wait: g.State, Leaked: g.Leaked, Age: g.Waiting, Frames: g.Frames, CreatedBy: g.CreatedBy})
	}
	return s
}

// TestDecodeMatchesWholeDump checks that the streaming decoder finds the
// same sites, counts, examples and findings as parsing the whole dump did,
// on every dump fixture and on a dump of this process.
func TestDecodeMatchesWholeDump(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("..", "stack", "testdata", "go1.*", "*.txt"))
	more, _ := filepath.Glob(filepath.Join("testdata", "*debug2.txt"))
	inputs := map[string][]byte{"runtime.Stack of this test": stacktest.BlockedDump(600)}
	for _, f := range append(files, more...) {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		inputs[f] = data
	}
	compared := 0
	all := Thresholds{MinCount: 1}
	for name, data := range inputs {
		want := wholeDumpSample(t, data)
		if want == nil || stack.Detect(data) != stack.FormatDump {
			continue
		}
		compared++
		got, err := Decode(data)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		wantAgg := Aggregate([]Observation{{Instance: "x", Sample: want}})
		gotAgg := Aggregate([]Observation{{Instance: "x", Sample: got}})
		if len(gotAgg.Sites) != len(wantAgg.Sites) {
			t.Errorf("%s: %d sites, want %d", name, len(gotAgg.Sites), len(wantAgg.Sites))
			continue
		}
		for i, w := range wantAgg.Sites {
			g := gotAgg.Sites[i]
			if g.Key != w.Key || g.Count != w.Count || g.Leaked != w.Leaked || g.MaxAge != w.MaxAge ||
				!reflect.DeepEqual(g.Example.Frames, w.Example.Frames) || !reflect.DeepEqual(g.Example.CreatedBy, w.Example.CreatedBy) {
				t.Errorf("%s: site %d = %+v, want %+v", name, i, g, w)
			}
		}
		gotF := Findings(Rank(gotAgg, all), 1)
		wantF := Findings(Rank(wantAgg, all), 1)
		if !reflect.DeepEqual(gotF, wantF) {
			t.Errorf("%s: findings differ:\n got %+v\nwant %+v", name, gotF, wantF)
		}
	}
	if compared < 10 {
		t.Fatalf("compared %d dumps, want the fixtures", compared)
	}
}

// TestDecodeTruncatedDump cuts a real dump at random offsets: the
// goroutines before the cut are counted, never more than the whole dump
// has at any site, and the sample says truncated.
func TestDecodeTruncatedDump(t *testing.T) {
	data := stacktest.BlockedDump(300)
	whole, err := Decode(data)
	if err != nil || whole.Truncated {
		t.Fatalf("whole dump: %v, truncated %v", err, whole.Truncated)
	}
	wantSites := countSites(whole, nil)
	rng := rand.New(rand.NewPCG(3, 4))
	first := bytes.Index(data, []byte("\n\ngoroutine ")) + 2
	for range 40 {
		cut := first + rng.IntN(len(data)-first-2)
		for data[cut-1] == '\n' {
			cut++ // mid-line: nothing in a line end says the dump goes on
		}
		s, err := Decode(data[:cut])
		if err != nil {
			t.Fatalf("cut at %d: %v", cut, err)
		}
		if !s.Truncated {
			t.Fatalf("cut at %d of %d: not truncated", cut, len(data))
		}
		if s.Goroutines >= whole.Goroutines || s.Goroutines < 1 {
			t.Fatalf("cut at %d: %d goroutines of %d", cut, s.Goroutines, whole.Goroutines)
		}
		for k, c := range countSites(s, nil) {
			if w := wantSites[k]; w == nil || c.count > w.count {
				t.Fatalf("cut at %d: site %v has %d goroutines, more than the whole dump's", cut, k, c.count)
			}
		}
	}
}

// countingReader counts the bytes read from r.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// endless repeats its data forever.
type endless struct {
	data []byte
	off  int
}

func (e *endless) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		c := copy(p[n:], e.data[e.off:])
		n += c
		e.off = (e.off + c) % len(e.data)
	}
	return n, nil
}

// TestDecodeBoundsInput checks that foreign data is refused from its first
// bytes, and that endless input is stopped at the limit.
func TestDecodeBoundsInput(t *testing.T) {
	random := make([]byte, 1<<16)
	for i := range random {
		random[i] = byte(rand.Uint32())
	}
	cr := &countingReader{r: &endless{data: random}}
	if _, err := DecodeReader(cr); err == nil || !strings.Contains(err.Error(), "binary data") {
		t.Fatalf("random bytes: %v", err)
	}
	if cr.n > 2*sniffBytes {
		t.Errorf("read %d bytes of random data before refusing it, want at most %d", cr.n, 2*sniffBytes)
	}

	defer func(old int64) { maxSourceBytes = old }(maxSourceBytes)
	maxSourceBytes = 1 << 20
	dump := readFixture(t, "goroutine.debug2.txt")
	var big bytes.Buffer
	for big.Len() < 3<<20 {
		big.Write(dump)
		big.WriteString("\n")
	}
	if _, err := Decode(gz(t, big.Bytes())); err == nil || !strings.Contains(err.Error(), "decompresses to more than") {
		t.Errorf("gzip over the limit: %v", err)
	}

	dir := t.TempDir()
	file := filepath.Join(dir, "big.txt")
	if err := os.WriteFile(file, big.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/chunked" {
			w.Write(big.Bytes()[:1000])
			w.(http.Flusher).Flush() // no Content-Length
		}
		w.Write(big.Bytes())
	}))
	defer srv.Close()
	l := &Loader{Workers: 2, Timeout: 10 * time.Second}
	for _, loc := range []string{file, srv.URL + "/sized", srv.URL + "/chunked"} {
		r := l.Load(context.Background(), Source{Instance: loc, Location: loc})
		if r.Err == nil || !strings.Contains(r.Err.Error(), "larger than") {
			t.Errorf("%s: err = %v, want it refused as too large", loc, r.Err)
		}
	}
}

// TestLoaderTokenAndRedaction checks that the token is sent, that a 401
// says how to give it, and that no message or instance name holds the
// password of a URL.
func TestLoaderTokenAndRedaction(t *testing.T) {
	dump := readFixture(t, "goroutine.debug2.txt")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer s3cret-token" {
			http.Error(w, "missing or wrong bearer token", http.StatusUnauthorized)
			return
		}
		w.Write(dump)
	}))
	defer srv.Close()
	src := Source{Instance: "a", Location: srv.URL}
	if r := (&Loader{Token: "s3cret-token"}).Load(context.Background(), src); r.Err != nil {
		t.Errorf("with the token: %v", r.Err)
	}
	r := (&Loader{}).Load(context.Background(), src)
	if r.Err == nil || !strings.Contains(r.Err.Error(), "401") || !strings.Contains(r.Err.Error(), "-token-file") {
		t.Errorf("without the token: %v", r.Err)
	}
	for _, loc := range []string{
		strings.Replace(srv.URL, "http://", "http://ops:pa55word@", 1) + "/x",
		"http://ops:pa55word@127.0.0.1:1/x",
		"http://ops:pa55word@[::1/x",
	} {
		s, err := ParseSource(loc)
		if err != nil {
			t.Fatal(err)
		}
		r := (&Loader{Timeout: 5 * time.Second}).Load(context.Background(), s)
		msg := s.Instance + " " + s.Redacted()
		if r.Err != nil {
			msg += " " + r.Err.Error()
		}
		if strings.Contains(msg, "pa55word") {
			t.Errorf("%s: password shown: %s", loc, msg)
		}
	}
}
