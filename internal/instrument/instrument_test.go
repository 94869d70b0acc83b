package instrument

import (
	"os"
	"path"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
)

func TestPatchFile(t *testing.T) {
	tests := []struct {
		name    string
		give    string
		edits   []edit
		want    string
		wantErr string
	}{
		{
			name:  "call at start of a method",
			give:  "package p\n\nfunc (fd *netFD) Close() error {\n\treturn nil\n}\n",
			edits: []edit{callAtStart{fn: "(*netFD).Close", call: "hook"}},
			want:  "package p\n\nfunc (fd *netFD) Close() error { hook(fd);\n\treturn nil\n}\n",
		},
		{
			name:  "call at start of a function uses its first parameter",
			give:  "package p\n\nfunc newRawConn(c *netFD) *rawConn {\n\treturn nil\n}\n",
			edits: []edit{callAtStart{fn: "newRawConn", call: "hook"}},
			want:  "package p\n\nfunc newRawConn(c *netFD) *rawConn { hook(c);\n\treturn nil\n}\n",
		},
		{
			name:  "deferred call sees a named result",
			give:  "package p\n\nfunc (b body) Read(p []byte) (n int, err error) {\n\treturn 0, nil\n}\n",
			edits: []edit{deferAtStart{fn: "(body).Read", call: "hook", result: "err"}},
			want:  "package p\n\nfunc (b body) Read(p []byte) (n int, err error) { defer hook(b, &err);\n\treturn 0, nil\n}\n",
		},
		{
			name:  "deferred call without a result",
			give:  "package p\n\nfunc (c *Cmd) Start() error {\n\treturn nil\n}\n",
			edits: []edit{deferAtStart{fn: "(*Cmd).Start", call: "hook"}},
			want:  "package p\n\nfunc (c *Cmd) Start() error { defer hook(c);\n\treturn nil\n}\n",
		},
		{
			name:    "deferred call on an unnamed result",
			give:    "package p\n\nfunc (b body) Read(p []byte) (int, error) {\n\treturn 0, nil\n}\n",
			edits:   []edit{deferAtStart{fn: "(body).Read", call: "hook", result: "err"}},
			wantErr: "function (body).Read has no result named err",
		},
		{
			name:  "finalizer replaced, opened called on the same line",
			give:  "package p\n\nfunc newFile() *File {\n\tf := &File{}\n\truntime.SetFinalizer(f.file, (*file).close)\n\treturn f\n}\n",
			edits: []edit{finalizerArg{fn: "newFile", old: "(*file).close", repl: "fin", opened: "opened"}},
			want:  "package p\n\nfunc newFile() *File {\n\tf := &File{}\n\truntime.SetFinalizer(f.file, fin); opened(f)\n\treturn f\n}\n",
		},
		{
			name:  "returned call wrapped",
			give:  "package p\n\nfunc (c *Client) Do(req *Request) (*Response, error) {\n\treturn c.do(req)\n}\n",
			edits: []edit{wrapReturn{fn: "(*Client).Do", call: "do", wrap: "w"}},
			want:  "package p\n\nfunc (c *Client) Do(req *Request) (*Response, error) {\n\treturn w(c.do(req))\n}\n",
		},
		{
			name:  "call after each new value, in function literals too",
			give:  "package p\n\nfunc (db *DB) queryDC(query string) {\n\trows := &Rows{\n\t\tdc: 1,\n\t}\n\tf := func() { r2 := &Rows{} }\n\tx := Rows{}\n}\n",
			edits: []edit{afterNew{fn: "(*DB).queryDC", typ: "Rows", n: 2, call: "opened", args: []string{"query"}}},
			want:  "package p\n\nfunc (db *DB) queryDC(query string) {\n\trows := &Rows{\n\t\tdc: 1,\n\t}; opened(rows, query)\n\tf := func() { r2 := &Rows{}; opened(r2, query) }\n\tx := Rows{}\n}\n",
		},
		{
			name:  "call after an assignment, with a field of the receiver",
			give:  "package p\n\nfunc (s *Stmt) Query() {\n\tvar rows *Rows\n\trows = &Rows{}\n}\n",
			edits: []edit{afterNew{fn: "(*Stmt).Query", typ: "Rows", n: 1, call: "opened", args: []string{"s.query"}}},
			want:  "package p\n\nfunc (s *Stmt) Query() {\n\tvar rows *Rows\n\trows = &Rows{}; opened(rows, s.query)\n}\n",
		},
		{
			name:    "new value missing",
			give:    "package p\n\nfunc (db *DB) Conn() {\n\tc := newConn()\n}\n",
			edits:   []edit{afterNew{fn: "(*DB).Conn", typ: "Conn", n: 1, call: "opened"}},
			wantErr: "assignments of &Conn{...} in (*DB).Conn: found 0, want 1",
		},
		{
			name:    "argument that is no parameter",
			give:    "package p\n\nfunc (db *DB) queryDC(q string) {\n\trows := &Rows{}\n}\n",
			edits:   []edit{afterNew{fn: "(*DB).queryDC", typ: "Rows", n: 1, call: "opened", args: []string{"query"}}},
			wantErr: "(*DB).queryDC has no parameter query",
		},
		{
			name:    "missing function",
			give:    "package p\n",
			edits:   []edit{callAtStart{fn: "(*netFD).Close", call: "hook"}},
			wantErr: "function (*netFD).Close not found",
		},
		{
			name:    "finalizer of another shape",
			give:    "package p\n\nfunc newFile() {\n\truntime.AddCleanup(f, cleanup, 0)\n}\n",
			edits:   []edit{finalizerArg{fn: "newFile", old: "(*file).close", repl: "fin", opened: "opened"}},
			wantErr: "runtime.SetFinalizer(..., (*file).close) in newFile: found 0 calls, want 1",
		},
		{
			name:    "unnamed receiver",
			give:    "package p\n\nfunc (*netFD) Close() error { return nil }\n",
			edits:   []edit{callAtStart{fn: "(*netFD).Close", call: "hook"}},
			wantErr: "has no named receiver",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := patchFile("x.go", []byte(tt.give), tt.edits)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Errorf("patched:\n%s\nwant:\n%s", got, tt.want)
			}
		})
	}
}

