// Package errpaths checks what the error result of an opening call says
// about the resource it returns.
package errpaths

import (
	"net"
	"net/http"
	"net/http/httputil"
)

// RoundTripper is a user round tripper taking the context along.
type RoundTripper interface {
	RoundTrip(req *http.Request, ctx *Ctx) (*http.Response, error)
}

// Ctx holds a round tripper and a transport.
type Ctx struct {
	RT RoundTripper
	Tr *http.Transport
}

// RoundTrip returns what one of its round trippers returns: nothing to
// close when the error is not nil.
func (ctx *Ctx) RoundTrip(req *http.Request) (*http.Response, error) { // want RoundTrip:`opens\[0\]`
	if ctx.RT != nil {
		return ctx.RT.RoundTrip(req, ctx)
	}
	return ctx.Tr.RoundTrip(req)
}

// The error is the enclosing function's variable, assigned in a closure.
func capturedErr(ctx *Ctx, req *http.Request) error {
	var err error
	serve := func() bool {
		var resp *http.Response
		resp, err = ctx.RoundTrip(req)
		if err != nil {
			return false // the response is to be ignored
		}
		defer resp.Body.Close()
		return true
	}
	serve()
	return err
}

func capturedErrLeak(ctx *Ctx, req *http.Request) error {
	var err error
	serve := func() bool {
		var resp *http.Response
		resp, err = ctx.RoundTrip(req) // want `response body opened here is never closed on the path through line 55`
		if err != nil {
			return false
		}
		return resp.StatusCode == http.StatusOK
	}
	serve()
	return err
}

func transportErr(rt http.RoundTripper, req *http.Request) (int, error) {
	var err error
	var code int
	func() {
		var resp *http.Response
		resp, err = rt.RoundTrip(req)
		if err != nil {
			return
		}
		defer resp.Body.Close()
		code = resp.StatusCode
	}()
	return code, err
}

// ClientConn.Do returns a live response with httputil.ErrPersistEOF.
func persistEOF(conn net.Conn, req *http.Request) error {
	cc := httputil.NewClientConn(conn, nil)
	resp, err := cc.Do(req) // want `response body opened here is never closed on the path through line 81`
	if err != nil {
		return err
	}
	go func(resp *http.Response, cc *httputil.ClientConn) {
		defer cc.Close()
		defer resp.Body.Close()
	}(resp, cc)
	return nil
}

func persistEOFClosed(conn net.Conn, req *http.Request) error {
	cc := httputil.NewClientConn(conn, nil)
	resp, err := cc.Read(req)
	if resp != nil {
		defer resp.Body.Close()
	}
	return err
}

func clientConnClosed(conn net.Conn, req *http.Request) (int, error) {
	cc := httputil.NewClientConn(conn, nil)
	defer cc.Close() // closes the connection the response reads from
	resp, err := cc.Do(req)
	if err != nil {
		return 0, err
	}
	return resp.StatusCode, nil
}

func clientConnClosedAfter(conn net.Conn, req *http.Request) error {
	cc := httputil.NewClientConn(conn, nil)
	_, err := cc.Do(req)
	cc.Close()
	return err
}

func clientConnHijacked(conn net.Conn, req *http.Request) {
	cc := httputil.NewClientConn(conn, nil)
	cc.Do(req)
	rwc, _ := cc.Hijack()
	defer rwc.Close()
}

func clientConnDropped(conn net.Conn, req *http.Request) {
	cc := httputil.NewClientConn(conn, nil)
	cc.Do(req) // want `response body opened here is discarded and never closed`
}

func dialedClientConn(addr string, req *http.Request) error {
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		return err
	}
	cc := httputil.NewClientConn(conn, nil)
	defer cc.Close() // closes conn
	resp, err := cc.Do(req)
	if err != nil {
		return err
	}
	return resp.Body.Close()
}

func dialedHijacked(addr string, req *http.Request) error {
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		return err
	}
	cc := httputil.NewClientConn(conn, nil)
	if err := cc.Write(req); err != nil {
		cc.Close()
		return err
	}
	c, _ := cc.Hijack()
	return c.Close()
}

// Do passes on ClientConn.Do's results: its callers owe the response also
// when the error is not nil.
func Do(cc *httputil.ClientConn, req *http.Request) (*http.Response, error) { // want Do:`opens\[0\] liveOnError\[0\]` Do:`consumes\[false false\]`
	return cc.Do(req)
}

// Checked returns the response only with a nil error.
func Checked(cc *httputil.ClientConn, req *http.Request) (*http.Response, error) { // want Checked:`^opens\[0\]$` Checked:`consumes\[false false\]`
	resp, err := cc.Do(req)
	if err != nil {
		if resp != nil {
			resp.Body.Close()
		}
		return nil, err
	}
	return resp, nil
}

func viaSummary(cc *httputil.ClientConn, req *http.Request) error {
	resp, err := Do(cc, req) // want `response body opened here is never closed on the path through line 177`
	if err != nil {
		return err
	}
	return resp.Body.Close()
}

func viaCheckedSummary(cc *httputil.ClientConn, req *http.Request) error {
	resp, err := Checked(cc, req)
	if err != nil {
		return err
	}
	return resp.Body.Close()
}

func acceptedServerConn(ln net.Listener) error {
	conn, err := ln.Accept()
	if err != nil {
		return err
	}
	sc := httputil.NewServerConn(conn, nil)
	defer sc.Close() // closes conn
	_, err = sc.Read()
	return err
}

func acceptedServerConnHijacked(ln net.Listener) error {
	conn, err := ln.Accept()
	if err != nil {
		return err
	}
	sc := httputil.NewServerConn(conn, nil)
	c, _ := sc.Hijack()
	return c.Close()
}

func acceptedServerConnDropped(ln net.Listener) error {
	conn, err := ln.Accept() // want `connection opened here is never closed on the path through line 218`
	if err != nil {
		return err
	}
	sc := httputil.NewServerConn(conn, nil)
	_, err = sc.Read()
	return err
}
