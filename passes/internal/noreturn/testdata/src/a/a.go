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
func MayReturn(t testing.TB, err error) { // want MayReturn:`failsOnError\[1\]`
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

func Check(t testing.TB, err error) { // want Check:`failsOnError\[1\]`
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func Must(err error) { // want Must:`failsOnError\[0\]`
	if err == nil {
		return
	}
	panic(err)
}

// CheckBoth fails on either error.
func CheckBoth(a, b error) { // want CheckBoth:`failsOnError\[0 1\]`
	if a != nil {
		log.Fatal(a)
	}
	if b != nil {
		log.Fatal(b)
	}
}

// Logs returns whatever err is.
func Logs(t testing.TB, err error) {
	if err != nil {
		t.Log(err)
	}
}

// Reassigns tests another value than its parameter.
func Reassigns(err error) {
	err = nil
	if err != nil {
		os.Exit(1)
	}
}

// Recovers may return after the panic.
func RecoversErr(err error) {
	defer func() { recover() }()
	if err != nil {
		panic(err)
	}
}

// Untested never looks at err.
func Untested(err error) {
	println("x")
}
