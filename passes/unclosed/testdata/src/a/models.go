package a

import (
	"io"
	"net/http"
)

func closureNeverCalled(url string) {
	resp, err := http.Get(url) // want `response body opened here is never closed`
	if err != nil {
		return
	}
	_ = func() { resp.Body.Close() }
}

func closureCalled(url string) {
	resp, err := http.Get(url)
	if err != nil {
		return
	}
	closeIt := func() { resp.Body.Close() }
	closeIt()
}

func closureNeverCalledClosedHere(url string) {
	resp, err := http.Get(url)
	if err != nil {
		return
	}
	_ = func() { _ = resp.StatusCode }
	resp.Body.Close()
}

func maxBytesDropped(w http.ResponseWriter, url string) {
	resp, err := http.Get(url) // want `response body opened here is never closed`
	if err != nil {
		return
	}
	_ = http.MaxBytesReader(w, resp.Body, 1<<20)
}

func maxBytesClosed(w http.ResponseWriter, url string) ([]byte, error) {
	resp, err := http.Get(url)
	if err != nil {
		return nil, err
	}
	body := http.MaxBytesReader(w, resp.Body, 1<<20)
	defer body.Close()
	return io.ReadAll(body)
}

func maxBytesReturned(w http.ResponseWriter, url string) (io.ReadCloser, error) {
	resp, err := http.Get(url)
	if err != nil {
		return nil, err
	}
	return http.MaxBytesReader(w, resp.Body, 1<<20), nil
}

// handled returns a response its callers need not close, as bodyclose's
// directive says.
//
//bodyclose:handled
func handled(url string) (*http.Response, error) {
	return http.Get(url)
}

func notHandled(url string) (*http.Response, error) {
	return http.Get(url)
}

func callers(url string) {
	_, _ = handled(url)
	_, _ = notHandled(url) // want `response body opened here is never closed`
}
