// Package fixes holds leaks whose fix is a defer after the error check, and
// leaks that get no fix because the fix would not be local or unambiguous.
package fixes

import (
	"database/sql"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"time"
)

func body(url string) (int, error) {
	resp, err := http.Get(url) // want `response body opened here is never closed`
	if err != nil {
		return 0, err
	}
	b, err := io.ReadAll(resp.Body)
	return len(b) + resp.StatusCode, err
}

func file(name string) ([]byte, error) {
	f, err := os.Open(name) // want `file opened here is never closed`
	if err != nil {
		return nil, fmt.Errorf("open: %w", err)
	}
	fmt.Println(f.Name())
	return io.ReadAll(f)
}

func rows(db *sql.DB) (int, error) {
	rows, err := db.Query("select 1") // want `rows opened here is never closed`
	if err != nil {
		return 0, err
	}
	n := 0
	for rows.Next() {
		if err := rows.Scan(&n); err != nil {
			return 0, err
		}
	}
	return n, rows.Err()
}

func listener() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0") // want `listener opened here is never closed`
	if err != nil {
		return "", err
	}
	return ln.Addr().String(), nil
}

func ticker(done chan struct{}) {
	t := time.NewTicker(time.Second) // want `ticker started here is never stopped`
	for {
		select {
		case <-t.C:
		case <-done:
			return
		}
	}
}

// Below: leaks without a fix.

func closedOnOnePath(name string, early bool) error {
	f, err := os.Open(name) // want `file opened here is never closed`
	if err != nil {
		return err
	}
	if early {
		return nil
	}
	return f.Close()
}

func returnedOnOnePath(name string, keep bool) (*os.File, error) {
	f, err := os.Open(name) // want `file opened here is never closed`
	if err != nil {
		return nil, err
	}
	if keep {
		return f, nil
	}
	return nil, nil
}

func inLoop(names []string) error {
	for _, name := range names {
		f, err := os.Open(name) // want `file opened here is never closed`
		if err != nil {
			return err
		}
		fmt.Println(f.Name())
	}
	return nil
}

func noErrorCheck(name string) {
	f, err := os.Open(name) // want `file opened here is never closed`
	fmt.Println(f.Name(), err)
}

func bodyPassedOn(url string, sink func(io.Reader)) error {
	resp, err := http.Get(url) // want `response body opened here is never closed`
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("status %d", resp.StatusCode)
	}
	sink(resp.Body)
	return nil
}

func transaction(db *sql.DB) error {
	tx, err := db.Begin() // want `transaction begun here is never committed or rolled back`
	if err != nil {
		return err
	}
	_, err = tx.Exec("select 1")
	return err
}

// A Unix listener's Close removes its socket's path, maybe another
// listener's by then: no fix.
func unixListener(path string) error {
	ln, err := net.Listen("unix", path) // want `listener opened here is never closed`
	if err != nil {
		return err
	}
	fmt.Println(ln.Addr())
	return nil
}

// A connection accepted into the blank identifier has no name to close.
func acceptedBlank(ln net.Listener) error {
	_, err := ln.Accept() // want `connection opened here is never closed`
	if err != nil {
		return err
	}
	return nil
}

// doer is an interface over a client: its Do opens the response.
type doer interface {
	Do(req *http.Request) (*http.Response, error)
}

func viaDoer(c doer, req *http.Request) (int, error) {
	resp, err := c.Do(req) // want `response body opened here is never closed`
	if err != nil {
		return 0, err
	}
	return resp.StatusCode, nil
}

type session struct{ conn net.Conn }

// inStruct gets no fix: the struct the connection is stored in is
// returned on the other path.
func inStruct(addr string, fail bool) (*session, error) {
	conn, err := net.Dial("tcp", addr) // want `connection opened here is never closed`
	if err != nil {
		return nil, err
	}
	s := &session{conn: conn}
	if fail {
		return nil, fmt.Errorf("failed")
	}
	return s, nil
}
