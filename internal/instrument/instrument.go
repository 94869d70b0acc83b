// Package instrument builds leakhound's instrumented GOROOT: a GOROOT made
// from the one of the toolchain in use, whose unchanged files are symbolic
// links to the original and whose go command is a copy (so that it finds
// this GOROOT as its own), with a few standard-library files patched and
// leakhound's tracker added as standard-library packages
// (internal/leakhound/...). Building with it changes nothing in the user's
// module: no go.mod or go.sum edit, no added requirement, no overlay.
//
// The patched os, net and net/http files call hooks when a file, socket or
// response body is opened, closed, handed out raw (Fd, File, SyscallConn) or
// closed by its finalizer; database/sql calls them when a Rows, Stmt, Tx or
// Conn is opened, closed, or becomes unreachable without being closed (seen
// by a cleanup that only reports it); testing's tRunner calls a hook when a
// test starts; os.Exit asks the tracker for the exit status. The runtime
// keeps in each goroutine's record the test that owns it (inherited at go
// statements) and the stack of the go statement that created it. The hooks
// are variables declared in files added to those packages and marked with the
// push form of //go:linkname; the tracker (a copy of
// github.com/leakhound/leakhound/track, which testing/internal/testdeps
// imports, so every test binary links it) sets them.
//
// Patch points are located structurally with go/ast (a function and the shape
// of a statement in it), never by line number. When one is missing, Generate
// fails with an error naming the Go version instead of building something
// subtly wrong.
package instrument

import (
	"embed"
	"go/version"
)

// Version identifies the instrumentation this package generates. It is part
// of the cache key; change it whenever a patch or an added file changes.
const Version = "12"

//go:embed stdfiles/*.go.txt
var stdFiles embed.FS

// pkgPatch is the instrumentation of one standard-library package.
type pkgPatch struct {
	dir   string // package directory under GOROOT/src
	added string // file of stdfiles added to the package
	// byVersion are more files of stdfiles added to the package, each
	// holding its own //go:build line (go1.27, !go1.27) for the parts that
	// differ between Go versions (or build tags).
	byVersion []string
	requires  []string          // declarations of the package the added file uses
	files     map[string][]edit // edits of existing files, by file name
	// since and before limit the patch to the Go versions v with
	// since <= v < before ("go1.27"); empty means no limit. A package can
	// have one patch for every version and others for some only, which
	// then add no file of stdfiles.
	since, before string
}

// applies reports whether p patches Go goVersion ("go1.27.4").
func (p pkgPatch) applies(goVersion string) bool {
	return (p.since == "" || version.Compare(goVersion, p.since) >= 0) &&
		(p.before == "" || version.Compare(goVersion, p.before) < 0)
}

