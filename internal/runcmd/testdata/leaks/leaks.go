// Package leaks opens one of every resource leakhound tracks, each in a
// method of its own, for the integration tests of leakhound run (the
// program in cmd/leakall) and leakhound test (this package's tests). The
// Drop methods leave what they open for the garbage collector to find; the
// Keep methods keep it open and reachable until the process exits.
package leaks

import (
	"compress/gzip"
	"context"
	"database/sql"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/leakhound/leakhound/internal/testutil/sqltest"
)

// Env is what the scenarios use: a TCP listener that accepts and closes
// every connection, a Unix listener nobody accepts on, an HTTP server, an
// HTTPS server speaking HTTP/2 (which gzips the bodies under /gzip/), a
// database whose connections each keep a file open, and another one only
// PoolConnection uses.
type Env struct {
	dir    string
	tcp    net.Listener
	unix   net.Listener
	srv    *http.Server
	url    string
	h2     *httptest.Server
	db     *sql.DB
	shared *sql.DB
}

// Scenario is one way to leak a resource (or not).
type Scenario struct {
	Name string
	Run  func() error
}

// Scenarios returns every scenario but Hold. Those whose name starts with
// Drop need [Collect] to be found.
func (e *Env) Scenarios() []Scenario {
	return []Scenario{
		{"DropTCPConn", e.DropTCPConn},
		{"KeepTCPConn", e.KeepTCPConn},
		{"DropTCPListener", e.DropTCPListener},
		{"KeepTCPListener", e.KeepTCPListener},
		{"DropUDPConn", e.DropUDPConn},
		{"KeepUDPConn", e.KeepUDPConn},
		{"DropUnixListener", e.DropUnixListener},
		{"KeepUnixListener", e.KeepUnixListener},
		{"DropUnixConn", e.DropUnixConn},
		{"KeepUnixConn", e.KeepUnixConn},
		{"DropFile", e.DropFile},
		{"KeepFile", e.KeepFile},
		{"DropListenerFile", e.DropListenerFile},
		{"KeepConnFile", e.KeepConnFile},
		{"DropFileKeepFd", e.DropFileKeepFd},
		{"DropConnKeepRaw", e.DropConnKeepRaw},
		{"DropFileKeepRaw", e.DropFileKeepRaw},
		{"DropBody", e.DropBody},
		{"KeepBody", e.KeepBody},
		{"KeepTimeoutBody", e.KeepTimeoutBody},
		{"DropH2Body", e.DropH2Body},
		{"KeepH2Body", e.KeepH2Body},
		{"DropRows", e.DropRows},
		{"KeepRows", e.KeepRows},
		{"KeepStmtRows", e.KeepStmtRows},
		{"DropRow", e.DropRow},
		{"KeepStmt", e.KeepStmt},
		{"DropConnStmt", e.DropConnStmt},
		{"DropConn", e.DropConn},
		{"KeepConn", e.KeepConn},
		{"KeepTx", e.KeepTx},
		{"KeepCmd", e.KeepCmd},
		{"DropCmd", e.DropCmd},
		{"RunCmd", e.RunCmd},
		{"KeepRawFile", e.KeepRawFile},
		{"KeepRawSocket", e.KeepRawSocket},
		{"RawClosed", e.RawClosed},
		{"CleanTx", e.CleanTx},
		{"PoolConnection", e.PoolConnection},
		{"NestedClients", e.NestedClients},
		{"ReadBody", e.ReadBody},
		{"ReadH2Body", e.ReadH2Body},
		{"H2BodyClosed", e.H2BodyClosed},
		{"StmtClosedWithDB", e.StmtClosedWithDB},
		{"Clean", e.Clean},
	}
}

