// Package instrument generates leakhound's instrumented standard library: a
// set of files for "go build -overlay" made from the GOROOT of the toolchain
// in use. The patched os, net and net/http files call hooks when a file,
// socket or response body is opened, closed, handed out raw (Fd, File,
// SyscallConn) or closed by its finalizer; database/sql calls them when a
// Rows, Stmt, Tx or Conn is opened, closed, or becomes unreachable without
// being closed (seen by a cleanup that only reports it); testing's tRunner
// calls a hook when a test starts. The hooks are function variables declared in files added to
// those packages and marked with the push form of //go:linkname, so the
// tracker package (github.com/leakhound/leakhound/track) can set them; when it
// is not linked in they stay nil and the standard library behaves as usual.
//
// Patch points are located structurally with go/ast (a function and the shape
// of a statement in it), never by line number. When one is missing, Generate
// fails with an error naming the Go version instead of building something
// subtly wrong.
package instrument

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// Version identifies the instrumentation this package generates. It is part
// of the cache key; change it whenever a patch or an added file changes.
const Version = "7"

//go:embed stdfiles/*.go.txt
var stdFiles embed.FS

// pkgPatch is the instrumentation of one standard-library package.
type pkgPatch struct {
	dir      string            // package directory under GOROOT/src
	added    string            // file of stdfiles added to the package
	requires []string          // declarations of the package the added file uses
	files    map[string][]edit // edits of existing files, by file name
}

var stdPatches = []pkgPatch{
	{
		dir:      "os",
		added:    "os.go.txt",
		requires: []string{"File", "file"},
		files: map[string][]edit{
			"file_unix.go": {
				finalizerArg{fn: "newFile", old: "(*file).close", repl: "leakhoundFileFinalizer", opened: "leakhoundFileOpened"},
				callAtStart{fn: "(*file).close", call: "leakhoundFileClosed"},
			},
			"file.go":    {callAtStart{fn: "(*File).Fd", call: "leakhoundFileRaw"}},
			"rawconn.go": {callAtStart{fn: "newRawConn", call: "leakhoundFileRaw"}},
		},
	},
	{
		dir:      "runtime",
		added:    "runtime.go.txt",
		requires: []string{"getg", "getfp", "callers", "fpTracebackPCs", "tracefpunwindoff", "(*m).hasCgoOnStack"},
	},
	{
		dir:      "internal/runtime/exithook",
		requires: []string{"Add", "Hook"},
	},
	{
		dir:      "net",
		added:    "net.go.txt",
		requires: []string{"netFD"},
		files: map[string][]edit{
			"fd_posix.go": {
				finalizerArg{fn: "(*netFD).setAddr", old: "(*netFD).Close", repl: "leakhoundNetFinalizer", opened: "leakhoundNetOpened"},
				callAtStart{fn: "(*netFD).Close", call: "leakhoundNetClosed"},
			},
			"rawconn.go": {
				callAtStart{fn: "newRawConn", call: "leakhoundNetRaw"},
				callAtStart{fn: "newRawListener", call: "leakhoundNetRaw"},
			},
		},
	},
	{
		dir:      "net/http",
		added:    "http.go.txt",
		requires: []string{"Response", "bodyEOFSignal", "gzipReader"},
		files: map[string][]edit{
			"client.go":    {wrapReturn{fn: "(*Client).Do", call: "do", wrap: "leakhoundResponse"}},
			"transport.go": {callAtStart{fn: "(*bodyEOFSignal).Close", call: "leakhoundBodyClosed"}},
		},
	},
	{
		dir:   "database/sql",
		added: "sql.go.txt",
		requires: []string{
			"Rows", "Stmt", "Tx", "Conn", "driverConn",
			"Stmt.cg", "Tx.dc", "Conn.dc", "driverConn.ci",
		},
		files: map[string][]edit{
			"sql.go": {
				afterNew{fn: "(*DB).queryDC", typ: "Rows", n: 2, call: "leakhoundRowsOpened", args: []string{"query"}},
				afterNew{fn: "(*Stmt).QueryContext", typ: "Rows", n: 1, call: "leakhoundRowsOpened", args: []string{"s.query"}},
				afterNew{fn: "(*DB).prepareDC", typ: "Stmt", n: 1, call: "leakhoundStmtOpened", args: []string{"query"}},
				afterNew{fn: "(*DB).beginDC", typ: "Tx", n: 1, call: "leakhoundTxOpened"},
				afterNew{fn: "(*DB).Conn", typ: "Conn", n: 1, call: "leakhoundConnOpened"},
				callAtStart{fn: "(*Rows).close", call: "leakhoundClosed"},
				callAtStart{fn: "(*Stmt).Close", call: "leakhoundClosed"},
				callAtStart{fn: "(*Tx).close", call: "leakhoundClosed"},
				callAtStart{fn: "(*Conn).close", call: "leakhoundClosed"},
			},
		},
	},
	{
		dir:      "os/signal",
		added:    "signal.go.txt",
		requires: []string{"handlers", "signum"},
		files: map[string][]edit{
			"signal.go": {callAtStart{fn: "process", call: "leakhoundProcess"}},
		},
	},
	{
		dir:      "runtime/pprof",
		added:    "pprof.go.txt",
		requires: []string{"labelMap", "runtime_getProfLabel"},
	},
	{
		dir:      "testing",
		added:    "testing.go.txt",
		requires: []string{"T", "(*common).Cleanup", "(*common).Name"},
		files: map[string][]edit{
			"testing.go": {callAtStart{fn: "tRunner", call: "leakhoundTestStart"}},
		},
	},
}