// moduleRoot is leakhound's module source, which holds the tracker.
const moduleRoot = "../.."

func testConfig(t *testing.T, goroot, version string) Config {
	return Config{GOROOT: goroot, GoVersion: version, CacheDir: t.TempDir(), Source: moduleRoot, ToolVersion: "test"}
}

// TestBuildThisGOROOT finds every patch point in the GOROOT of the Go
// running the test, keeps every line on its line, links what it does not
// change, copies the go command, carries the tracker, and caches the result.
func TestBuildThisGOROOT(t *testing.T) {
	goroot := runtime.GOROOT()
	c := testConfig(t, goroot, runtime.Version())
	root, err := Build(c)
	if err != nil {
		t.Fatal(err)
	}
	files, err := generate(c)
	if err != nil {
		t.Fatal(err)
	}
	for name, patched := range files {
		p := filepath.Join(root.Dir, filepath.FromSlash(name))
		if fi, err := os.Lstat(p); err != nil || !fi.Mode().IsRegular() {
			t.Errorf("%s: not a file of its own (%v)", name, err)
		}
		orig, err := os.ReadFile(filepath.Join(goroot, filepath.FromSlash(name)))
		if os.IsNotExist(err) {
			if !strings.Contains(path.Base(name), "zz_leakhound") && !strings.HasPrefix(name, "src/"+stdPrefix+"/") && !strings.HasPrefix(name, "src/"+RunImport+"/") {
				t.Errorf("%s is added but is not leakhound's", name)
			}
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		if name == "go.env" {
			continue
		}
		if a, b := strings.Count(string(orig), "\n"), strings.Count(string(patched), "\n"); a != b {
			t.Errorf("%s: %d lines, patched %d: lines moved", name, a, b)
		}
		if string(orig) == string(patched) {
			t.Errorf("%s: not changed", name)
		}
	}
	for _, tt := range []struct {
		name string
		same bool // the original's file itself (a hard or symbolic link)
	}{
		{"src/os/file.go", false},
		{"src/internal/leakhound/track/track.go", false},
		{"src/os/path.go", true},
		{"src/fmt/print.go", true},
		{"pkg/tool", true},
	} {
		fi, err := os.Stat(filepath.Join(root.Dir, tt.name))
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		orig, err := os.Stat(filepath.Join(goroot, tt.name))
		same := err == nil && os.SameFile(fi, orig)
		if same != tt.same {
			t.Errorf("%s: the original's file: %v, want %v", tt.name, same, tt.same)
		}
	}
	// A hard link or a copy, never a symbolic link: the go command finds
	// its GOROOT from the path it was started by.
	if fi, err := os.Lstat(filepath.Join(root.Dir, "bin", "go")); err != nil || !fi.Mode().IsRegular() {
		t.Errorf("bin/go is not a file of its own (%v)", err)
	}
	if fi, err := os.Lstat(filepath.Join(root.Dir, "src", "fmt")); err != nil || !fi.IsDir() {
		t.Errorf("src/fmt is not a real directory (%v)", err)
	}
	for name, data := range files {
		if strings.HasPrefix(name, "src/"+stdPrefix+"/") && strings.Contains(string(data), `"`+modulePath) {
			t.Errorf("%s still imports leakhound's module", name)
		}
	}
	again, err := Build(c)
	if err != nil {
		t.Fatal(err)
	}
	if again.Dir != root.Dir {
		t.Errorf("second Build made %s, want the cached %s", again.Dir, root.Dir)
	}
	pkgs := Packages(runtime.Version())
	for _, want := range []string{"net", "net/http", "os", "os/signal", "runtime", "testing", "testing/internal/testdeps"} {
		if !slices.Contains(pkgs, want) {
			t.Errorf("Packages() = %v, want %s among them", pkgs, want)
		}
	}
}

// TestBuildKeyedByPatches checks that a changed patch never reuses the
// instrumented GOROOT cached for the old one. It calls build, under Build's
// index: a real change of the patch table comes with a new executable,
// which changes the index key (TestInputKey).
func TestBuildKeyedByPatches(t *testing.T) {
	c := testConfig(t, runtime.GOROOT(), runtime.Version())
	root, err := Build(c)
	if err != nil {
		t.Fatal(err)
	}
	saved := stdPatches
	defer func() { stdPatches = saved }()
	stdPatches = slices.Clone(saved)
	for i := range stdPatches {
		if stdPatches[i].dir == "os" {
			stdPatches[i].files = map[string][]edit{"file.go": {callAtStart{fn: "(*File).Fd", call: "leakhoundFileRaw"}}}
		}
	}
	changed, err := build(c)
	if err != nil {
		t.Fatal(err)
	}
	if changed.Dir == root.Dir {
		t.Errorf("changed patches reused the cached GOROOT %s", root.Dir)
	}
}

// TestBuildMissingPatchPoint checks that a GOROOT without a patch point is
// refused with an error naming the Go version and the patch point.
func TestBuildMissingPatchPoint(t *testing.T) {
	tests := []missingPatchPoint{
		{
			name: "net finalizer",
			dir:  "net", file: "fd_posix.go",
			old: "(*netFD).Close)", new: "nil)",
			want: []string{"package net", "fd_posix.go", "(*netFD).Close"},
		},
		{
			name: "sql.Rows made another way",
			dir:  "database/sql", file: "sql.go",
			old: "rows := &Rows{", new: "rows := newRows(); *rows = Rows{",
			want: []string{"package database/sql", "sql.go", "assignments of &Rows{...} in (*DB).queryDC: found 0, want 2"},
		},
		{
			name: "query parameter renamed",
			dir:  "database/sql", file: "sql.go",
			old:  "func (db *DB) prepareDC(ctx context.Context, dc *driverConn, release func(error), cg stmtConnGrabber, query string)",
			new:  "func (db *DB) prepareDC(ctx context.Context, dc *driverConn, release func(error), cg stmtConnGrabber, q string)",
			want: []string{"package database/sql", "(*DB).prepareDC has no parameter query"},
		},
		{
			name: "field the added file uses",
			dir:  "database/sql", file: "sql.go",
			old: "\tdc *driverConn\n", new: "\tconn *driverConn\n",
			want: []string{"package database/sql", "Conn.dc, connStmt.dc not declared"},
		},
		h2ReadChanged(),
		{
			name: "goroutine creation changed",
			dir:  "runtime", file: "proc.go",
			old: "newg.parentGoid = callergp.goid", new: "newg.parentGoid = callergp.goid + 0",
			want: []string{"package runtime", "newproc1", "newg.parentGoid = callergp.goid"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := fakeGOROOT(t, tt.dir, tt.file, tt.old, tt.new)
			_, err := Build(testConfig(t, fake, runtime.Version()))
			if err == nil {
				t.Fatal("Build succeeded without the patch point")
			}
			for _, want := range append([]string{runtime.Version()}, tt.want...) {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not name %q", err, want)
				}
			}
		})
	}
}