// Start opens the environment; Close closes it.
func Start() (*Env, error) {
	dir, err := os.MkdirTemp("", "leaks-")
	if err != nil {
		return nil, err
	}
	e := &Env{dir: dir, db: sqltest.Open(filepath.Join(dir, "db")), shared: sqltest.Open(filepath.Join(dir, "shared"))}
	if e.tcp, err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
		return nil, err
	}
	go func() {
		for {
			c, err := e.tcp.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	if e.unix, err = net.Listen("unix", filepath.Join(dir, "unix.sock")); err != nil {
		return nil, err
	}
	web, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	e.url = "http://" + web.Addr().String()
	e.srv = &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "hello from", r.URL.Path)
	})}
	go e.srv.Serve(web)
	e.h2 = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.URL.Path, "/gzip/") {
			fmt.Fprintln(w, "hello over", r.Proto, "from", r.URL.Path)
			return
		}
		w.Header().Set("Content-Encoding", "gzip")
		gz := gzip.NewWriter(w)
		fmt.Fprintln(gz, "hello over", r.Proto, "from", r.URL.Path)
		gz.Close()
	}))
	e.h2.EnableHTTP2 = true
	e.h2.StartTLS()
	if _, err := e.db.Exec("CREATE TABLE t (id, name)"); err != nil {
		return nil, err
	}
	if _, err := e.db.Exec("INSERT INTO t VALUES (?, ?)", 1, "ann"); err != nil {
		return nil, err
	}
	return e, nil
}

// Close closes the environment; what the scenarios kept stays open.
func (e *Env) Close() {
	e.srv.Close()
	e.h2.Close()
	e.tcp.Close()
	e.unix.Close()
	e.db.Close()
	e.shared.Close()
	os.RemoveAll(e.dir)
}

var (
	keptMu sync.Mutex
	kept   []any // reachable until the process exits
	rawFDs []uintptr
)

func keep(x any) {
	keptMu.Lock()
	kept = append(kept, x)
	keptMu.Unlock()
}

// Collect runs the garbage collector and gives finalizers and cleanups time
// to run.
func Collect() {
	for range 5 {
		runtime.GC()
		time.Sleep(20 * time.Millisecond)
	}
}

func (e *Env) DropTCPConn() error {
	_, err := net.Dial("tcp", e.tcp.Addr().String())
	return err
}

func (e *Env) KeepTCPConn() error {
	c, err := net.Dial("tcp", e.tcp.Addr().String())
	keep(c)
	return err
}

func (e *Env) DropTCPListener() error {
	_, err := net.Listen("tcp", "127.0.0.1:0")
	return err
}

func (e *Env) KeepTCPListener() error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	keep(ln)
	return err
}

func (e *Env) DropUDPConn() error {
	_, err := net.ListenPacket("udp", "127.0.0.1:0")
	return err
}

func (e *Env) KeepUDPConn() error {
	c, err := net.Dial("udp", e.tcp.Addr().String())
	keep(c)
	return err
}

func (e *Env) DropUnixListener() error {
	_, err := net.Listen("unix", filepath.Join(e.dir, "dropped.sock"))
	return err
}

func (e *Env) KeepUnixListener() error {
	ln, err := net.Listen("unix", filepath.Join(e.dir, "kept.sock"))
	keep(ln)
	return err
}

func (e *Env) DropUnixConn() error {
	_, err := net.Dial("unix", e.unix.Addr().String())
	return err
}

func (e *Env) KeepUnixConn() error {
	c, err := net.ListenPacket("unixgram", filepath.Join(e.dir, "kept.dgram"))
	keep(c)
	return err
}

func (e *Env) DropFile() error {
	_, err := os.Open(e.dir)
	return err
}

func (e *Env) KeepFile() error {
	f, err := os.Create(filepath.Join(e.dir, "kept.txt"))
	keep(f)
	return err
}

// DropListenerFile drops the file (*TCPListener).File returns; the listener
// is closed.
func (e *Env) DropListenerFile() error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	defer ln.Close()
	_, err = ln.(*net.TCPListener).File()
	return err
}

// KeepConnFile keeps the file (*TCPConn).File returns; the connection is
// closed.
func (e *Env) KeepConnFile() error {
	c, err := net.Dial("tcp", e.tcp.Addr().String())
	if err != nil {
		return err
	}
	defer c.Close()
	f, err := c.(*net.TCPConn).File()
	keep(f)
	return err
}

