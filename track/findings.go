package track

import (
	"fmt"
	"os"
	"reflect"
	"runtime"
	"strings"
	"time"

	"github.com/leakhound/leakhound/report"
)

// finding describes e as a resource finding with reason.
func (t *tracker) finding(e *entry, reason report.Reason) report.Finding {
	origin := originFrames(e.pcs)
	certainty := report.Proven
	if reason == report.ReasonHeldTooLong {
		certainty = report.Suspected
	}
	f := report.Finding{
		Kind:      report.KindResource,
		Certainty: certainty,
		Reason:    reason,
		Resource:  e.kind,
		Count:     1,
		Message:   message(e.kind, reason, e.fd, e.http2()),
		Detail:    e.detail(),
		Test:      e.test,
		Package:   t.pkg,
		Stack:     []report.Frame{},
		Origin:    origin,
	}
	f.ID = report.FindingID(f.Kind, f.Reason, origin)
	switch e.kind {
	case fdKind:
		fdFinding(&f, e)
	case execKind:
		f.Detail = withProcessState(e, f.Detail)
	}
	return f
}

// http2 reports whether e is the body of an HTTP/2 response: net/http gives
// its protocol in place of a local address.
func (e *entry) http2() bool { return e.kind == "http.Response.Body" && e.local == "HTTP/2" }

// detail is the path, addresses or URL of e, and its descriptor.
func (e *entry) detail() string {
	var s string
	switch {
	case e.http2():
		s = e.name + " (HTTP/2)"
	case strings.HasPrefix(e.kind, "net.") && e.remote == nil:
		s = fmt.Sprintf("%s %s", e.name, addr(e.local))
	case strings.HasPrefix(e.kind, "net."):
		s = fmt.Sprintf("%s %s -> %s", e.name, addr(e.local), addr(e.remote))
	default:
		s = e.name
	}
	if e.fd >= 0 {
		s += fmt.Sprintf(" (fd %d)", e.fd)
	}
	return s
}

func addr(a any) string {
	if s, ok := a.(fmt.Stringer); ok && a != nil {
		return s.String()
	}
	return "?"
}

func message(kind string, reason report.Reason, fd int, http2 bool) string {
	body := kind == "http.Response.Body"
	if strings.HasPrefix(kind, "sql.") {
		return sqlMessage(kind, reason)
	}
	switch {
	case kind == "os/exec.Cmd" && reason == report.ReasonClosedByGC:
		return "command started here became unreachable without Wait: nothing will reap its process, which stays in the process table as a zombie once it exits; call Wait (or use Run, Output or CombinedOutput)"
	case kind == "os/exec.Cmd":
		return "command started here was not waited for when its test or program ended: its process still runs or, once exited, stays a zombie, and the goroutines and pipes copying its input and output stay behind; call Wait (or use Run, Output or CombinedOutput)"
	case http2 && reason == report.ReasonClosedByGC:
		return "HTTP/2 response body opened here became unreachable without Close: the connection's flow-control window its unread data took is never given back; defer resp.Body.Close() after checking the error"
	case http2:
		return "HTTP/2 response body opened here was never closed: until it is closed or read to its end, its unread data holds the stream's and the connection's flow-control window, and until the server ends the stream it takes one of the connection's concurrent streams (requests beyond the server's limit wait); defer resp.Body.Close() after checking the error"
	case reason == report.ReasonFDUsedAfterGC:
		return fmt.Sprintf("descriptor %d was handed out raw (Fd, File or SyscallConn) and the garbage collector then closed its %s under the code using it: keep the owner reachable (runtime.KeepAlive) or close it explicitly", fd, kind)
	case body && reason == report.ReasonClosedByGC:
		return "response body opened here became unreachable without Close: its connection could not be reused and the transport's goroutines stayed behind; defer resp.Body.Close() after checking the error"
	case body:
		return "response body opened here was never closed: its connection and the transport's goroutines stay behind; defer resp.Body.Close() after checking the error"
	case reason == report.ReasonClosedByGC:
		return fmt.Sprintf("%s opened here was never closed: the garbage collector closed it, at a time nobody chose; call Close when done (or give it back to its pool)", kind)
	default:
		return fmt.Sprintf("%s opened here was still open when its test or program ended; call Close when done", kind)
	}
}

