// Package fail has test helpers that end the test, for the analyzer to
// learn through facts.
package fail

import (
	"fmt"
	"os"
	"testing"
	"time"
)

// Now ends the test.
func Now(t testing.TB, msg string) {
	t.Helper()
	t.Fatal(msg)
}

// Exit ends the process after printing msg.
func Exit(code int, msg string) {
	fmt.Println(msg)
	os.Exit(code)
}

// OnError ends the test when err is not nil: it may return.
func OnError(t testing.TB, err error) {
	if err != nil {
		t.Fatal(err)
	}
}

// Suite is a test suite.
type Suite struct{ T *testing.T }

// Abort ends the test of s.
func (s *Suite) Abort(msg string) {
	s.T.Log(msg)
	s.T.FailNow()
}

// Forever never returns, but never ends the goroutine either.
func Forever() {
	for {
		time.Sleep(time.Second)
	}
}
