package inspect

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/leakhound/leakhound/internal/stack"
	"github.com/leakhound/leakhound/report"
)

func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// The fixtures come from one process (testdata/gen.go) with 3 goroutines
// leaked in chan send at gen.go:29 and 5 blocked on a global channel at
// gen.go:34; every format must group them alike.
func TestDecodeFixtures(t *testing.T) {
	tests := []struct {
		name       string
		give       string
		wantFormat string
		wantSites  map[string]int // "func [wait]" -> count
		wantLeaked int
	}{
		{
			name: "debug2 dump", give: "goroutineleak.debug2.txt", wantFormat: "goroutine dump",
			wantSites:  map[string]int{"main.leakSend.func1 [chan send]": 3, "main.blockGlobal.func1 [chan receive]": 5},
			wantLeaked: 3,
		},
		{
			name: "debug1 goroutine", give: "goroutine.debug1.txt", wantFormat: "goroutine profile (debug=1)",
			wantSites: map[string]int{"main.leakSend.func1 []": 3, "main.blockGlobal.func1 []": 5},
		},
		{
			name: "debug1 goroutineleak", give: "goroutineleak.debug1.txt", wantFormat: "goroutineleak profile (debug=1)",
			wantSites:  map[string]int{"main.leakSend.func1 []": 3},
			wantLeaked: 3,
		},
		{
			name: "proto goroutine", give: "goroutine.pb.gz", wantFormat: "goroutine profile (proto)",
			wantSites: map[string]int{"main.leakSend.func1 [chan send]": 3, "main.blockGlobal.func1 [chan receive]": 5},
		},
		{
			name: "proto goroutineleak", give: "goroutineleak.pb.gz", wantFormat: "goroutineleak profile (proto)",
			wantSites:  map[string]int{"main.leakSend.func1 [chan send]": 3},
			wantLeaked: 3,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Decode(readFixture(t, tt.give))
			if err != nil {
				t.Fatal(err)
			}
			if s.Format != tt.wantFormat {
				t.Errorf("Format = %q, want %q", s.Format, tt.wantFormat)
			}
			got := map[string]int{}
			leaked := 0
			for k, c := range countSites(s, nil) {
				if strings.HasPrefix(k.Site.Func, "main.") && k.Site.Func != "main.write" && k.Site.Func != "main.main" {
					got[k.Site.Func+" ["+k.Wait+"]"] += c.count
				}
				leaked += c.leaked
			}
			if len(got) != len(tt.wantSites) {
				t.Errorf("sites = %v, want %v", got, tt.wantSites)
			}
			for k, want := range tt.wantSites {
				if got[k] != want {
					t.Errorf("site %q count = %d, want %d (all: %v)", k, got[k], want, got)
				}
			}
			if leaked != tt.wantLeaked {
				t.Errorf("leaked = %d, want %d", leaked, tt.wantLeaked)
			}
		})
	}
}

func gz(t testing.TB, data []byte) []byte {
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	zw.Write(data)
	zw.Close()
	return b.Bytes()
}

