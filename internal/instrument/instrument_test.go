package instrument

import (
	"os"
	"path/filepath"
	"runtime"
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
}

// TestGenerateMissingPatchPoint checks that a GOROOT without a patch point
// is refused with an error naming the Go version.
func TestGenerateMissingPatchPoint(t *testing.T) {
	real := runtime.GOROOT()
	fake := t.TempDir()
	for _, p := range stdPatches {
		src := filepath.Join(real, "src", p.dir)
		dst := filepath.Join(fake, "src", p.dir)
		if err := os.MkdirAll(dst, 0o755); err != nil {
			t.Fatal(err)
		}
		files, err := readPackage(src)
		if err != nil {
			t.Fatal(err)
		}
		for name, data := range files {
			if p.dir == "net" && name == "fd_posix.go" {
				data = []byte(strings.ReplaceAll(string(data), "(*netFD).Close)", "nil)"))
			}
			if err := os.WriteFile(filepath.Join(dst, name), data, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	_, err := Generate(fake, "go1.99.0", t.TempDir(), "test")
	if err == nil {
		t.Fatal("Generate succeeded without net's finalizer patch point")
	}
	for _, want := range []string{"go1.99.0", "package net", "fd_posix.go", "(*netFD).Close"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %q", err, want)
		}
	}
}
