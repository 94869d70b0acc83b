// Package exitleak leaks only outside its tests: TestMain opens a file it
// never closes. go test passes it; under leakhound the leak is found when
// the test binary exits, which fails the binary (and so go test never
// caches it as ok), while every test passes.
package exitleak

import (
	"os"
	"testing"
)

// kept keeps the file reachable, so that it is still open at exit rather
// than closed by the garbage collector.
var kept *os.File

func TestMain(m *testing.M) {
	f, err := os.Open("go.mod")
	if err != nil {
		panic(err)
	}
	kept = f
	os.Exit(m.Run())
}

func TestNothing(t *testing.T) {}