// sqlEffect says what a database/sql handle left open costs, and sqlFix
// what to do, by resource.
var (
	sqlEffect = map[string]string{
		"sql.Rows": "its connection never goes back to the pool (the pool shrinks; with SetMaxOpenConns, queries end up waiting forever)",
		"sql.Stmt": "its prepared statements stay open on the database's connections",
		"sql.Tx":   "its connection stays checked out and the transaction stays open on the database",
		"sql.Conn": "its connection never goes back to the pool",
	}
	sqlFix = map[string]string{
		"sql.Rows": "defer rows.Close() after checking the error",
		"sql.Stmt": "defer stmt.Close() after checking the error",
		"sql.Tx":   "defer tx.Rollback() right after Begin (it does nothing after Commit)",
		"sql.Conn": "defer conn.Close() after checking the error",
	}
)

func sqlMessage(kind string, reason report.Reason) string {
	ended := "closed"
	if kind == "sql.Tx" {
		ended = "committed or rolled back"
	}
	if reason == report.ReasonClosedByGC {
		return fmt.Sprintf("%s opened here became unreachable without being %s: database/sql has no finalizer, so %s; %s", kind, ended, sqlEffect[kind], sqlFix[kind])
	}
	return fmt.Sprintf("%s opened here was not %s when its test or program ended: %s; %s", kind, ended, sqlEffect[kind], sqlFix[kind])
}

// heldMessage describes a pooled connection held longer than held.
func heldMessage(kind string, held time.Duration) string {
	return fmt.Sprintf("%s opened here kept its pooled connection checked out for more than %v: other queries cannot use it meanwhile; end it as soon as its work is done (threshold: leakhound -held)", kind, held)
}

// group describes entries as findings with reason, one per origin and
// resource kind with its count (report.Merge), in the report's order.
func (t *tracker) group(entries []*entry, reason report.Reason) []report.Finding {
	fs := make([]report.Finding, 0, len(entries))
	for _, e := range entries {
		fs = append(fs, t.finding(e, reason))
	}
	out := report.Merge(fs)
	for i := range out {
		if out[i].Count > 1 {
			out[i].Detail += fmt.Sprintf(" and %d more", out[i].Count-1)
		}
	}
	return out
}

// originFrames symbolizes an opener stack, innermost first, without the
// standard library's internals: it starts at the last standard-library frame
// the program called (os.Open, net.Dial, net/http.Get, ...).
func originFrames(pcs []uintptr) []report.Frame {
	all := symbolize(pcs)
	first := 0
	for first < len(all) && isStd(all[first]) {
		first++
	}
	if first == len(all) {
		return all // opened by the standard library on its own
	}
	if first > 0 {
		first-- // keep the call the program made
	}
	return trimRunner(all[first:])
}

// trimRunner cuts frames at the test runner or runtime.main, which every
// test or program has, keeping at least one frame.
func trimRunner(frames []report.Frame) []report.Frame {
	for i, fr := range frames {
		if i > 0 && (fr.Func == "testing.tRunner" || fr.Func == "runtime.main") {
			return frames[:i]
		}
	}
	return frames
}

// symbolize returns the frames of pcs, innermost first, without the
// instrumentation's own functions, the compiler's wrappers and
// runtime.goexit, with the files of the standard library under the GOROOT
// the instrumented one was made from.
func symbolize(pcs []uintptr) []report.Frame {
	var all []report.Frame
	frames := runtime.CallersFrames(pcs)
	for {
		fr, more := frames.Next()
		if fr.Function != "" && fr.Function != "runtime.goexit" && !isWrapper(fr) && !isInstrumentation(fr.Function) {
			all = append(all, report.Frame{Func: fr.Function, File: realFile(fr.File), Line: fr.Line})
		}
		if !more {
			break
		}
	}
	return all
}

// isInstrumentation reports whether fn is a function the instrumentation
// added to the standard library ("net.leakhoundNetOpened").
func isInstrumentation(fn string) bool {
	_, name, _ := strings.Cut(fn[strings.LastIndex(fn, "/")+1:], ".")
	return strings.HasPrefix(name, "leakhound")
}

// realFile returns file with the instrumented GOROOT replaced by the GOROOT
// it was made from, so that reports name the files a person can open.
func realFile(file string) string {
	if goroot == "" || runtimeGOROOT == "" {
		return file
	}
	if rest, ok := strings.CutPrefix(file, goroot+"/"); ok {
		return runtimeGOROOT + "/" + rest
	}
	return file
}

// isWrapper reports whether fr is a function the compiler made to start a
// goroutine ("main.main.gowrap1") or an autogenerated method wrapper; the
// runtime leaves them out of its tracebacks.
func isWrapper(fr runtime.Frame) bool {
	if fr.File == "<autogenerated>" {
		return true
	}
	n, ok := strings.CutPrefix(fr.Function[strings.LastIndex(fr.Function, ".")+1:], "gowrap")
	return ok && n != "" && strings.Trim(n, "0123456789") == ""
}