// DropFileKeepFd keeps only the descriptor of a file (Fd).
func (e *Env) DropFileKeepFd() error {
	f, err := os.Open(e.dir)
	if err != nil {
		return err
	}
	keepRaw(f.Fd())
	return nil
}

// DropConnKeepRaw keeps only the descriptor of a connection (SyscallConn).
func (e *Env) DropConnKeepRaw() error {
	c, err := net.Dial("tcp", e.tcp.Addr().String())
	if err != nil {
		return err
	}
	return control(c.(*net.TCPConn))
}

// DropFileKeepRaw keeps only the descriptor of a file (SyscallConn).
func (e *Env) DropFileKeepRaw() error {
	f, err := os.Open(e.dir)
	if err != nil {
		return err
	}
	return control(f)
}

func control(c syscall.Conn) error {
	rc, err := c.SyscallConn()
	if err != nil {
		return err
	}
	return rc.Control(keepRaw)
}

func keepRaw(fd uintptr) {
	keptMu.Lock()
	rawFDs = append(rawFDs, fd)
	keptMu.Unlock()
}

// DropBody checks the status of a response and drops its body unread and
// unclosed.
func (e *Env) DropBody() error {
	resp, err := http.Get(e.url + "/dropped")
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("status %s", resp.Status)
	}
	return nil
}

// KeepTimeoutBody keeps a body it never reads, from a client with a
// timeout (which wraps the body to stop its timer).
func (e *Env) KeepTimeoutBody() error {
	resp, err := (&http.Client{Timeout: time.Minute}).Get(e.url + "/timeout")
	if err != nil {
		return err
	}
	keep(resp)
	return nil
}

// KeepBody keeps a body it never reads, from Client.Do.
func (e *Env) KeepBody() error {
	req, err := http.NewRequest("GET", e.url+"/kept", nil)
	if err != nil {
		return err
	}
	resp, err := new(http.Client).Do(req)
	if err != nil {
		return err
	}
	keep(resp)
	return nil
}

// ReadBody keeps a body it read to its end, unclosed: the transport took
// the connection back at the end of the body, so nothing leaks.
func (e *Env) ReadBody() error {
	resp, err := http.Get(e.url + "/read")
	if err != nil {
		return err
	}
	keep(resp)
	_, err = io.ReadAll(resp.Body)
	return err
}

// h2Get is what the HTTP/2 scenarios check of their response: no error, and
// HTTP/2.
func h2Get(resp *http.Response, err error) (*http.Response, error) {
	if err != nil {
		return nil, err
	}
	if resp.ProtoMajor != 2 {
		resp.Body.Close()
		return nil, fmt.Errorf("%s over %s, want HTTP/2", resp.Request.URL, resp.Proto)
	}
	return resp, nil
}

// DropH2Body drops an HTTP/2 body unread and unclosed.
func (e *Env) DropH2Body() error {
	_, err := h2Get(e.h2.Client().Get(e.h2.URL + "/dropped"))
	return err
}

// KeepH2Body keeps an HTTP/2 body (gzipped: the transport decompresses it)
// it never reads.
func (e *Env) KeepH2Body() error {
	resp, err := h2Get(e.h2.Client().Get(e.h2.URL + "/gzip/kept"))
	if err != nil {
		return err
	}
	keep(resp)
	return nil
}

// ReadH2Body keeps an HTTP/2 body (gzipped) it read to its end, unclosed:
// the stream is over, nothing leaks.
func (e *Env) ReadH2Body() error {
	resp, err := h2Get(e.h2.Client().Get(e.h2.URL + "/gzip/read"))
	if err != nil {
		return err
	}
	keep(resp)
	_, err = io.ReadAll(resp.Body)
	return err
}

// H2BodyClosed gets an HTTP/2 body through two Client.Do calls (a client
// whose transport is the server's client), and closes it.
func (e *Env) H2BodyClosed() error {
	outer := &http.Client{Transport: clientTransport{e.h2.Client()}}
	resp, err := h2Get(outer.Get(e.h2.URL + "/closed"))
	if err != nil {
		return err
	}
	return resp.Body.Close()
}

