package stack

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestParseDumpHeader(t *testing.T) {
	const frames = "\nmain.f()\n\t/src/m.go:3 +0x1\n"
	tests := []struct {
		name string
		give string
		want Goroutine
	}{
		{
			name: "plain",
			give: "goroutine 18 [chan receive]:",
			want: Goroutine{ID: 18, State: "chan receive"},
		},
		{
			name: "leaked before minutes (Go 1.26 goroutineleak)",
			give: "goroutine 7 [chan send (leaked), 3 minutes]:",
			want: Goroutine{ID: 7, State: "chan send", Leaked: true, Waiting: 3 * time.Minute},
		},
		{
			name: "wait reason with parentheses, leaked",
			give: "goroutine 20 [chan receive (nil chan) (leaked)]:",
			want: Goroutine{ID: 20, State: "chan receive (nil chan)", Leaked: true},
		},
		{
			name: "syscall minutes locked",
			give: "goroutine 9 [syscall, 5 minutes, locked to thread]:",
			want: Goroutine{ID: 9, State: "syscall", Waiting: 5 * time.Minute, LockedToThread: true},
		},
		{
			name: "scan bit dropped",
			give: "goroutine 3 [GC sweep wait (scan)]:",
			want: Goroutine{ID: 3, State: "GC sweep wait"},
		},
		{
			name: "synctest durable bubble",
			give: "goroutine 23 [sleep (durable), synctest bubble 12]:",
			want: Goroutine{ID: 23, State: "sleep (durable)", Bubble: 12},
		},
		{
			name: "GOTRACEBACK=system fields",
			give: "goroutine 7 gp=0x1e8441b0d860 m=0 mp=0x584f60 [running]:",
			want: Goroutine{ID: 7, State: "running"},
		},
		{
			name: "m=nil",
			give: "goroutine 1 gp=0x1e8441b0c1e0 m=nil [sleep]:",
			want: Goroutine{ID: 1, State: "sleep"},
		},
		{
			name: "Go 1.26 labels inside the brackets",
			give: `goroutine 19 [chan receive, 2 minutes labels:{"note": "a, b]", "request": "r-42"}]:`,
			want: Goroutine{ID: 19, State: "chan receive", Waiting: 2 * time.Minute, Labels: map[string]string{"note": "a, b]", "request": "r-42"}},
		},
		{
			name: "Go 1.27 labels after the brackets",
			give: `goroutine 19 [select] {note: "has space, comma", request: r-42, "k\"q": v}:`,
			want: Goroutine{ID: 19, State: "select", Labels: map[string]string{"note": "has space, comma", "request": "r-42", `k"q`: "v"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := ParseDump([]byte(tt.give + frames))
			if err != nil {
				t.Fatal(err)
			}
			tt.want.Frames = []Frame{{Func: "main.f", File: "/src/m.go", Line: 3}}
			if len(d.Goroutines) != 1 || !reflect.DeepEqual(d.Goroutines[0], tt.want) {
				t.Errorf("got %+v\nwant %+v", d.Goroutines, tt.want)
			}
		})
	}
}

func TestParseDumpFrames(t *testing.T) {
	tests := []struct {
		name string
		give string
		want Goroutine
	}{
		{
			name: "argument forms and file line suffixes",
			give: `goroutine 1 [running]:
panic({0x4a3b20?, 0xc000012345?})
	/goroot/src/runtime/panic.go:860 +0x13a
main.(*T).m(...)
	/src/m.go:12
main.gen[...](0x1, {0x2, 0x3})
	/src/m.go:20 +0x1d fp=0xc0000 sp=0xc0008 pc=0x47978e
runtime.goexit({})
	/goroot/src/runtime/asm_amd64.s:1771 +0x1
`,
			want: Goroutine{ID: 1, State: "running", Frames: []Frame{
				{Func: "panic", File: "/goroot/src/runtime/panic.go", Line: 860},
				{Func: "main.(*T).m", File: "/src/m.go", Line: 12},
				{Func: "main.gen[...]", File: "/src/m.go", Line: 20},
				{Func: "runtime.goexit", File: "/goroot/src/runtime/asm_amd64.s", Line: 1771},
			}},
		},
		{
			name: "windows path, CRLF",
			give: "goroutine 1 [running]:\r\nmain.main()\r\n\tC:/src/m.go:7 +0x1\r\n",
			want: Goroutine{ID: 1, State: "running", Frames: []Frame{{Func: "main.main", File: "C:/src/m.go", Line: 7}}},
		},
		{
			name: "elided in the middle, created by before Go 1.21",
			give: `goroutine 5 [chan receive]:
main.r(...)
	/src/m.go:3
...51 frames elided...
main.r(...)
	/src/m.go:3
created by main.main
	/src/m.go:9 +0x2d
`,
			want: Goroutine{ID: 5, State: "chan receive", Elided: true,
				Frames:    []Frame{{Func: "main.r", File: "/src/m.go", Line: 3}, {Func: "main.r", File: "/src/m.go", Line: 3}},
				CreatedBy: &Frame{Func: "main.main", File: "/src/m.go", Line: 9}},
		},
		{
			name: "ancestors",
			give: `goroutine 6 [chan receive]:
main.f()
	/src/m.go:3 +0x1
created by main.g in goroutine 5
	/src/m.go:4 +0x2
[originating from goroutine 5]:
main.g(...)
	/src/m.go:4 +0x2
...additional frames elided...
created by main.main
	/src/m.go:9 +0x3
[originating from goroutine 1]:
main.main(...)
	/src/m.go:9 +0x3
`,
			want: Goroutine{ID: 6, State: "chan receive",
				Frames:    []Frame{{Func: "main.f", File: "/src/m.go", Line: 3}},
				CreatedBy: &Frame{Func: "main.g", File: "/src/m.go", Line: 4}, CreatorID: 5,
				Ancestors: []Ancestor{
					{ID: 5, Frames: []Frame{{Func: "main.g", File: "/src/m.go", Line: 4}}, Elided: true, CreatedBy: &Frame{Func: "main.main", File: "/src/m.go", Line: 9}},
					{ID: 1, Frames: []Frame{{Func: "main.main", File: "/src/m.go", Line: 9}}},
				}},
		},
		{
			name: "stack unavailable",
			give: `goroutine 19 [running]:
	goroutine running on other thread; stack unavailable
created by main.main in goroutine 1
	/src/m.go:149 +0x651
`,
			want: Goroutine{ID: 19, State: "running", StackUnavailable: true,
				CreatedBy: &Frame{Func: "main.main", File: "/src/m.go", Line: 149}, CreatorID: 1},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := ParseDump([]byte(tt.give))
			if err != nil {
				t.Fatal(err)
			}
			if len(d.Goroutines) != 1 || !reflect.DeepEqual(d.Goroutines[0], tt.want) {
				t.Errorf("got %+v\nwant %+v", d.Goroutines, tt.want)
			}
		})
	}
}