var stdPatches = []pkgPatch{
	{
		dir:      "os",
		added:    "os.go.txt",
		requires: []string{"File", "file", "Exit"},
		files: map[string][]edit{
			"file_unix.go": {
				finalizerArg{fn: "newFile", old: "(*file).close", repl: "leakhoundFileFinalizer", opened: "leakhoundFileOpened"},
				callAtStart{fn: "(*file).close", call: "leakhoundFileClosed"},
			},
			"file.go":    {callAtStart{fn: "(*File).Fd", call: "leakhoundFileRaw"}},
			"rawconn.go": {callAtStart{fn: "newRawConn", call: "leakhoundFileRaw"}},
			"proc.go":    {callAtStart{fn: "Exit", call: "leakhoundExit", assign: true}},
		},
	},
	{
		dir:      "runtime",
		added:    "runtime.go.txt",
		requires: []string{"getg", "getfp", "callers", "fpTracebackPCs", "tracefpunwindoff", "(*m).hasCgoOnStack", "forEachGRace", "readgstatus", "isSystemGoroutine", "g.goid", "g.m", "m.curg", "p.scannedStackSize", "p.scannedStacks"},
		files: map[string][]edit{
			"runtime2.go": {structFields{typ: "g", fields: "leakhoundOwner uint64; leakhoundCreated [leakhoundCreatedLen]uintptr; leakhoundHidden bool"}},
			"proc.go": {
				afterStmt{fn: "newproc1", stmt: "newg.parentGoid = callergp.goid", insert: "newg.leakhoundOwner = callergp.leakhoundOwner; newg.leakhoundCreated = [leakhoundCreatedLen]uintptr{}; newg.leakhoundHidden = callergp.leakhoundHidden"},
				afterStmt{fn: "newproc", stmt: "pc := sys.GetCallerPC()", insert: "leakhoundPCs := leakhoundCapture(gp)"},
				afterStmt{fn: "newproc", stmt: "newg := newproc1(fn, gp, pc, false, waitReasonZero)", insert: "newg.leakhoundCreated = leakhoundPCs"},
			},
			// The tracker's goroutines stay out of the average stack use
			// from which the runtime sizes new goroutines' stacks: a few
			// parked goroutines with small stacks would shrink the stacks
			// a small program's goroutines start with, and its speed.
			"mgcmark.go": {afterStmt{fn: "scanstack", stmt: "p.scannedStacks++", insert: "leakhoundUncountStack(gp, p, scannedSize)"}},
		},
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
		dir:   "net/http",
		added: "http.go.txt",
		// The HTTP/2 bodies of each version: see the patches below.
		byVersion: []string{"http_go126.go.txt", "http_go127.go.txt", "http_omithttp2.go.txt"},
		requires:  []string{"Response", "bodyEOFSignal", "gzipReader", "cancelTimerBody.rc"},
		files: map[string][]edit{
			"client.go": {wrapReturn{fn: "(*Client).Do", call: "do", wrap: "leakhoundResponse"}},
			"transport.go": {
				structFields{typ: "bodyEOFSignal", fields: "leakhoundTracked bool"},
				callAtStart{fn: "(*bodyEOFSignal).Close", call: "leakhoundBodyClosed"},
				callAtStart{fn: "(*bodyEOFSignal).condfn", call: "leakhoundBodyDone"},
			},
		},
	},
	{
		// Go 1.26 bundles its HTTP/2 transport into net/http. A response
		// body is a transportResponseBody (a value holding its stream), or
		// a gzipReader around one: the stream carries the tracking. Its
		// resources are given back when Read returns an error (io.EOF after
		// END_STREAM included) or at Close.
		dir:      "net/http",
		before:   "go1.27",
		requires: []string{"http2clientStream", "http2transportResponseBody.cs", "http2gzipReader.body"},
		files: map[string][]edit{
			"h2_bundle.go": {
				structFields{typ: "http2clientStream", fields: "leakhoundBody leakhoundHTTP2Body"},
				deferAtStart{fn: "(http2transportResponseBody).Read", call: "leakhoundHTTP2BodyRead", result: "err"},
				callAtStart{fn: "(http2transportResponseBody).Close", call: "leakhoundHTTP2BodyEnded"},
			},
		},
	},
	{
		// Since Go 1.27 the HTTP/2 transport is a package of its own; the
		// same patch as above, reached from net/http's Client.Do through the
		// functions of the added file.
		dir:      "net/http/internal/http2",
		since:    "go1.27",
		added:    "http2.go.txt",
		requires: []string{"clientStream", "transportResponseBody.cs", "gzipReader.body"},
		files: map[string][]edit{
			"transport.go": {
				structFields{typ: "clientStream", fields: "leakhoundBody leakhoundBody"},
				deferAtStart{fn: "(transportResponseBody).Read", call: "leakhoundBodyRead", result: "err"},
				callAtStart{fn: "(transportResponseBody).Close", call: "leakhoundBodyEnded"},
			},
		},
	},
	{
		dir:   "database/sql",
		added: "sql.go.txt",
		requires: []string{
			"Rows", "Stmt", "Tx", "Conn", "driverConn",
			"Stmt.cg", "Tx.dc", "Conn.dc", "driverConn.ci",
			"Stmt.db", "Stmt.mu", "Stmt.css", "connStmt.dc", "DB.mu", "DB.closed", "DB.freeConn", "driverConn.dbmuClosed",
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
				callAtStart{fn: "(*DB).Close", call: "leakhoundDBClosing"},
			},
		},
	},
	{
		dir:      "os/exec",
		added:    "exec.go.txt",
		requires: []string{"Cmd", "Cmd.Process", "Cmd.Args", "Cmd.Path"},
		files: map[string][]edit{
			"exec.go": {
				structFields{typ: "Cmd", fields: "leakhoundKey uintptr; leakhoundCleanup runtime.Cleanup"},
				deferAtStart{fn: "(*Cmd).Start", call: "leakhoundStarted"},
				callAtStart{fn: "(*Cmd).Wait", call: "leakhoundWaited"},
			},
		},
	},
	{
		// Descriptors handed out below package os: recorded with their
		// opener until Close, so that one no os.File or net connection
		// owns has an origin. Close (and Dup) are generated per system
		// and architecture: linux/amd64 and linux/arm64 are patched, and
		// elsewhere nothing is recorded (syscall_nocloses.go.txt).
		dir:       "syscall",
		added:     "syscall.go.txt",
		byVersion: []string{"syscall_closes.go.txt", "syscall_nocloses.go.txt"},
		files: map[string][]edit{
			"syscall_linux.go": {
				deferAtStart{fn: "Open", call: "leakhoundOpenDone", result: "fd, err"},
				deferAtStart{fn: "Openat", call: "leakhoundFdDone", result: "fd, err"},
				deferAtStart{fn: "Accept", call: "leakhoundFdDone", result: "nfd, err"},
				deferAtStart{fn: "Accept4", call: "leakhoundFdDone", result: "nfd, err"},
				afterStmt{fn: "Pipe2", stmt: "p[1] = int(pp[1])", insert: "leakhoundPipeDone(p)"},
			},
			"syscall_unix.go": {
				deferAtStart{fn: "Socket", call: "leakhoundFdDone", result: "fd, err"},
				deferAtStart{fn: "Socketpair", call: "leakhoundPairDone", result: "fd, err"},
			},
			"zsyscall_linux_amd64.go": {
				callAtStart{fn: "Close", call: "leakhoundClose"},
				deferAtStart{fn: "Dup", call: "leakhoundFdDone", result: "fd, err"},
			},
			"zsyscall_linux_arm64.go": {
				callAtStart{fn: "Close", call: "leakhoundClose"},
				deferAtStart{fn: "Dup", call: "leakhoundFdDone", result: "fd, err"},
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
		dir:       "testing",
		added:     "testing.go.txt",
		byVersion: []string{"testing_go126.go.txt", "testing_go127.go.txt"},
		requires: []string{
			"T", "(*common).Cleanup", "(*common).Name", "(*common).Fail",
			"(*common).destination", "(*common).flushPartial", "common.o", "indent", "fullPath",
		},
		files: map[string][]edit{
			"testing.go": {callAtStart{fn: "tRunner", call: "leakhoundTestStart", args: []string{"t", "fn"}}},
		},
	},
	{
		// Every test binary's main imports testdeps: it links the tracker in.
		dir:   "testing/internal/testdeps",
		added: "testdeps.go.txt",
	},
}
