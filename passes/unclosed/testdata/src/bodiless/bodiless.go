// Package bodiless holds responses that have no body: answers to HEAD
// requests, and responses with status 204 or 304. net/http gives them
// http.NoBody and frees the connection before returning them; their twins
// with a body still leak.
package bodiless

import (
	"context"
	"net/http"
)

// doer is implemented by *http.Client and by wrappers around it.
type doer interface {
	Do(req *http.Request) (*http.Response, error)
}

func headWithNewRequest(c *http.Client, url string) (int64, error) {
	req, err := http.NewRequestWithContext(context.Background(), http.MethodHead, url, nil)
	if err != nil {
		return 0, err
	}
	resp, err := c.Do(req)
	if err != nil {
		return 0, err
	}
	return resp.ContentLength, nil
}

func getWithNewRequest(c *http.Client, url string) (int64, error) {
	req, err := http.NewRequestWithContext(context.Background(), http.MethodGet, url, nil)
	if err != nil {
		return 0, err
	}
	resp, err := c.Do(req) // want `response body opened here is never closed on the path through line 38`
	if err != nil {
		return 0, err
	}
	return resp.ContentLength, nil
}

func headLiteralThroughDoer(d doer, url string) string {
	req, _ := http.NewRequest("HEAD", url, nil)
	resp, err := d.Do(req.WithContext(context.Background()))
	if err != nil {
		return ""
	}
	return resp.Header.Get("Content-Length")
}

func headStruct(c *http.Client) int {
	resp, err := c.Do(&http.Request{Method: http.MethodHead})
	if err != nil {
		return 0
	}
	return resp.StatusCode
}

// The method is set to GET after the request was made: it has a body.
func methodChanged(c *http.Client, url string) int {
	req, _ := http.NewRequest(http.MethodHead, url, nil)
	req.Method = http.MethodGet
	resp, err := c.Do(req) // want `response body opened here is never closed`
	if err != nil {
		return 0
	}
	return resp.StatusCode
}

// The method is not a constant: it may be GET.
func anyMethod(c *http.Client, method, url string) int {
	req, _ := http.NewRequest(method, url, nil)
	resp, err := c.Do(req) // want `response body opened here is never closed`
	if err != nil {
		return 0
	}
	return resp.StatusCode
}

// A 304 answer has no body: returning on it owes nothing.
func notModified(c *http.Client, req *http.Request) ([]byte, error) {
	resp, err := c.Do(req)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode == http.StatusNotModified {
		return nil, nil
	}
	defer resp.Body.Close()
	return nil, nil
}

// A 200 answer has a body: returning on it leaks.
func okDropped(c *http.Client, req *http.Request) ([]byte, error) {
	resp, err := c.Do(req) // want `response body opened here is never closed on the path through line 99`
	if err != nil {
		return nil, err
	}
	if resp.StatusCode == http.StatusOK {
		return nil, nil
	}
	defer resp.Body.Close()
	return nil, nil
}

func noContentSwitch(c *http.Client, req *http.Request) error {
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	switch resp.StatusCode {
	case http.StatusNoContent, http.StatusNotModified:
		return nil
	}
	return resp.Body.Close()
}

func notNoContent(c *http.Client, req *http.Request) error {
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusNoContent {
		return resp.Body.Close()
	}
	return nil
}

// The body is closed only when the status is 204: every other answer leaks.
func onlyNoContentClosed(c *http.Client, req *http.Request) error {
	resp, err := c.Do(req) // want `response body opened here is never closed on the path through line 135`
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusNoContent {
		return nil
	}
	return resp.Body.Close()
}