// Overlay is a generated instrumentation of one GOROOT.
type Overlay struct {
	// GoVersion is the version of the instrumented GOROOT ("go1.27.4").
	GoVersion string
	// Dir holds the generated files.
	Dir string
	// Replace maps files of GOROOT (patched ones and added ones) to their
	// generated version, as the Replace field of a "go build -overlay" file.
	Replace map[string]string
}

// Packages returns the import paths of the standard-library packages the
// overlay patches or adds files to, sorted. goroot is the GOROOT the overlay
// was generated from.
func (ov *Overlay) Packages(goroot string) []string {
	src := filepath.Join(goroot, "src") + string(filepath.Separator)
	var pkgs []string
	for from := range ov.Replace {
		if rel, ok := strings.CutPrefix(filepath.Dir(from), src); ok && !slices.Contains(pkgs, filepath.ToSlash(rel)) {
			pkgs = append(pkgs, filepath.ToSlash(rel))
		}
	}
	slices.Sort(pkgs)
	return pkgs
}

// replaceFile is the name, in an overlay directory, of the saved Replace map.
const replaceFile = "replace.json"

// Generate returns the instrumentation of the GOROOT goroot (of Go version
// goVersion), generating it under cacheDir unless it is already there. The
// cache is keyed by Go version, GOROOT, this package's [Version], toolVersion
// (the version of leakhound) and the patches themselves, so that a changed
// patch never reuses an old instrumentation.
func Generate(goroot, goVersion, cacheDir, toolVersion string) (*Overlay, error) {
	if goroot == "" || goVersion == "" {
		return nil, errors.New("instrument: GOROOT and Go version are required")
	}
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%s\x00%s\x00%#v\x00", goroot, Version, toolVersion, stdPatches)
	for _, p := range stdPatches {
		if p.added != "" {
			data, err := stdFiles.ReadFile("stdfiles/" + p.added)
			if err != nil {
				return nil, err
			}
			h.Write(data)
		}
	}
	dir := filepath.Join(cacheDir, goVersion+"-"+hex.EncodeToString(h.Sum(nil)[:6]))
	if ov, err := load(dir, goVersion); err == nil {
		return ov, nil
	}
	if err := os.MkdirAll(cacheDir, 0o755); err != nil {
		return nil, fmt.Errorf("create instrumentation cache: %w", err)
	}
	tmp, err := os.MkdirTemp(cacheDir, "tmp-")
	if err != nil {
		return nil, fmt.Errorf("create instrumentation cache: %w", err)
	}
	defer os.RemoveAll(tmp)
	rel, err := generate(goroot, goVersion, tmp)
	if err != nil {
		return nil, err
	}
	data, err := json.Marshal(rel)
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(tmp, replaceFile), data, 0o644); err != nil {
		return nil, fmt.Errorf("write instrumentation: %w", err)
	}
	if err := os.Rename(tmp, dir); err != nil {
		// Another leakhound generated it at the same time: use theirs.
		if ov, lerr := load(dir, goVersion); lerr == nil {
			return ov, nil
		}
		return nil, fmt.Errorf("save instrumentation: %w", err)
	}
	return load(dir, goVersion)
}