// StmtClosedWithDB leaves a statement unclosed on a database it closes:
// closing the database closes the statement's connection, and the
// statement with it.
func (e *Env) StmtClosedWithDB() error {
	db := sqltest.Open(filepath.Join(e.dir, "stmtdb"))
	stmt, err := db.Prepare("SELECT * FROM t WHERE id = ?")
	if err != nil {
		db.Close()
		return err
	}
	keep(stmt)
	return db.Close()
}

func (e *Env) DropRows() error {
	_, err := e.db.Query("SELECT * FROM t")
	return err
}

// KeepRows queries with an argument: through a prepared statement.
func (e *Env) KeepRows() error {
	rows, err := e.db.Query("SELECT * FROM t WHERE id = ?", 1)
	keep(rows)
	return err
}

// KeepStmtRows keeps the rows of a statement it closes.
func (e *Env) KeepStmtRows() error {
	st, err := e.db.Prepare("SELECT * FROM t WHERE name = ?")
	if err != nil {
		return err
	}
	defer st.Close()
	rows, err := st.Query("ann")
	keep(rows)
	return err
}

// DropRow never scans the row QueryRow returns.
func (e *Env) DropRow() error {
	return e.db.QueryRow("SELECT * FROM t").Err()
}

func (e *Env) KeepStmt() error {
	st, err := e.db.Prepare("INSERT INTO t VALUES (?, ?)")
	keep(st)
	return err
}

// DropConnStmt drops a statement prepared on a Conn it closes.
func (e *Env) DropConnStmt() error {
	ctx := context.Background()
	c, err := e.db.Conn(ctx)
	if err != nil {
		return err
	}
	defer c.Close()
	_, err = c.PrepareContext(ctx, "SELECT * FROM t")
	return err
}

func (e *Env) DropConn() error {
	_, err := e.db.Conn(context.Background())
	return err
}

func (e *Env) KeepConn() error {
	c, err := e.db.Conn(context.Background())
	keep(c)
	return err
}

func (e *Env) KeepTx() error {
	tx, err := e.db.Begin()
	keep(tx)
	return err
}

// CleanTx commits a transaction with a statement it never closes: the
// transaction closes it.
func (e *Env) CleanTx() error {
	tx, err := e.db.Begin()
	if err != nil {
		return err
	}
	if _, err := tx.Prepare("INSERT INTO t VALUES (?, ?)"); err != nil {
		return err
	}
	return tx.Commit()
}

// PoolConnection pings a database that outlives the scenario, and that has
// no connection before: the connection it opens (and that connection's
// file) stays in the pool.
func (e *Env) PoolConnection() error {
	return e.shared.Ping()
}

// NestedClients gets a response through a client whose transport is
// another client: the body passes through two Client.Do calls, and is
// closed.
func (e *Env) NestedClients() error {
	outer := &http.Client{Transport: clientTransport{http.DefaultClient}}
	resp, err := outer.Get(e.url + "/nested")
	if err != nil {
		return err
	}
	return resp.Body.Close()
}

// clientTransport is a RoundTripper that sends each request with a client,
// as retrying and instrumenting clients do.
type clientTransport struct{ c *http.Client }

func (t clientTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	return t.c.Do(req.Clone(req.Context()))
}

// KeepCmd starts a command that exits at once and never waits for it: a
// zombie until the program ends.
func (e *Env) KeepCmd() error {
	cmd := exec.Command("true")
	if err := cmd.Start(); err != nil {
		return err
	}
	keep(cmd)
	return untilExited(cmd.Process.Pid)
}

// untilExited waits, for up to 5 seconds, until the child process pid has
// exited: not waited for, it is then a zombie ("Z" in /proc/PID/stat).
func untilExited(pid int) error {
	for range 500 {
		data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			return err
		}
		if i := strings.LastIndexByte(string(data), ')'); i >= 0 && strings.HasPrefix(string(data[i:]), ") Z") {
			return nil
		}
		time.Sleep(10 * time.Millisecond)
	}
	return fmt.Errorf("process %d still runs after 5s", pid)
}

