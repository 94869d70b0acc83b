package a

// Patterns met in widely used modules (see docs/vet-triage.md): each
// negative case was once a false positive.

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log"
	"net"
	"net/http"
	"os"
)

// closeAny closes v when it can be closed: callers hand it the duty.
func closeAny(v any) {
	if c, ok := v.(io.Closer); ok {
		c.Close()
	}
}

// closeReader closes r when it can be closed, with a type switch.
func closeReader(r io.Reader) {
	switch c := r.(type) {
	case io.Closer:
		c.Close()
	}
}

// printAny only prints v.
func printAny(v any) { fmt.Println(v) }

func closedThroughAny(name string) error {
	f, err := os.Create(name)
	if err != nil {
		return err
	}
	defer closeAny(f)
	_, err = f.WriteString("x")
	return err
}

func closedThroughReader(name string) {
	f, err := os.Open(name)
	if err != nil {
		return
	}
	closeReader(f)
}

func anyThatDoesNotClose(name string) {
	f, err := os.Open(name) // want `file opened here is never closed`
	if err != nil {
		return
	}
	printAny(f)
}

// closeIfTCP closes only TCP connections: others are still owed.
func closeIfTCP(c net.Conn) {
	if tc, ok := c.(*net.TCPConn); ok {
		tc.Close()
	}
}

func assertedToConcreteType(addr string) {
	c, err := net.Dial("tcp", addr) // want `connection opened here is never closed`
	if err != nil {
		return
	}
	closeIfTCP(c)
}

// The error of a function with named results and a defer lives in memory.
func namedResult(name string) (n int, err error) {
	defer func() {
		if err != nil {
			err = fmt.Errorf("write %s: %w", name, err)
		}
	}()
	f, err := os.Create(name)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	return f.WriteString("x")
}

func namedResultInitStatement(name string) (err error) {
	defer func() { err = errors.Join(err) }()
	var f *os.File
	if f, err = os.Open(name); err == nil {
		defer f.Close()
	}
	return err
}

func namedResultLeak(name string) (n int, err error) {
	defer func() {
		if err != nil {
			err = fmt.Errorf("read %s: %w", name, err)
		}
	}()
	f, err := os.Open(name) // want `file opened here is never closed on the path through line 113`
	if err != nil {
		return 0, err
	}
	return f.Read(make([]byte, 1))
}

func notExist(name string) ([]byte, error) {
	f, err := os.Open(name)
	if os.IsNotExist(err) {
		return nil, nil
	}
	if errors.Is(err, fs.ErrPermission) {
		return nil, errors.New("no permission")
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(f)
}

// tls.Client wraps a connection: it opens nothing, and closing it closes
// the connection.
func upgrade(c *holder, cfg *tls.Config) error {
	tc := tls.Client(c.conn, cfg)
	if err := tc.Handshake(); err != nil {
		return err
	}
	c.conn = tc
	return nil
}

func dialTLS(addr string, cfg *tls.Config) (net.Conn, error) {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return nil, err
	}
	tc := tls.Client(c, cfg)
	if err := tc.Handshake(); err != nil {
		tc.Close()
		return nil, err
	}
	return tc, nil
}

func dialTLSLeak(addr string, cfg *tls.Config) (net.Conn, error) {
	c, err := net.Dial("tcp", addr) // want `connection opened here is never closed on the path through line 162`
	if err != nil {
		return nil, err
	}
	tc := tls.Client(c, cfg)
	if err := tc.Handshake(); err != nil {
		return nil, err
	}
	return tc, nil
}

func useDialTLS(addr string) {
	c, err := dialTLS(addr, nil) // want `connection opened here is never closed`
	if err != nil {
		return
	}
	fmt.Fprintln(c, "x")
}

// requireOK closes the body when the status is not OK.
func requireOK(resp *http.Response) error {
	return requireStatus(resp, http.StatusOK)
}

func requireStatus(resp *http.Response, code int) error {
	if resp.StatusCode == code {
		return nil
	}
	resp.Body.Close()
	return fmt.Errorf("status %d", resp.StatusCode)
}

func checkedBody(url string) (io.ReadCloser, error) {
	resp, err := http.Get(url)
	if err != nil {
		return nil, err
	}
	if err := requireOK(resp); err != nil {
		return nil, err
	}
	return resp.Body, nil
}

func checkedBodyNeverClosed(url string) error {
	resp, err := http.Get(url) // want `response body opened here is never closed on the path through line 207`
	if err != nil {
		return err
	}
	if err := requireOK(resp); err != nil {
		return err
	}
	return nil
}

// The err of a loop condition is a phi: on the edge from each Accept it is
// that call's error.
func acceptInLoopStatement(ln net.Listener, handle func(net.Conn)) error {
	var c net.Conn
	var err error
	for c, err = ln.Accept(); err == nil; c, err = ln.Accept() {
		go handle(c)
	}
	return err
}

func acceptInLoopStatementLeak(ln net.Listener) error {
	var c net.Conn
	var err error
	for c, err = ln.Accept(); err == nil; c, err = ln.Accept() { // want `connection opened here is never closed` `connection opened here is never closed`
		fmt.Fprintln(c, "x")
	}
	return err
}

// NetConn returns the connection a tls.Conn wraps: it opens nothing.
func keepAlive(c net.Conn) error {
	if tc, ok := c.(*tls.Conn); ok {
		c = tc.NetConn()
	}
	if tcp, ok := c.(*net.TCPConn); ok {
		return tcp.SetKeepAlive(true)
	}
	return nil
}