// load reads the overlay saved in dir. The saved map is relative: GOROOT
// path -> file name inside dir.
func load(dir, goVersion string) (*Overlay, error) {
	data, err := os.ReadFile(filepath.Join(dir, replaceFile))
	if err != nil {
		return nil, err
	}
	var rel map[string]string
	if err := json.Unmarshal(data, &rel); err != nil {
		return nil, fmt.Errorf("read %s: %w", filepath.Join(dir, replaceFile), err)
	}
	ov := &Overlay{GoVersion: goVersion, Dir: dir, Replace: map[string]string{}}
	for from, to := range rel {
		ov.Replace[from] = filepath.Join(dir, to)
	}
	return ov, nil
}

// generate writes the instrumented files into dir and returns the map from
// GOROOT files to names inside dir.
func generate(goroot, goVersion, dir string) (map[string]string, error) {
	rel := map[string]string{}
	var errs []error
	for _, p := range stdPatches {
		if err := generatePkg(goroot, dir, p, rel); err != nil {
			errs = append(errs, fmt.Errorf("package %s: %w", p.dir, err))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("cannot instrument the standard library of %s (a patch point is missing; this Go version is not supported yet): %w", goVersion, err)
	}
	return rel, nil
}

func generatePkg(goroot, dir string, p pkgPatch, rel map[string]string) error {
	src := filepath.Join(goroot, "src", filepath.FromSlash(p.dir))
	orig, err := readPackage(src)
	if err != nil {
		return err
	}
	names, err := declaredNames(orig)
	if err != nil {
		return err
	}
	var missing []string
	for _, n := range p.requires {
		if !names[n] {
			missing = append(missing, n)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("%s not declared", strings.Join(missing, ", "))
	}
	save := func(name string, data []byte) error {
		out := strings.ReplaceAll(p.dir, "/", "_") + "_" + name
		if err := os.WriteFile(filepath.Join(dir, out), data, 0o644); err != nil {
			return fmt.Errorf("write instrumentation: %w", err)
		}
		rel[filepath.Join(src, name)] = out
		return nil
	}
	for name, edits := range p.files {
		data, ok := orig[name]
		if !ok {
			return fmt.Errorf("file %s not found", name)
		}
		patched, err := patchFile(name, data, edits)
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		if err := save(name, patched); err != nil {
			return err
		}
	}
	if p.added == "" {
		return nil
	}
	data, err := stdFiles.ReadFile("stdfiles/" + p.added)
	if err != nil {
		return err
	}
	return save("zz_leakhound.go", data)
}

// readPackage returns the non-test Go files of the directory dir by name.
func readPackage(dir string) (map[string][]byte, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("read GOROOT package: %w", err)
	}
	files := map[string][]byte{}
	for _, e := range entries {
		n := e.Name()
		if e.IsDir() || !strings.HasSuffix(n, ".go") || strings.HasSuffix(n, "_test.go") {
			continue
		}
		data, err := os.ReadFile(filepath.Join(dir, n))
		if err != nil {
			return nil, fmt.Errorf("read GOROOT package: %w", err)
		}
		files[n] = data
	}
	return files, nil
}

// WriteOverlayFile writes the JSON file that "go build -overlay" reads,
// mapping every file of replace (GOROOT files of ov and extra ones) to its
// replacement.
func WriteOverlayFile(path string, ov *Overlay, extra map[string]string) error {
	all := map[string]string{}
	for k, v := range ov.Replace {
		all[k] = v
	}
	for k, v := range extra {
		all[k] = v
	}
	data, err := json.MarshalIndent(struct{ Replace map[string]string }{all}, "", "\t")
	if err != nil {
		return err
	}
	return os.WriteFile(path, data, 0o644)
}
