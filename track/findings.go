package track

import (
	"fmt"
	"os"
	"reflect"
	"runtime"
	"sort"
	"strings"
	"time"

	"github.com/leakhound/leakhound"
)

// finding describes e as a resource finding with reason.
func (e *entry) finding(reason string) leakhound.Finding {
	origin := originFrames(e.pcs)
	certainty := leakhound.Proven
	if reason == leakhound.ReasonHeldTooLong {
		certainty = leakhound.Suspected
	}
	f := leakhound.Finding{
		Kind:      leakhound.KindResource,
		Certainty: certainty,
		Reason:    reason,
		Resource:  e.kind,
		Count:     1,
		Message:   message(e.kind, reason, e.fd),
		Detail:    e.detail(),
		Test:      e.test,
		Stack:     []leakhound.Frame{},
		Origin:    origin,
	}
	f.ID = leakhound.FindingID(f.Kind, f.Reason, origin)
	return f
}

// detail is the path, addresses or URL of e, and its descriptor.
func (e *entry) detail() string {
	var s string
	switch {
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

func message(kind, reason string, fd int) string {
	body := kind == "http.Response.Body"
	if strings.HasPrefix(kind, "sql.") {
		return sqlMessage(kind, reason)
	}
	switch {
	case reason == leakhound.ReasonFDUsedAfterGC:
		return fmt.Sprintf("descriptor %d was handed out raw (Fd, File or SyscallConn) and the garbage collector then closed its %s under the code using it: keep the owner reachable (runtime.KeepAlive) or close it explicitly", fd, kind)
	case body && reason == leakhound.ReasonClosedByGC:
		return "response body opened here became unreachable without Close: its connection could not be reused and the transport's goroutines stayed behind; defer resp.Body.Close() after checking the error"
	case body:
		return "response body opened here was never closed: its connection and the transport's goroutines stay behind; defer resp.Body.Close() after checking the error"
	case reason == leakhound.ReasonClosedByGC:
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

func sqlMessage(kind, reason string) string {
	ended := "closed"
	if kind == "sql.Tx" {
		ended = "committed or rolled back"
	}
	if reason == leakhound.ReasonClosedByGC {
		return fmt.Sprintf("%s opened here became unreachable without being %s: database/sql has no finalizer, so %s; %s", kind, ended, sqlEffect[kind], sqlFix[kind])
	}
	return fmt.Sprintf("%s opened here was not %s when its test or program ended: %s; %s", kind, ended, sqlEffect[kind], sqlFix[kind])
}

// heldMessage describes a pooled connection held longer than held.
func heldMessage(kind string, held time.Duration) string {
	return fmt.Sprintf("%s opened here kept its pooled connection checked out for more than %v: other queries cannot use it meanwhile; end it as soon as its work is done (threshold: leakhound -held)", kind, held)
}

// group describes entries as findings with reason, one per origin and
// resource kind with its count, in a stable order.
func group(entries []*entry, reason string) []leakhound.Finding {
	var out []leakhound.Finding
	index := map[string]int{}
	for _, e := range entries {
		f := e.finding(reason)
		k := f.ID + "\x00" + f.Resource + "\x00" + f.Test
		if i, ok := index[k]; ok {
			out[i].Count++
			continue
		}
		index[k] = len(out)
		out = append(out, f)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Test != out[j].Test {
			return out[i].Test < out[j].Test
		}
		return out[i].ID < out[j].ID
	})
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
func originFrames(pcs []uintptr) []leakhound.Frame {
	var all []leakhound.Frame
	frames := runtime.CallersFrames(pcs)
	for {
		fr, more := frames.Next()
		if fr.Function != "" && fr.Function != "runtime.goexit" && !isWrapper(fr) {
			all = append(all, leakhound.Frame{Func: fr.Function, File: fr.File, Line: fr.Line})
		}
		if !more {
			break
		}
	}
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
	return all[first:]
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
func isStd(fr leakhound.Frame) bool {
	if goroot != "" && strings.HasPrefix(fr.File, "/") {
		return strings.HasPrefix(fr.File, goroot+"/src/")
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
			return !isStd(leakhound.Frame{Func: fr.Function, File: fr.File})
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
