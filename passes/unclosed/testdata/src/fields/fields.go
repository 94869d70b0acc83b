// Package fields holds resources stored in a field of a struct the function
// allocates, and dropped with the struct on a later error return.
package fields

import (
	"context"
	"database/sql"
	"errors"
	"net"
	"net/http"
	"os"
)

type session struct {
	id   int
	conn *sql.Conn
}

// setup only uses the connection: it neither closes it nor keeps it.
func (s *session) setup(ctx context.Context) error {
	_, err := s.conn.ExecContext(ctx, "SET search_path = app")
	return err
}

// setupOrClose closes the connection when it fails.
func (s *session) setupOrClose(ctx context.Context) error {
	if _, err := s.conn.ExecContext(ctx, "SET search_path = app"); err != nil {
		s.conn.Close()
		return err
	}
	return nil
}

func (s *session) Close() error { return s.conn.Close() }

func openSession(ctx context.Context, db *sql.DB) (*session, error) {
	conn, err := db.Conn(ctx) // want `database connection taken here is never closed on the path through line 43`
	if err != nil {
		return nil, err
	}
	s := &session{id: 1, conn: conn}
	if err := s.setup(ctx); err != nil {
		return nil, err
	}
	return s, nil
}

func openSessionClosed(ctx context.Context, db *sql.DB) (*session, error) {
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	s := &session{id: 1, conn: conn}
	if err := s.setup(ctx); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

func openSessionFieldClosed(ctx context.Context, db *sql.DB) (*session, error) {
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	s := &session{id: 1, conn: conn}
	if err := s.setup(ctx); err != nil {
		s.conn.Close()
		return nil, err
	}
	return s, nil
}

func openSessionHelperCloses(ctx context.Context, db *sql.DB) (*session, error) {
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	s := &session{id: 1, conn: conn}
	if err := s.setupOrClose(ctx); err != nil {
		return nil, err
	}
	return s, nil
}

type logFile struct {
	name string
	f    *os.File
}

func validate(name string) error {
	if name == "" {
		return errors.New("no name")
	}
	return nil
}

func openLog(path, name string) (logFile, error) {
	f, err := os.Create(path) // want `file opened here is never closed on the path through line 105`
	if err != nil {
		return logFile{}, err
	}
	l := logFile{f: f}
	if err := validate(name); err != nil {
		return logFile{}, err
	}
	l.name = name
	return l, nil
}

func openLogDeferClose(path, name string) (l logFile, err error) {
	f, err := os.Create(path)
	if err != nil {
		return logFile{}, err
	}
	l = logFile{f: f}
	defer func() {
		if err != nil {
			l.f.Close()
		}
	}()
	if err := validate(name); err != nil {
		return logFile{}, err
	}
	l.name = name
	return l, nil
}

type client struct {
	conn  net.Conn
	hello []byte
}

func readHello(c net.Conn) ([]byte, error) {
	buf := make([]byte, 16)
	n, err := c.Read(buf)
	return buf[:n], err
}

func dial(addr string) (*client, error) {
	conn, err := net.Dial("tcp", addr) // want `connection opened here is never closed on the path through line 149`
	if err != nil {
		return nil, err
	}
	c := &client{}
	c.conn = conn
	hello, err := readHello(conn)
	if err != nil {
		return nil, err
	}
	c.hello = hello
	return c, nil
}

var clients = map[string]*client{}

// dialRegistered stores the client before the error: the map holds it.
func dialRegistered(addr string) (*client, error) {
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		return nil, err
	}
	c := &client{conn: conn}
	clients[addr] = c
	hello, err := readHello(conn)
	if err != nil {
		return nil, err
	}
	c.hello = hello
	return c, nil
}

// keep takes the client: it may close it later.
func keep(c *client) { clients[c.conn.RemoteAddr().String()] = c }

func dialKept(addr string) (*client, error) {
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		return nil, err
	}
	c := &client{conn: conn}
	keep(c)
	if _, err := readHello(conn); err != nil {
		return nil, err
	}
	return c, nil
}

