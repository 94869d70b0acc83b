// Package hijack holds test doubles of http.Hijacker built by the
// function that hijacks them: one whose Hijack always returns a nil
// connection opens nothing, one that returns a connection it dialed does.
package hijack

import (
	"bufio"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
)

// fakeHijacker hijacks with a function of its own.
type fakeHijacker struct {
	http.ResponseWriter
	hijack func() (net.Conn, *bufio.ReadWriter, error)
}

func (f fakeHijacker) Hijack() (net.Conn, *bufio.ReadWriter, error) { return f.hijack() }

// wrapper wraps a writer, as middleware does.
type wrapper struct {
	http.ResponseWriter
	unwrap func() http.ResponseWriter
}

func (w wrapper) Unwrap() http.ResponseWriter { return w.unwrap() }

// failing never hands over a connection.
type failing struct{ http.ResponseWriter }

func (failing) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	return nil, nil, errors.New("not supported")
}

// find follows Unwrap to the writer that can hijack.
func find(rw http.ResponseWriter) (http.Hijacker, bool) {
	for {
		switch t := rw.(type) {
		case http.Hijacker:
			return t, true
		case interface{ Unwrap() http.ResponseWriter }:
			rw = t.Unwrap()
		default:
			return nil, false
		}
	}
}

func neverHijacks() error {
	rr := httptest.NewRecorder()
	w := wrapper{
		ResponseWriter: rr,
		unwrap: func() http.ResponseWriter {
			return fakeHijacker{
				ResponseWriter: rr,
				hijack: func() (net.Conn, *bufio.ReadWriter, error) {
					return nil, nil, errors.New("no")
				},
			}
		},
	}
	_, _, err := http.NewResponseController(w).Hijack()
	if err == nil {
		return nil
	}
	hj, ok := find(w)
	if !ok {
		return nil
	}
	_, _, err = hj.Hijack()
	return err
}

func failingHijacker() error {
	var h http.Hijacker = failing{httptest.NewRecorder()}
	_, _, err := h.Hijack()
	return err
}

func failingThroughController() error {
	_, _, err := http.NewResponseController(failing{httptest.NewRecorder()}).Hijack()
	return err
}

func dialingHijacker(addr string) error {
	w := wrapper{
		unwrap: func() http.ResponseWriter {
			return fakeHijacker{
				hijack: func() (net.Conn, *bufio.ReadWriter, error) {
					c, err := net.Dial("tcp", addr)
					return c, nil, err
				},
			}
		},
	}
	_, _, err := http.NewResponseController(w).Hijack() // want `connection opened here is never closed`
	if err != nil {
		return err
	}
	hj, ok := find(w)
	if !ok {
		return nil
	}
	_, _, err = hj.Hijack() // want `connection opened here is never closed`
	return err
}

// The server's writer hands over its connection.
func serverWriter(w http.ResponseWriter) error {
	_, _, err := http.NewResponseController(w).Hijack() // want `connection opened here is never closed`
	return err
}

// A wrapper of the server's writer hands over the server's connection.
func wrappedServerWriter(inner http.ResponseWriter) error {
	w := wrapper{ResponseWriter: inner, unwrap: func() http.ResponseWriter { return inner }}
	_, _, err := http.NewResponseController(w).Hijack() // want `connection opened here is never closed`
	return err
}

// A function literal that makes the double: what it returns is followed.
func doubleFromLiteral() error {
	newWriter := func(fail error) http.ResponseWriter {
		return fakeHijacker{hijack: func() (net.Conn, *bufio.ReadWriter, error) { return nil, nil, fail }}
	}
	_, _, err := http.NewResponseController(newWriter(errors.New("no"))).Hijack()
	return err
}

// The double returns a live connection: by the Hijack contract the caller
// closes it.
func doubleWithConn(c net.Conn) error {
	newWriter := func() http.ResponseWriter {
		return fakeHijacker{hijack: func() (net.Conn, *bufio.ReadWriter, error) { return c, nil, nil }}
	}
	_, _, err := http.NewResponseController(newWriter()).Hijack() // want `connection opened here is never closed`
	return err
}
