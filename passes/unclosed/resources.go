package unclosed

import (
	"go/types"
	"strings"

	"golang.org/x/tools/go/ssa"

	"github.com/leakhound/leakhound/passes/internal/passutil"
)

// A kind is one type of value that must be released, with the methods that
// release it and the words its diagnostics use.
type kind struct {
	name     string   // resource name in reports, e.g. "os.File"
	noun     string   // "file opened here"
	verb     string   // "closed", "stopped", "committed or rolled back"
	methods  []string // methods that release it
	leaks    string   // consequence, in parentheses at the end of the message
	viaField string   // for http.Response: the field whose Close releases it
}

var (
	responseKind = &kind{name: "http.Response.Body", noun: "response body opened here", verb: "closed",
		methods: []string{"Close"}, viaField: "Body", leaks: "connection and goroutines leak"}
	fileKind = &kind{name: "os.File", noun: "file opened here", verb: "closed",
		methods: []string{"Close"}, leaks: "file descriptor stays open until the garbage collector closes it"}
	connKind = &kind{name: "net.Conn", noun: "connection opened here", verb: "closed",
		methods: []string{"Close"}, leaks: "socket stays open until the garbage collector closes it"}
	listenerKind = &kind{name: "net.Listener", noun: "listener opened here", verb: "closed",
		methods: []string{"Close"}, leaks: "port stays bound until the garbage collector closes it"}
	packetConnKind = &kind{name: "net.PacketConn", noun: "packet connection opened here", verb: "closed",
		methods: []string{"Close"}, leaks: "socket stays open until the garbage collector closes it"}
	rowsKind = &kind{name: "sql.Rows", noun: "rows opened here", verb: "closed",
		methods: []string{"Close"}, leaks: "database connection stays busy"}
	stmtKind = &kind{name: "sql.Stmt", noun: "statement prepared here", verb: "closed",
		methods: []string{"Close"}, leaks: "prepared statement stays allocated on the server"}
	txKind = &kind{name: "sql.Tx", noun: "transaction begun here", verb: "committed or rolled back",
		methods: []string{"Commit", "Rollback"}, leaks: "database connection and locks stay held"}
	sqlConnKind = &kind{name: "sql.Conn", noun: "database connection taken here", verb: "closed",
		methods: []string{"Close"}, leaks: "connection never returns to the pool"}
	pipeKind = &kind{name: "net.Pipe", noun: "pipe opened here", verb: "closed",
		methods: []string{"Close"}, leaks: "a goroutine using the other end blocks forever; a pipe holds no descriptor"}
	tickerKind = &kind{name: "time.Ticker", noun: "ticker started here", verb: "stopped",
		methods: []string{"Stop"}, leaks: "before Go 1.23 an unstopped ticker is never collected"}
	closerKind = &kind{name: "io.Closer", noun: "value opened here", verb: "closed",
		methods: []string{"Close"}, leaks: "its resources leak"}
)

// stdKinds maps "pkgpath.Type" (for pointers, the pointed-to type) to its kind.
var stdKinds = map[string]*kind{
	"net/http.Response": responseKind,
	"os.File":           fileKind,
	"net.Conn":          connKind,
	"net.TCPConn":       connKind,
	"net.UDPConn":       connKind,
	"net.UnixConn":      connKind,
	"net.IPConn":        connKind,
	"crypto/tls.Conn":   connKind,
	"net.Listener":      listenerKind,
	"net.TCPListener":   listenerKind,
	"net.UnixListener":  listenerKind,
	"net.PacketConn":    packetConnKind,
	"database/sql.Rows": rowsKind,
	"database/sql.Stmt": stmtKind,
	"database/sql.Tx":   txKind,
	"database/sql.Conn": sqlConnKind,
	"time.Ticker":       tickerKind,
}

// pipeOpeners are the standard library functions whose two results are the
// ends of one in-memory pipe: one resource, released when either end is
// closed (the other end's reads and writes then fail), and not a socket.
var pipeOpeners = map[string]bool{"net.Pipe": true}

// kindByName returns the kind named name ("net.Pipe"), or nil.
func kindByName(name string) *kind {
	if name == pipeKind.name {
		return pipeKind
	}
	return nil
}

// typeKey returns "pkgpath.Name" of the named type t or of the type t points
// to, and "" for other types.
func typeKey(t types.Type) string {
	t = types.Unalias(t)
	if p, ok := t.(*types.Pointer); ok {
		t = types.Unalias(p.Elem())
	}
	n, ok := t.(*types.Named)
	if !ok || n.Obj().Pkg() == nil {
		return ""
	}
	return n.Obj().Pkg().Path() + "." + n.Obj().Name()
}

// openerPackages are the standard library packages whose functions and
// methods returning a resource open a new one.
var openerPackages = map[string]bool{
	"os": true, "net": true, "net/http": true, "database/sql": true, "crypto/tls": true, "time": true,
}

// notOpeners are functions of openerPackages that return a resource they do
// not hand over to the caller.
var notOpeners = map[string]bool{
	"(*database/sql.Tx).Stmt":        true, // closed with the transaction
	"(*database/sql.Tx).StmtContext": true,
	"(*net/http.Request).Context":    true,
	"(*crypto/tls.Conn).NetConn":     true, // the connection it wraps
	// A response read from a bufio.Reader holds no connection: closing its
	// body only drains it, and the reader belongs to the caller.
	"net/http.ReadResponse": true,
	"net/http.ReadRequest":  true,
	// The body of a response to HEAD is http.NoBody: the transport reuses
	// the connection at once, and closing the body does nothing.
	"net/http.Head":           true,
	"(*net/http.Client).Head": true,
}

