// Package leaky has three tests that leak and one that does not. go test
// passes them all; leakhound test fails exactly the three that leak.
package leaky

import (
	"os"
	"testing"
	"time"
)

// TestLeaksGoroutine leaves a goroutine blocked forever on a channel that
// nothing else can reach.
func TestLeaksGoroutine(t *testing.T) {
	ch := make(chan int)
	go func() { <-ch }()
}

// TestLeaksSleeper leaves a goroutine sleeping for an hour: the garbage
// collector cannot prove it leaked (it will wake up), so it is suspected.
func TestLeaksSleeper(t *testing.T) {
	go func() { time.Sleep(time.Hour) }()
}

// kept keeps the file of TestLeaksFile reachable, so that it is still open
// when the test binary ends rather than closed by the garbage collector.
var kept *os.File

// TestLeaksFile opens a file and never closes it.
func TestLeaksFile(t *testing.T) {
	f, err := os.Open("go.mod")
	if err != nil {
		t.Fatal(err)
	}
	kept = f
}

// TestClean opens a file and closes it.
func TestClean(t *testing.T) {
	f, err := os.Open("go.mod")
	if err != nil {
		t.Fatal(err)
	}
	f.Close()
}