// client takes over its connection when it succeeds.
type client struct{ conn net.Conn }

func newClient(c net.Conn, greet bool) (*client, error) {
	if greet {
		if _, err := fmt.Fprintln(c, "hello"); err != nil {
			return nil, err
		}
	}
	return &client{conn: c}, nil
}

func dialClient(addr string) (*client, error) {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return nil, err
	}
	cl, err := newClient(c, true)
	if err != nil {
		c.Close()
		return nil, err
	}
	return cl, nil
}

func dialClientLeak(addr string) (*client, error) {
	c, err := net.Dial("tcp", addr) // want `connection opened here is never closed on the path through line 273`
	if err != nil {
		return nil, err
	}
	cl, err := newClient(c, true)
	if err != nil {
		return nil, err
	}
	return cl, nil
}

// serveTLS takes over the listener unless it fails before serving.
func serveTLS(ln net.Listener, certFile string, serve func(net.Listener) error) error {
	cert, err := tls.LoadX509KeyPair(certFile, certFile)
	if err != nil {
		return err
	}
	return serve(tls.NewListener(ln, &tls.Config{Certificates: []tls.Certificate{cert}}))
}

func listenAndServeTLS(addr, certFile string, serve func(net.Listener) error) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	if err := serveTLS(ln, certFile, serve); err != nil {
		ln.Close()
		return err
	}
	return nil
}

// put takes a connection over when it reports true.
type pool struct{ idle chan net.Conn }

func put(p *pool, c net.Conn) bool {
	select {
	case p.idle <- c:
		return true
	default:
		return false
	}
}

func reject(c net.Conn) {
	fmt.Fprintln(c, "busy")
	c.Close()
}

func acceptIntoPool(ln net.Listener, p *pool) {
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		if !put(p, c) {
			reject(c)
		}
	}
}

func acceptIntoPoolLeak(ln net.Listener, p *pool) {
	for {
		c, err := ln.Accept() // want `connection opened here is never closed`
		if err != nil {
			return
		}
		if !put(p, c) {
			fmt.Fprintln(c, "busy")
		}
	}
}

// wrapConn takes c over when it succeeds and closes it when it fails.
func wrapConn(c net.Conn, greet bool) (*client, error) {
	cl, err := newClient(c, greet)
	if err != nil {
		c.Close()
		return nil, err
	}
	return cl, nil
}

func dialWrapped(addr string) (*client, error) {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return nil, err
	}
	return wrapConn(c, true)
}

func handOff(ln net.Listener, ch chan<- net.Conn, done <-chan struct{}) {
	c, err := ln.Accept()
	if err != nil {
		return
	}
	select {
	case ch <- c:
	case <-done:
		c.Close()
	}
}

func handOffLeak(ln net.Listener, ch chan<- net.Conn, done <-chan struct{}) {
	c, err := ln.Accept() // want `connection opened here is never closed`
	if err != nil {
		return
	}
	select {
	case ch <- c:
	case <-done:
	}
}

// peekHeader only borrows r: wrapping it in a value of its own hands nothing
// over.
func peekHeader(r io.Reader) ([]byte, error) {
	lr := &io.LimitedReader{R: r, N: 512}
	return io.ReadAll(lr)
}

func headerLeak(name string) ([]byte, error) {
	f, err := os.Open(name) // want `file opened here is never closed`
	if err != nil {
		return nil, err
	}
	return peekHeader(f)
}

// response keeps a body stream and closes it when it is done with it.
type response struct{ body io.Reader }

func setBodyStream(r *response, body io.Reader) { r.body = body }

func sendFile(r *response, name string) error {
	f, err := os.Open(name)
	if err != nil {
		return err
	}
	setBodyStream(r, f)
	return nil
}

type apiError struct{ code int }

func (e *apiError) Error() string { return fmt.Sprint(e.code) }

func post(url string) (*http.Response, error) {
	resp, err := http.Post(url, "text/plain", nil)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		resp.Body.Close()
		return nil, &apiError{resp.StatusCode}
	}
	return resp, nil
}

func errorOfAType(url string) error {
	resp, err := post(url)
	if e, ok := err.(*apiError); ok && e.code == http.StatusNotFound {
		return nil
	}
	if err != nil {
		return err
	}
	return resp.Body.Close()
}

// A response to HEAD has no body to close.
func exists(url string) bool {
	resp, err := http.Head(url)
	if err != nil {
		return false
	}
	return resp.StatusCode == http.StatusOK
}

// A logger keeps the file it writes to.
func errorLog(name string) (*log.Logger, error) {
	f, err := os.OpenFile(name, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return nil, err
	}
	return log.New(f, "", 0), nil
}

// A response parsed from bytes holds nothing to close.
func cached(data []byte, req *http.Request) (int, error) {
	resp, err := http.ReadResponse(bufio.NewReader(bytes.NewReader(data)), req)
	if err != nil {
		return 0, err
	}
	return resp.StatusCode, nil
}

// lastValue keeps what remember is given.
var lastValue any

// remember takes v over, though its body names no resource type.
func remember(v any) { lastValue = v }

func handedToRemember(name string) {
	f, err := os.Open(name)
	if err != nil {
		return
	}
	remember(f)
}

// count names no resource type at all.
func count(names []string) int { return len(names) }

func openedBesideUnrelatedHelper(names []string) int {
	f, err := os.Open(names[0]) // want `file opened here is never closed`
	if err != nil {
		return 0
	}
	if count(names) > 1 {
		return 1
	}
	f.Close()
	return 0
}