func TestDecodeBadInput(t *testing.T) {
	dump := readFixture(t, "goroutineleak.debug2.txt")
	proto := readFixture(t, "goroutine.pb.gz")
	tests := []struct {
		name    string
		give    []byte
		wantErr string
	}{
		{name: "empty", give: nil, wantErr: "empty input"},
		{name: "html error page", give: []byte("<!DOCTYPE html>\n<html><body>502 Bad Gateway</body></html>"), wantErr: "HTML page"},
		{name: "json", give: []byte(`{"error": "nope"}`), wantErr: "got JSON"},
		{name: "binary garbage", give: []byte{0x00, 0x01, 0xfe, 0x42, 0x99}, wantErr: "binary data"},
		{name: "text", give: []byte("hello world\n"), wantErr: "not a goroutine dump or profile"},
		{name: "truncated proto", give: proto[:len(proto)/2], wantErr: "gzip"},
		{name: "gzip of text", give: gz(t, []byte("not a profile")), wantErr: "gzip-compressed text"},
		{name: "gzip of garbage", give: gz(t, []byte{0x0a, 0xff, 0xff}), wantErr: "pprof proto"},
		{name: "dump cut in its first goroutine", give: dump[:bytes.Index(dump, []byte("\n\t"))+4], wantErr: "cut before the end of its first goroutine"},
		{name: "gzip of zeros", give: gz(t, make([]byte, 1<<20)), wantErr: "neither text nor a pprof profile"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Decode(tt.give)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Decode error = %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}

func group(fn, wait string, count int, age time.Duration, leaked bool) Group {
	return Group{Count: count, Wait: wait, Age: age, Leaked: leaked,
		Frames: []stack.Frame{{Func: "runtime.gopark", File: "proc.go", Line: 1}, {Func: fn, File: "/app/main.go", Line: 17}}}
}

func TestRank(t *testing.T) {
	t0 := time.Unix(1000, 0)
	obs := []Observation{
		{Instance: "a", Time: t0, Sample: &Sample{Groups: []Group{group("main.send", "chan send", 50, 0, false)}}},
		{Instance: "a", Time: t0.Add(time.Minute), Sample: &Sample{Groups: []Group{
			group("main.send", "chan send", 80, 3*time.Hour, false),
			group("main.read", "IO wait", 5000, 5*time.Hour, false),
			group("main.proven", "chan receive", 1, 0, true),
		}}},
		{Instance: "b", Time: t0, Sample: &Sample{Groups: []Group{
			group("main.send", "chan send", 40, time.Minute, false),
			group("main.few", "select", 3, 0, false),
		}}},
		{Instance: "c", Time: t0, Sample: &Sample{Groups: []Group{group("main.idle", "select", 2, 0, false)}}},
	}
	agg := Aggregate(obs)
	if agg.Instances != 3 {
		t.Fatalf("Instances = %d, want 3", agg.Instances)
	}
	sus := Rank(agg, DefaultThresholds)
	var got []string
	for _, s := range sus {
		got = append(got, s.Site.Key.Site.Func)
	}
	// main.read is excluded (I/O), main.few and main.idle have no evidence.
	want := []string{"main.proven", "main.send"}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("ranked %v, want %v", got, want)
	}
	send := sus[1]
	if send.Site.Count != 120 || send.Site.Growth != 30 || send.Evidence != 3 {
		t.Errorf("main.send: count %d growth %d evidence %d, want 120, 30, 3", send.Site.Count, send.Site.Growth, send.Evidence)
	}
	wantSummary := "main.send (main.go:17) has 120 goroutine(s) blocked in chan send for 3.0h across 2 of 3 instances"
	if got := send.Summary(agg.Instances); got != wantSummary {
		t.Errorf("Summary = %q, want %q", got, wantSummary)
	}
	why := strings.Join(send.Why, "\n")
	for _, w := range []string{"120 goroutines blocked at this one site", "blocked for 3.0h", "grew by 30 in 1m0s between two samples of a", "present on 2 of 3 instances"} {
		if !strings.Contains(why, w) {
			t.Errorf("Why = %q, want it to contain %q", why, w)
		}
	}
	fs := Findings(sus, agg.Instances)
	if len(fs) != 2 {
		t.Fatalf("got %d findings, want 2: %+v", len(fs), fs)
	}
	if f := fs[0]; f.Reason != report.ReasonUnreachableWait || f.Certainty != report.Proven || f.Count != 1 {
		t.Errorf("first finding = %s/%s x%d, want unreachable-wait/proven x1", f.Reason, f.Certainty, f.Count)
	}
	if f := fs[1]; f.Reason != report.ReasonLongBlocked || f.Certainty != report.Suspected || f.Count != 120 || f.Stack[len(f.Stack)-1].Func != "main.send" {
		t.Errorf("second finding = %+v, want long-blocked/suspected x120 at main.send", f)
	}
}

func TestParseSource(t *testing.T) {
	tests := []struct {
		give     string
		want     Source
		wantErr  bool
		wantHTTP bool
	}{
		{give: "dump.txt", want: Source{Instance: "dump.txt", Location: "dump.txt"}},
		{give: "web1=dump.txt", want: Source{Instance: "web1", Location: "dump.txt"}},
		{give: "http://127.0.0.1:1/x?debug=2", want: Source{Instance: "http://127.0.0.1:1/x?debug=2", Location: "http://127.0.0.1:1/x?debug=2"}, wantHTTP: true},
		{give: "w=http://h/p?a=b", want: Source{Instance: "w", Location: "http://h/p?a=b"}, wantHTTP: true},
		{give: "dir/a=b.txt", want: Source{Instance: "dir/a=b.txt", Location: "dir/a=b.txt"}},
		{give: "", wantErr: true},
		{give: "web1=", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.give, func(t *testing.T) {
			got, err := ParseSource(tt.give)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tt.wantErr)
			}
			if err == nil && (got != tt.want || got.IsURL() != tt.wantHTTP) {
				t.Errorf("ParseSource(%q) = %+v (URL %v), want %+v", tt.give, got, got.IsURL(), tt.want)
			}
		})
	}
}

