package a

import (
	"log"
	"os"
	"runtime"
	"testing"
)

func Fatal(t testing.TB, msg string) { // want Fatal:"ends"
	t.Helper()
	t.Fatal(msg)
}

func Exit(msg string) { // want Exit:"ends"
	println(msg)
	os.Exit(1)
}

func Die(err error) { // want Die:"ends"
	if err != nil {
		log.Fatal(err)
	}
	panic("no error")
}

func Stop() { // want Stop:"ends"
	runtime.Goexit()
}

// Twice ends through another function of the package, declared later.
func Twice() { // want Twice:"ends"
	fail(2)
}

func fail(code int) {
	os.Exit(code)
}

func SkipOrFail(t *testing.T, skip bool) { // want SkipOrFail:"ends"
	if skip {
		t.Skip("skipped")
	}
	t.FailNow()
}

func Loop(t *testing.T) { // want Loop:"ends"
	for i := range 3 {
		t.Log(i)
	}
	t.FailNow()
}

// MayReturn ends only when err is not nil.
func MayReturn(t testing.TB, err error) {
	if err != nil {
		t.Fatal(err)
	}
}

// Forever never returns but never ends the goroutine.
func Forever() {
	for {
		runtime.Gosched()
	}
}

// Recovers returns: the deferred recover stops the panic.
func Recovers() {
	defer func() { recover() }()
	panic("x")
}

// Skipped only asks.
func Skipped(t *testing.T) bool {
	return t.Skipped()
}

// Ping and Pong call each other: the cycle is assumed to return.
func Ping(n int) {
	Pong(n)
}

func Pong(n int) {
	Ping(n)
}

// Literal returns: only the function literal ends.
func Literal() {
	f := func() { os.Exit(1) }
	_ = f
}
