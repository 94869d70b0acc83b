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
