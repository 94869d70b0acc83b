// Package indirect holds responses returned through interface methods,
// local closures and helpers with a defer of their own, and responses handed
// to function values.
package indirect

import (
	"errors"
	"io"
	"net/http"
	"sync"
)

// doer is implemented by *http.Client and by wrappers around it.
type doer interface {
	Do(req *http.Request) (*http.Response, error)
}

func status(c doer, req *http.Request) (int, error) {
	resp, err := c.Do(req) // want `response body opened here is never closed`
	if err != nil {
		return 0, err
	}
	return resp.StatusCode, nil
}

func statusClosed(c doer, req *http.Request) (int, error) {
	resp, err := c.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	return resp.StatusCode, nil
}

// cached is a doer whose responses need no closing: its Do says so.
type cached struct{ resp *http.Response }

func (c *cached) Do(*http.Request) (*http.Response, error) { return c.resp, nil }

func statusCached(req *http.Request) (int, error) {
	var c doer = &cached{}
	resp, err := c.Do(req)
	if err != nil {
		return 0, err
	}
	return resp.StatusCode, nil
}

func closure(url string) (int, error) {
	get := func() (*http.Response, error) {
		return http.Get(url)
	}
	resp, err := get() // want `response body opened here is never closed`
	if err != nil {
		return 0, err
	}
	return resp.StatusCode, nil
}

func closureClosed(url string) (int, error) {
	get := func() (*http.Response, error) {
		return http.Get(url)
	}
	resp, err := get()
	if err != nil {
		return 0, err
	}
	resp.Body.Close()
	return resp.StatusCode, nil
}

var mu sync.Mutex

// locked opens a response under a lock it releases with a defer.
func locked(url string) (*http.Response, error) {
	mu.Lock()
	defer mu.Unlock()
	return http.Get(url)
}

// logged keeps the response in a named result a deferred closure reads.
func logged(url string) (resp *http.Response, err error) {
	defer func() {
		if err != nil {
			println("get", url, err.Error())
		}
	}()
	resp, err = http.Get(url)
	return
}

func viaLocked(url string) (int, error) {
	resp, err := locked(url) // want `response body opened here is never closed`
	if err != nil {
		return 0, err
	}
	return resp.StatusCode, nil
}

func viaLogged(url string) (int, error) {
	resp, err := logged(url) // want `response body opened here is never closed`
	if err != nil {
		return 0, err
	}
	return resp.StatusCode, nil
}

func viaLoggedClosed(url string) (int, error) {
	resp, err := logged(url)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	return resp.StatusCode, nil
}

func checkStatus(resp *http.Response) error {
	if resp.StatusCode != http.StatusOK {
		return errors.New(resp.Status)
	}
	return nil
}

func drain(resp *http.Response) error {
	return resp.Body.Close()
}

func callback(url string) error {
	check := checkStatus
	resp, err := http.Get(url) // want `response body opened here is never closed`
	if err != nil {
		return err
	}
	return check(resp)
}

func callbackCloses(url string) error {
	done := drain
	resp, err := http.Get(url)
	if err != nil {
		return err
	}
	return done(resp)
}

func literalCallback(url string) error {
	check := func(r *http.Response) error {
		if r.StatusCode != http.StatusOK {
			return errors.New(r.Status)
		}
		return nil
	}
	resp, err := http.Get(url) // want `response body opened here is never closed`
	if err != nil {
		return err
	}
	return check(resp)
}

func literalCallbackCloses(url string) error {
	done := func(r *http.Response) error { return r.Body.Close() }
	resp, err := http.Get(url)
	if err != nil {
		return err
	}
	return done(resp)
}

// unknown callbacks may close: the caller decides what they do.
func unknownCallback(url string, handle func(*http.Response) error) error {
	resp, err := http.Get(url)
	if err != nil {
		return err
	}
	return handle(resp)
}

func chooseCallback(url string, fast bool) error {
	check := checkStatus
	if fast {
		check = drain
	}
	resp, err := http.Get(url)
	if err != nil {
		return err
	}
	return check(resp)
}

// reader returns the response with its body read and closed already.
type reader interface {
	Do(req *http.Request) (*http.Response, []byte, error)
}

func statusRead(c reader, req *http.Request) (int, error) {
	resp, body, err := c.Do(req)
	if err != nil {
		return 0, err
	}
	return resp.StatusCode + len(body), nil
}

// withCleanup returns the response with the function that closes it.
func withCleanup(url string) (*http.Response, func() error, error) {
	var resp *http.Response
	resp, err := http.Get(url)
	if err != nil {
		return nil, nil, err
	}
	cleanup := func() error { return resp.Body.Close() }
	return resp, cleanup, nil
}

func viaCleanup(url string) (int, error) {
	resp, cleanup, err := withCleanup(url)
	if err != nil {
		return 0, err
	}
	defer cleanup()
	return resp.StatusCode, nil
}

// readAll returns the response with its body read and closed by a defer.
func readAll(url string) ([]byte, *http.Response, error) {
	resp, err := http.Get(url)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	var buf [512]byte
	n, _ := resp.Body.Read(buf[:])
	return buf[:n], resp, nil
}

func viaReadAll(url string) ([]byte, error) {
	buf, _, err := readAll(url)
	return buf, err
}

// hijacked takes the body out of the response it returns (as a websocket
// dial keeps the connection): the caller gets no open body.
func hijacked(url string) (_ *http.Response, body io.ReadCloser, err error) {
	defer func() {
		if err != nil {
			println("dial", url, err.Error())
		}
	}()
	resp, err := http.Get(url)
	if err != nil {
		return nil, nil, err
	}
	body = resp.Body
	resp.Body = nil
	return resp, body, nil
}

func viaHijacked(url string) (int, error) {
	resp, body, err := hijacked(url)
	if err != nil {
		return 0, err
	}
	defer body.Close()
	return resp.StatusCode, nil
}

// hijackedCaptured does the same with the response captured by its
// deferred closure, which puts a copy of the body back on failure.
func hijackedCaptured(url string) (_ *http.Response, body io.ReadCloser, err error) {
	resp, err := http.Get(url)
	if err != nil {
		return nil, nil, err
	}
	body = resp.Body
	resp.Body = nil
	defer func() {
		if err != nil {
			body.Close()
			resp.Body = http.NoBody
		}
	}()
	if resp.StatusCode != http.StatusSwitchingProtocols {
		return resp, nil, errors.New("not switched")
	}
	return resp, body, nil
}

func viaHijackedCaptured(url string) (int, error) {
	resp, body, err := hijackedCaptured(url)
	if err != nil {
		return 0, err
	}
	defer body.Close()
	return resp.StatusCode, nil
}