func TestRewriteImports(t *testing.T) {
	tests := []struct {
		name    string
		give    string
		want    string
		wantErr string
	}{
		{
			name: "tracker packages moved, std kept",
			give: "package p\n\nimport (\n\t\"fmt\"\n\n\t\"github.com/leakhound/leakhound/report\"\n\tv \"github.com/leakhound/leakhound/internal/verdict\"\n)\n",
			want: "package p\n\nimport (\n\t\"fmt\"\n\n\t\"internal/leakhound/report\"\n\tv \"internal/leakhound/internal/verdict\"\n)\n",
		},
		{
			name:    "root package refused",
			give:    "package p\n\nimport \"github.com/leakhound/leakhound\"\n",
			wantErr: "imports github.com/leakhound/leakhound, which the instrumented standard library cannot carry",
		},
		{
			name:    "other module refused",
			give:    "package p\n\nimport \"golang.org/x/sync/errgroup\"\n",
			wantErr: "imports golang.org/x/sync/errgroup",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := rewriteImports([]byte(tt.give))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Errorf("got:\n%s\nwant:\n%s", got, tt.want)
			}
		})
	}
}

type missingPatchPoint struct {
	name      string
	dir, file string // the file of GOROOT/src changed
	old, new  string
	want      []string
}

// h2ReadChanged is the Read of HTTP/2 response bodies without named results,
// where this test's Go version has it.
func h2ReadChanged() missingPatchPoint {
	if strings.HasPrefix(runtime.Version(), "go1.26") {
		return missingPatchPoint{
			name: "HTTP/2 body Read changed",
			dir:  "net/http", file: "h2_bundle.go",
			old: "func (b http2transportResponseBody) Read(p []byte) (n int, err error) {", new: "func (b http2transportResponseBody) Read(p []byte) (_ int, _ error) { var n int; var err error;",
			want: []string{"package net/http", "h2_bundle.go", "(http2transportResponseBody).Read has no result named err"},
		}
	}
	return missingPatchPoint{
		name: "HTTP/2 body Read changed",
		dir:  "net/http/internal/http2", file: "transport.go",
		old: "func (b transportResponseBody) Read(p []byte) (n int, err error) {", new: "func (b transportResponseBody) Read(p []byte) (_ int, _ error) { var n int; var err error;",
		want: []string{"package net/http/internal/http2", "transport.go", "(transportResponseBody).Read has no result named err"},
	}
}

// fakeGOROOT copies the packages leakhound patches from the GOROOT of this
// test into a new directory, replacing old with new in dir/file (which must
// hold old).
func fakeGOROOT(t *testing.T, dir, file, old, new string) string {
	t.Helper()
	fake := t.TempDir()
	for _, p := range stdPatches {
		if !p.applies(runtime.Version()) {
			continue
		}
		dst := filepath.Join(fake, "src", p.dir)
		if err := os.MkdirAll(dst, 0o755); err != nil {
			t.Fatal(err)
		}
		files, err := readPackage(filepath.Join(runtime.GOROOT(), "src", p.dir))
		if err != nil {
			t.Fatal(err)
		}
		for name, data := range files {
			if p.dir == dir && name == file {
				if !strings.Contains(string(data), old) {
					t.Fatalf("%s/%s does not hold %q", dir, file, old)
				}
				data = []byte(strings.ReplaceAll(string(data), old, new))
			}
			if err := os.WriteFile(filepath.Join(dst, name), data, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	return fake
}