type fetched struct {
	resp *http.Response
}

func fetch(url string) (*fetched, error) {
	resp, err := http.Get(url) // want `response body opened here is never closed on the path through line 200`
	if err != nil {
		return nil, err
	}
	f := &fetched{resp: resp}
	if resp.StatusCode != http.StatusOK {
		return nil, errors.New(resp.Status)
	}
	return f, nil
}

func fetchClosed(url string) (*fetched, error) {
	resp, err := http.Get(url)
	if err != nil {
		return nil, err
	}
	f := &fetched{resp: resp}
	if resp.StatusCode != http.StatusOK {
		f.resp.Body.Close()
		return nil, errors.New(resp.Status)
	}
	return f, nil
}

type pool struct {
	clients []*client
}

// add appends the client to the pool before the error: the pool keeps it.
func (p *pool) add(addr string) error {
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		return err
	}
	p.clients = append(p.clients, &client{conn: conn})
	if _, err := readHello(conn); err != nil {
		return err
	}
	return nil
}

// initer is implemented by types whose Init may release what they hold.
type initer interface{ Init() error }

func (c *client) Init() error { return c.conn.Close() }

func dialInit(addr string) (initer, error) {
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		return nil, err
	}
	var s initer = &client{conn: conn}
	if err := s.Init(); err != nil {
		return nil, err
	}
	return s, nil
}

// driver owns the connection withConn hands it; withConn drops the
// connection when it fails and hands it over in the driver when it succeeds.
type driver struct {
	conn *sql.Conn
	db   *sql.DB
}

func (d *driver) Close() error { return d.conn.Close() }

func (d *driver) ensureTable(ctx context.Context) error {
	_, err := d.conn.ExecContext(ctx, "CREATE TABLE IF NOT EXISTS versions (v int)")
	return err
}

// errNoName is a sentinel error: a return of it reports failure.
var errNoName = errors.New("no name")

type queryError struct{ err error }

func (e *queryError) Error() string { return e.err.Error() }

func withConn(ctx context.Context, conn *sql.Conn, name *string) (*driver, error) {
	if name == nil {
		return nil, errNoName
	}
	if err := conn.PingContext(ctx); err != nil {
		return nil, err
	}
	d := &driver{conn: conn}
	if *name == "" {
		var n sql.NullString
		if err := conn.QueryRowContext(ctx, "SELECT DATABASE()").Scan(&n); err != nil {
			return nil, &queryError{err}
		}
		*name = n.String
	}
	if err := d.ensureTable(ctx); err != nil {
		return nil, err
	}
	return d, nil
}

func withInstance(ctx context.Context, db *sql.DB, name *string) (interface{ Close() error }, error) {
	conn, err := db.Conn(ctx) // want `database connection taken here is never closed on the path through line 301`
	if err != nil {
		return nil, err
	}
	d, err := withConn(ctx, conn, name)
	if err != nil {
		return nil, err
	}
	d.db = db
	return d, nil
}

// writer dials its connection once and keeps it: ensure hands out the
// connection the writer owns, and its callers owe nothing.
type writer struct{ conn net.Conn }

func (w *writer) ensure() (net.Conn, error) {
	if w.conn != nil {
		return w.conn, nil
	}
	c, err := net.Dial("tcp", "127.0.0.1:8125")
	if err != nil {
		return nil, err
	}
	w.conn = c
	return c, nil
}

func (w *writer) Close() error { return w.conn.Close() }

func (w *writer) write(b []byte) (int, error) {
	c, err := w.ensure()
	if err != nil {
		return 0, err
	}
	return c.Write(b)
}

// dialer returns a connection it does not keep: its callers own it.
type dialer struct{ addr string }

func (d *dialer) dial() (net.Conn, error) { // want dial:`opens\[0\]`
	return net.Dial("tcp", d.addr)
}

func (d *dialer) write(b []byte) (int, error) {
	c, err := d.dial() // want `connection opened here is never closed on the path through line \d+`
	if err != nil {
		return 0, err
	}
	return c.Write(b)
}