// DropCmd starts a command and drops it without Wait.
func (e *Env) DropCmd() error {
	return exec.Command("true").Start()
}

// RunCmd runs a command: Start and Wait.
func (e *Env) RunCmd() error {
	return exec.Command("true").Run()
}

// KeepRawFile opens a file with syscall.Open and never closes the
// descriptor.
func (e *Env) KeepRawFile() error {
	_, err := syscall.Open(filepath.Join(e.dir, "raw.txt"), syscall.O_RDWR|syscall.O_CREAT|syscall.O_CLOEXEC, 0o600)
	return err
}

// KeepRawSocket opens a UDP socket bound to loopback with syscall.Socket
// and never closes it.
func (e *Env) KeepRawSocket() error {
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_DGRAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		return err
	}
	return syscall.Bind(fd, &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}})
}

func rawSocket() (int, error) {
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_DGRAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		return -1, err
	}
	if err := syscall.Bind(fd, &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		syscall.Close(fd)
		return -1, err
	}
	return fd, nil
}

// RawClosed opens a file, a socket and a pipe with package syscall and
// closes them with syscall.Close.
func (e *Env) RawClosed() error {
	f, err := syscall.Open(filepath.Join(e.dir, "raw-closed.txt"), syscall.O_RDWR|syscall.O_CREAT|syscall.O_CLOEXEC, 0o600)
	if err != nil {
		return err
	}
	syscall.Close(f)
	s, err := rawSocket()
	if err != nil {
		return err
	}
	syscall.Close(s)
	p := make([]int, 2)
	if err := syscall.Pipe2(p, syscall.O_CLOEXEC); err != nil {
		return err
	}
	syscall.Close(p[0])
	return syscall.Close(p[1])
}

// Clean opens one of each kind and closes it.
func (e *Env) Clean() error {
	var closers []io.Closer
	add := func(c io.Closer, err error) error {
		if c != nil && err == nil {
			closers = append(closers, c)
		}
		return err
	}
	defer func() {
		for _, c := range closers {
			c.Close()
		}
	}()
	if err := add(net.Dial("tcp", e.tcp.Addr().String())); err != nil {
		return err
	}
	if err := add(os.Open(e.dir)); err != nil {
		return err
	}
	resp, err := http.Get(e.url + "/clean")
	if err != nil {
		return err
	}
	resp.Body.Close()
	rows, err := e.db.Query("SELECT * FROM t")
	if err != nil {
		return err
	}
	rows.Close()
	return e.CleanTx()
}

// Hold keeps a sql.Conn and a sql.Tx out of the pool for d each, at the
// same time, then gives them back; and takes and gives back a Conn at once.
func (e *Env) Hold(d time.Duration) error {
	ctx := context.Background()
	quick, err := e.db.Conn(ctx)
	if err != nil {
		return err
	}
	quick.Close()
	c, err := e.db.Conn(ctx)
	if err != nil {
		return err
	}
	tx, err := e.db.Begin()
	if err != nil {
		return err
	}
	time.Sleep(d)
	c.Close()
	return tx.Commit()
}

type finalized struct{ buf [64]byte }

// SlowFinalizers queues finalizers faster than they run, for d.
func SlowFinalizers(d time.Duration) {
	for end := time.Now().Add(d); time.Now().Before(end); {
		for range 100 {
			runtime.SetFinalizer(new(finalized), slowFinalizer)
		}
		runtime.GC()
		time.Sleep(10 * time.Millisecond)
	}
}

func slowFinalizer(*finalized) { time.Sleep(time.Millisecond) }

// never is never closed: a finalizer waiting on it blocks for good.
var never = make(chan struct{})

// BlockFinalizers blocks the finalizer goroutine for good; it returns once
// the blocking finalizer runs.
func BlockFinalizers() {
	started := make(chan struct{})
	runtime.SetFinalizer(new(finalized), func(*finalized) {
		close(started)
		<-never
	})
	for {
		runtime.GC()
		select {
		case <-started:
			return
		case <-time.After(10 * time.Millisecond):
		}
	}
}
