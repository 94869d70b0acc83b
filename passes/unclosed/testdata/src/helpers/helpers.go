// Package helpers is imported by package a: its functions are summarized as
// facts that cross the package boundary.
package helpers

import (
	"io"
	"net/http"
	"os"
)

// CloseQuietly closes c and drops the error.
func CloseQuietly(c io.Closer) { _ = c.Close() }

// Drain reads the body and closes it.
func Drain(resp *http.Response) {
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
}

// Peek only reads from f.
func Peek(f *os.File) error {
	var b [1]byte
	_, err := f.Read(b[:])
	return err
}

// OpenLog opens a file the caller must close.
func OpenLog(name string) (*os.File, error) {
	return os.OpenFile(name, os.O_APPEND|os.O_WRONLY, 0)
}

// Session must be released with End.
//
//leakhound:closable End
type Session struct{ id int }

// NewSession starts a session.
func NewSession() *Session { return &Session{id: 1} }

// End releases the session.
func (s *Session) End() {}