// goroot is the GOROOT this program was built from, as its stack frames
// name it ("" when unknown, as with -trimpath). It is read from the frame of
// a standard-library function: the GOROOT environment variable may name
// another directory (go test sets it to the toolchain's own).
var goroot = func() string {
	file, _ := runtime.FuncForPC(reflect.ValueOf(os.Open).Pointer()).FileLine(reflect.ValueOf(os.Open).Pointer())
	dir, ok := strings.CutSuffix(file, "/src/os/file.go")
	if !ok {
		return ""
	}
	return dir
}()

// isStd reports whether the frame is in the standard library: its file is
// under GOROOT/src, or (without a GOROOT) its import path has no dot in its
// first element and it is not in package main.
func isStd(fr report.Frame) bool {
	if goroot != "" && strings.HasPrefix(fr.File, "/") {
		return strings.HasPrefix(fr.File, goroot+"/src/") || runtimeGOROOT != "" && strings.HasPrefix(fr.File, runtimeGOROOT+"/src/")
	}
	pkg := pkgOf(fr.Func)
	first, _, _ := strings.Cut(pkg, "/")
	return !strings.Contains(first, ".") && pkg != "main" && !strings.HasSuffix(pkg, "_test")
}

// calledByUser reports whether the hook runs because the program itself
// asked for a raw descriptor (Fd, File, SyscallConn), rather than the
// standard library using it internally (os/exec, io.Copy's splice).
func calledByUser() bool {
	var buf [16]uintptr
	n := runtime.Callers(3, buf[:])
	frames := runtime.CallersFrames(buf[:n])
	for {
		fr, more := frames.Next()
		pkg := pkgOf(fr.Function)
		if pkg != "os" && pkg != "net" {
			return !isStd(report.Frame{Func: fr.Function, File: fr.File})
		}
		if !more {
			return false
		}
	}
}

// pkgOf returns the import path of the function fn ("net/http" for
// "net/http.(*Client).Do").
func pkgOf(fn string) string {
	slash := strings.LastIndex(fn, "/")
	dot := strings.IndexByte(fn[slash+1:], '.')
	if dot < 0 {
		return fn
	}
	return fn[:slash+1+dot]
}

// poolOpeners are the functions of the standard library that open a pool's
// connections: net/http's Transport dialing, database/sql connecting its
// driver (whose sockets or files belong to the pool).
var poolOpeners = []string{
	"net/http.(*Transport).dialConn",
	"database/sql.(*DB).conn",
	"database/sql.(*DB).openNewConnection",
}

// pooled reports whether e belongs to a pool that keeps it open on purpose
// (net/http's Transport, a database/sql DB), so it is no leak when its owner
// ends.
func pooled(e *entry) bool {
	frames := runtime.CallersFrames(e.pcs)
	for {
		fr, more := frames.Next()
		for _, p := range poolOpeners {
			if fr.Function == p || strings.HasPrefix(fr.Function, p+".func") {
				return true
			}
		}
		if !more {
			return false
		}
	}
}

// openedByTesting reports whether package testing itself opened e: the
// files of -cpuprofile and -trace, which it keeps open until the test
// binary exits. They are the binary's own, never a leak of the program
// under test. The first frame outside the standard library's plumbing
// decides: package testing, or code that is not the standard library's.
func openedByTesting(e *entry) bool {
	for _, fr := range symbolize(e.pcs) {
		if pkgOf(fr.Func) == "testing" {
			return true
		}
		if !isStd(fr) {
			return false
		}
	}
	return false
}

// goroutineFindings completes the goroutine findings of a verdict, whose
// goroutines are ids: the package under test, files under the real GOROOT,
// and an origin that is the creation chain the instrumented runtime kept
// (the stack of the go statement, continued through the goroutines that
// created the creator), when it says more than the runtime's one "created
// by" frame.
func (t *tracker) goroutineFindings(fs []report.Finding, ids [][]int64) {
	for i := range fs {
		f := &fs[i]
		f.Package = t.pkg
		for k := range f.Stack {
			f.Stack[k].File = realFile(f.Stack[k].File)
		}
		for k := range f.Origin {
			f.Origin[k].File = realFile(f.Origin[k].File)
		}
		if runtimeCreatedAt == nil || len(ids[i]) == 0 {
			continue
		}
		if chain := creationChain(runtimeCreatedAt(uint64(ids[i][0]))); len(chain) > len(f.Origin) {
			f.Origin = chain
		}
	}
}

// creationChain symbolizes the creation stack of a goroutine up to the test
// or main function that started it all: the frames of testing's test runner
// and of runtime.main, which every test or program has, are left out.
func creationChain(pcs []uintptr) []report.Frame {
	return trimRunner(symbolize(pcs))
}
