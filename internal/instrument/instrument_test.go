package instrument

import (
	"os"
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

// TestGenerateThisGOROOT finds every patch point in the GOROOT of the Go
// running the test, keeps every line on its line, and caches the result.
func TestGenerateThisGOROOT(t *testing.T) {
	goroot := runtime.GOROOT()
	cache := t.TempDir()
	ov, err := Generate(goroot, runtime.Version(), cache, "test")
	if err != nil {
		t.Fatal(err)
	}
	for from, to := range ov.Replace {
		patched, err := os.ReadFile(to)
		if err != nil {
			t.Fatal(err)
		}
		orig, err := os.ReadFile(from)
		if os.IsNotExist(err) {
			if filepath.Base(from) != "zz_leakhound.go" {
				t.Errorf("%s is added but is not leakhound's file", from)
			}
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		if a, b := strings.Count(string(orig), "\n"), strings.Count(string(patched), "\n"); a != b {
			t.Errorf("%s: %d lines, patched %d: lines moved", from, a, b)
		}
		if string(orig) == string(patched) {
			t.Errorf("%s: not changed", from)
		}
	}
	again, err := Generate(goroot, runtime.Version(), cache, "test")
	if err != nil {
		t.Fatal(err)
	}
	if again.Dir != ov.Dir {
		t.Errorf("second Generate made %s, want the cached %s", again.Dir, ov.Dir)
	}
	pkgs := ov.Packages(goroot)
	for _, want := range []string{"net", "net/http", "os", "os/signal", "runtime/pprof", "testing"} {
		if !slices.Contains(pkgs, want) {
			t.Errorf("Packages() = %v, want %s among them", pkgs, want)
		}
	}
	if slices.Contains(pkgs, "internal/runtime/exithook") {
		t.Errorf("Packages() = %v: exithook is only required, not patched", pkgs)
	}
}

// TestGenerateKeyedByPatches checks that a changed patch never reuses the
// instrumentation cached for the old one.
func TestGenerateKeyedByPatches(t *testing.T) {
	cache := t.TempDir()
	ov, err := Generate(runtime.GOROOT(), runtime.Version(), cache, "test")
	if err != nil {
		t.Fatal(err)
	}
	saved := stdPatches
	defer func() { stdPatches = saved }()
	stdPatches = slices.Clone(saved)
	last := &stdPatches[len(stdPatches)-1]
	last.requires = last.requires[:len(last.requires)-1]
	changed, err := Generate(runtime.GOROOT(), runtime.Version(), cache, "test")
	if err != nil {
		t.Fatal(err)
	}
	if changed.Dir == ov.Dir {
		t.Errorf("changed patches reused the cached instrumentation %s", ov.Dir)
	}
}

// TestGenerateMissingPatchPoint checks that a GOROOT without a patch point
// is refused with an error naming the Go version and the patch point.
func TestGenerateMissingPatchPoint(t *testing.T) {
	tests := []struct {
		name      string
		dir, file string // the file of GOROOT/src changed
		old, new  string
		want      []string
	}{
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
			want: []string{"package database/sql", "Conn.dc not declared"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := fakeGOROOT(t, tt.dir, tt.file, tt.old, tt.new)
			_, err := Generate(fake, "go1.99.0", t.TempDir(), "test")
			if err == nil {
				t.Fatal("Generate succeeded without the patch point")
			}
			for _, want := range append([]string{"go1.99.0"}, tt.want...) {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not name %q", err, want)
				}
			}
		})
	}
}

// fakeGOROOT copies the packages leakhound patches from the GOROOT of this
// test into a new directory, replacing old with new in dir/file (which must
// hold old).
func fakeGOROOT(t *testing.T, dir, file, old, new string) string {
	t.Helper()
	fake := t.TempDir()
	for _, p := range stdPatches {
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