// wrapperFuncs are standard library functions whose result wraps one of
// their arguments, at the index given: they open nothing, and closing the
// result closes the argument (tls.Client(conn, cfg) is the connection;
// http.MaxBytesReader(w, body, n) is the body, and dropping it leaks it).
var wrapperFuncs = map[string]int{
	"crypto/tls.Client":       0,
	"crypto/tls.Server":       0,
	"crypto/tls.NewListener":  0,
	"net/http.MaxBytesReader": 1,
	// Closing an httputil.ClientConn or ServerConn closes its connection.
	"net/http/httputil.NewClientConn":      0,
	"net/http/httputil.NewProxyClientConn": 0,
	"net/http/httputil.NewServerConn":      0,
}

// wrappedArg returns the argument of call whose resource the result of
// call wraps, or nil when call is not a wrapper.
func wrappedArg(call *ssa.CallCommon) ssa.Value {
	name, _ := passutil.CalleeName(call)
	i, ok := wrapperFuncs[name]
	if !ok || i >= len(call.Args) {
		return nil
	}
	return call.Args[i]
}

// errorPredicates are functions of an error that report true only for a
// non-nil error (errors.Is with a nil target aside).
var errorPredicates = map[string]bool{
	"os.IsExist": true, "os.IsNotExist": true, "os.IsPermission": true, "os.IsTimeout": true,
	"errors.Is": true, "errors.As": true,
}

// testifyAssert is the path of testify's assert package, whose checks report
// whether they held.
const testifyAssert = "github.com/stretchr/testify/assert"

// nilCheckers are test assertions that report true only when their error
// argument is nil: where one reported false, the call that returned the
// error opened nothing.
var nilCheckers = map[string]bool{
	testifyAssert + ".NoError": true, testifyAssert + ".Nil": true,
	"(*" + testifyAssert + ".Assertions).NoError": true, "(*" + testifyAssert + ".Assertions).Nil": true,
}

// nonNilCheckers are test assertions that report true only when their error
// argument is not nil.
var nonNilCheckers = map[string]bool{
	testifyAssert + ".Error": true, testifyAssert + ".NotNil": true,
	"(*" + testifyAssert + ".Assertions).Error": true, "(*" + testifyAssert + ".Assertions).NotNil": true,
}

// testifyRequire is the path of testify's require package, whose checks
// call t.FailNow when they fail.
const testifyRequire = "github.com/stretchr/testify/require"

// requireCheckers are testify's require checks of one value (the argument
// after t), with whether the path goes on after them only when that value is
// nil (true) or only when it is not nil (false).
var requireCheckers = map[string]bool{}

func init() {
	for name, nilAfter := range map[string]bool{
		"NoError": true, "Nil": true,
		"Error": false, "NotNil": false, "ErrorContains": false, "EqualError": false, "ErrorAs": false,
	} {
		requireCheckers[testifyRequire+"."+name] = nilAfter
		requireCheckers["(*"+testifyRequire+".Assertions)."+name] = nilAfter
	}
}

// borrowerPackages are standard library packages whose functions use a value
// passed to them without taking the duty to close it.
var borrowerPackages = map[string]bool{
	"fmt": true, "io": true, "io/ioutil": true, "bufio": true, "bytes": true, "strings": true,
	"encoding/json": true, "encoding/xml": true, "encoding/csv": true, "encoding/binary": true,
	"encoding/gob": true, "encoding/pem": true, "encoding/base64": true, "encoding/hex": true,
	"log": true, "log/slog": true, "errors": true, "strconv": true, "testing": true,
	"compress/gzip": true, "compress/flate": true, "compress/zlib": true, "archive/tar": true,
	"archive/zip": true, "mime/multipart": true, "net/http/httputil": true, "hash": true,
	"crypto/sha256": true, "crypto/md5": true, "crypto/sha1": true, "runtime": true,
	"reflect": true, "sort": true, "slices": true, "maps": true, "unicode/utf8": true,
	"html/template": true, "text/template": true, "image": true, "image/png": true, "image/jpeg": true,
}

// transferFuncs are borrower-looking standard library functions that do take
// ownership: the request body is closed by the client; a logger keeps its
// writer for as long as it lives.
var transferFuncs = map[string]bool{
	"net/http.NewRequest":            true,
	"net/http.NewRequestWithContext": true,
	"net/http.Post":                  true,
	"(*net/http.Client).Post":        true,
	"log.New":                        true,
	"log.SetOutput":                  true,
	"(*log.Logger).SetOutput":        true,
	"log/slog.NewJSONHandler":        true,
	"log/slog.NewTextHandler":        true,
	// Publishing through sync/atomic stores the value in a shared variable,
	// which keeps it as a plain assignment would.
	"sync/atomic.StorePointer":        true,
	"sync/atomic.SwapPointer":         true,
	"(*sync/atomic.Value).Store":      true,
	"(*sync/atomic.Value).Swap":       true,
	"(*sync/atomic.Pointer[T]).Store": true,
	"(*sync/atomic.Pointer[T]).Swap":  true,
}

// hasMethod reports whether the method set of t (or *t) has a method name.
func hasMethod(t types.Type, name string) bool {
	obj, _, _ := types.LookupFieldOrMethod(t, true, nil, name)
	_, ok := obj.(*types.Func)
	return ok
}

// isStdPath reports whether path is a standard library import path.
func isStdPath(path string) bool {
	first, _, _ := strings.Cut(path, "/")
	return !strings.Contains(first, ".")
}