func TestParseDumpPreambleTrailer(t *testing.T) {
	give := "panic: boom [recovered, repanicked]\n\ngoroutine 1 [running]:\nmain.main()\n\t/src/m.go:5 +0x1\n" +
		"rax    0xca\nrbx    0x0\n\n-----\n\nSIGQUIT: quit\nPC=0x1 m=1 sigcode=0\n\n" +
		"goroutine 0 gp=0x1 m=1 mp=0x2 [idle]:\nruntime.futex()\n\t/goroot/src/runtime/sys_linux_amd64.s:575 +0x21\nexit status 2\n"
	d, err := ParseDump([]byte(give))
	if err != nil {
		t.Fatal(err)
	}
	if want := "panic: boom [recovered, repanicked]"; d.Preamble != want {
		t.Errorf("Preamble = %q, want %q", d.Preamble, want)
	}
	if want := "rax    0xca\nrbx    0x0\n-----\nSIGQUIT: quit\nPC=0x1 m=1 sigcode=0\nexit status 2"; d.Trailer != want {
		t.Errorf("Trailer = %q, want %q", d.Trailer, want)
	}
	if len(d.Goroutines) != 2 || d.Goroutines[1].ID != 0 || d.Goroutines[1].State != "idle" {
		t.Errorf("Goroutines = %+v, want goroutines 1 and 0", d.Goroutines)
	}
}