func TestLoaderHTTP(t *testing.T) {
	dump := readFixture(t, "goroutineleak.debug2.txt")
	release := make(chan struct{})
	defer close(release)
	mux := http.NewServeMux()
	mux.HandleFunc("/dump", func(w http.ResponseWriter, r *http.Request) { w.Write(dump) })
	mux.HandleFunc("/error", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "profiling disabled", http.StatusForbidden)
	})
	mux.HandleFunc("/html", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Write([]byte("<html><body>login</body></html>"))
	})
	mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	closed := httptest.NewServer(http.NotFoundHandler())
	closedURL := closed.URL
	closed.Close()

	l := &Loader{Workers: 2, Timeout: 300 * time.Millisecond}
	srcs := []Source{
		{Instance: "ok", Location: srv.URL + "/dump"},
		{Instance: "err", Location: srv.URL + "/error"},
		{Instance: "html", Location: srv.URL + "/html"},
		{Instance: "slow", Location: srv.URL + "/slow"},
		{Instance: "down", Location: closedURL + "/dump"},
		{Instance: "file", Location: filepath.Join("testdata", "goroutine.pb.gz")},
		{Instance: "nofile", Location: filepath.Join("testdata", "missing.txt")},
	}
	start := time.Now()
	res := l.LoadAll(context.Background(), srcs)
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("LoadAll took %v, want the per-source timeout to bound it", d)
	}
	wantErr := map[string]string{
		"err":    "HTTP 403 Forbidden: profiling disabled",
		"html":   "HTML page",
		"slow":   "no answer within 300ms",
		"down":   "connection refused",
		"nofile": "no such file",
	}
	for i, r := range res {
		if r.Source != srcs[i] {
			t.Fatalf("result %d is for %v, want %v", i, r.Source, srcs[i])
		}
		want, bad := wantErr[r.Source.Instance]
		switch {
		case bad && (r.Err == nil || !strings.Contains(r.Err.Error(), want)):
			t.Errorf("%s: err = %v, want one containing %q", r.Source.Instance, r.Err, want)
		case !bad && r.Err != nil:
			t.Errorf("%s: %v", r.Source.Instance, r.Err)
		case !bad && len(r.Sample.Groups) == 0:
			t.Errorf("%s: no goroutines decoded", r.Source.Instance)
		}
	}
}

// FuzzDecode checks that no input makes Decode panic or hang, and that
// what it accepts is well formed.
func FuzzDecode(f *testing.F) {
	for _, name := range []string{"goroutine.debug1.txt", "goroutine.debug2.txt", "goroutineleak.debug1.txt",
		"goroutineleak.pb.gz", "goroutine.pb.gz", "garbage.gz"} {
		f.Add(readFixture(f, name))
	}
	zr, err := gzip.NewReader(bytes.NewReader(readFixture(f, "goroutine.pb.gz")))
	if err != nil {
		f.Fatal(err)
	}
	raw, err := io.ReadAll(zr)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(raw)
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := Decode(data)
		if err != nil {
			if s != nil {
				t.Fatalf("Decode returned a sample and an error")
			}
			return
		}
		for _, g := range s.Groups {
			if g.Count <= 0 {
				t.Fatalf("group with count %d", g.Count)
			}
		}
		Rank(Aggregate([]Observation{{Instance: "x", Sample: s}}), DefaultThresholds)
	})
}

// TestLoaderBoundsConcurrency reads 12 slow URLs with 3 workers: never more
// than 3 requests are in flight, and they do overlap.
func TestLoaderBoundsConcurrency(t *testing.T) {
	dump := readFixture(t, "goroutine.debug2.txt")
	var mu sync.Mutex
	inFlight, most := 0, 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		inFlight++
		most = max(most, inFlight)
		mu.Unlock()
		time.Sleep(30 * time.Millisecond)
		mu.Lock()
		inFlight--
		mu.Unlock()
		w.Write(dump)
	}))
	defer srv.Close()
	var srcs []Source
	for i := range 12 {
		srcs = append(srcs, Source{Instance: fmt.Sprint(i), Location: srv.URL})
	}
	l := &Loader{Workers: 3, Timeout: 5 * time.Second}
	for _, r := range l.LoadAll(context.Background(), srcs) {
		if r.Err != nil {
			t.Fatalf("%s: %v", r.Source.Instance, r.Err)
		}
	}
	if most > 3 || most < 2 {
		t.Errorf("at most %d requests in flight, want 2 or 3 with 3 workers", most)
	}
}