func TestParseDumpErrors(t *testing.T) {
	const good = "goroutine 1 [running]:\nmain.main()\n\t/src/m.go:5 +0x1\n\n"
	tests := []struct {
		name       string
		give       string
		wantLine   int
		wantReason string
		wantParsed int // goroutines still returned
	}{
		{name: "empty", give: "", wantLine: 1, wantReason: "empty input"},
		{name: "html", give: "<!DOCTYPE html>\n<html><body>404</body></html>\n", wantLine: 1, wantReason: "not a goroutine dump"},
		{name: "binary", give: "\x00\x01\x02\xff\xfe", wantLine: 1, wantReason: "not a goroutine dump"},
		{name: "gzip", give: "\x1f\x8b\x08\x00", wantLine: 1, wantReason: "gzip'd pprof profile"},
		{name: "debug=1 profile", give: "goroutine profile: total 1\n1 @ 0x1\n#\t0x1\tmain.f+0x1\t/m.go:1\n", wantLine: 1, wantReason: "ParseProfile"},
		{name: "header only", give: good + "goroutine 5 [chan receive]:\n", wantLine: 5, wantReason: "goroutine 5 has no frames", wantParsed: 1},
		{name: "call line without file line", give: good + "goroutine 5 [chan receive]:\nmain.f()\n", wantLine: 6, wantReason: "without its file line", wantParsed: 1},
		{name: "cut in a call line", give: good + "goroutine 5 [chan receive]:\nmain.f()\n\t/src/m.go:3 +0x1\nmain.ma", wantLine: 8, wantReason: "expected a function call line", wantParsed: 1},
		{name: "cut in a file line", give: good + "goroutine 5 [chan receive]:\nmain.f()\n\t/src/m.go:3 +0x1\nmain.main()\n\t/src/m.g", wantLine: 9, wantReason: "without a line number", wantParsed: 1},
		{name: "cut in a header", give: good + "goroutine 5 [chan rec", wantLine: 5, wantReason: "malformed goroutine header", wantParsed: 1},
		{name: "file line first", give: "goroutine 5 [chan receive]:\n\t/src/m.go:3 +0x1\n", wantLine: 2, wantReason: "file line without a function call line"},
		{name: "unknown header part", give: "goroutine 5 [chan receive, forever]:\nmain.f()\n\t/src/m.go:3\n", wantLine: 1, wantReason: "unknown part forever"},
		{name: "bad labels", give: "goroutine 5 [chan receive] {k}:\nmain.f()\n\t/src/m.go:3\n", wantLine: 1, wantReason: "malformed goroutine labels"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := ParseDump([]byte(tt.give))
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("err = %v, want a *ParseError", err)
			}
			if pe.Line != tt.wantLine || !strings.Contains(pe.Reason, tt.wantReason) {
				t.Errorf("err = %v, want line %d and a reason containing %q", err, tt.wantLine, tt.wantReason)
			}
			if got := 0; d != nil {
				got = len(d.Goroutines)
				if got != tt.wantParsed {
					t.Errorf("%d goroutines returned with the error, want %d", got, tt.wantParsed)
				}
			} else if tt.wantParsed != 0 {
				t.Errorf("nil Dump returned with the error, want %d goroutines", tt.wantParsed)
			}
		})
	}
}

func TestParseErrorError(t *testing.T) {
	err := &ParseError{Line: 12, Text: "goroutine 5 [chan rec", Reason: "malformed goroutine header"}
	if got, want := err.Error(), `line 12: malformed goroutine header: "goroutine 5 [chan rec"`; got != want {
		t.Errorf("Error() = %s, want %s", got, want)
	}
}

func TestParseProfile(t *testing.T) {
	give := "goroutine profile: total 3\n" +
		"2 @ 0x47f40a 0x4e46fc\n" +
		"# labels: {\"path\":\"/api/v1\", \"request\":\"r-42\"}\n" +
		"#\t0x4e46fb\tmain.main.func1.1+0x1b\t\t\t/src/main.go:110\n" +
		"#\t0x4e46fc\n" +
		"\n" +
		"1 @ 0x47f40b\n" +
		"#\t0x47f40b\tmain.(*T).wait+0x1b\t/src/main.go:19\n\n"
	want := &Profile{Name: "goroutine", Total: 3, Records: []Record{
		{Count: 2, PCs: []uint64{0x47f40a, 0x4e46fc}, Labels: map[string]string{"path": "/api/v1", "request": "r-42"},
			Frames: []Frame{{Func: "main.main.func1.1", File: "/src/main.go", Line: 110}}},
		{Count: 1, PCs: []uint64{0x47f40b}, Frames: []Frame{{Func: "main.(*T).wait", File: "/src/main.go", Line: 19}}},
	}}
	got, err := ParseProfile([]byte(give))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v\nwant %+v", got, want)
	}
}

func TestParseProfileErrors(t *testing.T) {
	tests := []struct {
		name       string
		give       string
		wantLine   int
		wantReason string
	}{
		{name: "empty", give: "", wantLine: 1, wantReason: "empty input"},
		{name: "dump", give: "goroutine 1 [running]:\nmain.main()\n\t/m.go:1\n", wantLine: 1, wantReason: "ParseDump"},
		{name: "html", give: "<html>\n", wantLine: 1, wantReason: "not a debug=1 text profile"},
		{name: "truncated", give: "goroutine profile: total 5\n3 @ 0x1\n#\t0x1\tmain.f+0x1\t/m.go:1\n", wantLine: 3, wantReason: "records count 3 goroutines of the header's total 5"},
		{name: "cut frame", give: "goroutine profile: total 1\n1 @ 0x1\n#\t0x1\tmain.f+0x1\t/m.go", wantLine: 3, wantReason: "malformed frame"},
		{name: "bad pc", give: "goroutine profile: total 1\n1 @ 0x1 zz\n", wantLine: 2, wantReason: "malformed program counter"},
		{name: "bad labels", give: "goroutine profile: total 1\n1 @ 0x1\n# labels: {\"a\"}\n", wantLine: 3, wantReason: "malformed labels"},
		{name: "junk line", give: "goroutine profile: total 1\n1 @ 0x1\nhello\n", wantLine: 3, wantReason: "expected a record"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseProfile([]byte(tt.give))
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("err = %v, want a *ParseError", err)
			}
			if pe.Line != tt.wantLine || !strings.Contains(pe.Reason, tt.wantReason) {
				t.Errorf("err = %v, want line %d and a reason containing %q", err, tt.wantLine, tt.wantReason)
			}
		})
	}
}

func TestDetect(t *testing.T) {
	tests := []struct {
		name string
		give string
		want Format
	}{
		{name: "empty", give: "", want: FormatUnknown},
		{name: "html", give: "<html>goroutine</html>\n", want: FormatUnknown},
		{name: "gzip", give: "\x1f\x8b\x08", want: FormatProto},
		{name: "debug=1", give: "\ngoroutine profile: total 4\n", want: FormatProfileText},
		{name: "goroutineleak debug=1", give: "goroutineleak profile: total 0\n", want: FormatProfileText},
		{name: "debug=2", give: "goroutine 1 [running]:\nmain.main()\n", want: FormatDump},
		{name: "panic", give: "panic: boom\n\ngoroutine 1 [running]:\n", want: FormatDump},
		{name: "goroutine word in preamble", give: "panic: goroutine 5 misbehaved\n\ngoroutine 1 [running]:\n", want: FormatDump},
		{name: "no header", give: "panic: boom\ngoroutine 5 misbehaved\n", want: FormatUnknown},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Detect([]byte(tt.give)); got != tt.want {
				t.Errorf("Detect = %d, want %d", got, tt.want)
			}
		})
	}
}

func TestCutAll(t *testing.T) {
	tests := []struct {
		name string
		give string
		want string
	}{
		{name: "none", give: "chan receive", want: "chan receive"},
		{name: "one", give: "chan receive (leaked)", want: "chan receive"},
		{name: "middle", give: "select (leaked) (scan)", want: "select (scan)"},
		{name: "adjacent", give: " (leaked) (leaked)x (leaked)", want: "x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := string(cutAll([]byte(tt.give), leakedSuffix)); got != tt.want {
				t.Errorf("cutAll(%q) = %q, want %q", tt.give, got, tt.want)
			}
		})
	}
}

// TestParseDumpLinear feeds inputs that would be quadratic for a careless
// parser; each must finish quickly.
func TestParseDumpLinear(t *testing.T) {
	const n = 200_000
	tests := []struct {
		name string
		give string
	}{
		{name: "many leaked markers", give: "goroutine 1 [x" + strings.Repeat(" (leaked)", n) + "]:\nmain.f()\n\t/m.go:1\n"},
		{name: "many header parts", give: "goroutine 1 [x" + strings.Repeat(", locked to thread", n) + "]:\nmain.f()\n\t/m.go:1\n"},
		{name: "many labels", give: "goroutine 1 [x] {" + strings.Repeat("k: v, ", n) + "k: v}:\nmain.f()\n\t/m.go:1\n"},
		{name: "many lines like headers", give: strings.Repeat("goroutine 1 [\n", n)},
		{name: "many frames", give: "goroutine 1 [x]:\n" + strings.Repeat("main.f()\n\t/m.go:1\n", n)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			ParseDump([]byte(tt.give))
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("took %v for %d bytes", d, len(tt.give))
			}
		})
	}
}
