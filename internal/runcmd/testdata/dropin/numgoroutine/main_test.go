// Package numgoroutine counts its goroutines around the tests: the tests
// are clean, so the count must come back to where it was, whatever leakhound
// adds to the binary.
package numgoroutine

import (
	"fmt"
	"os"
	"runtime"
	"sync"
	"testing"
	"time"
)

func TestMain(m *testing.M) {
	before := runtime.NumGoroutine()
	code := m.Run()
	// A goroutine that has signalled its end may take a moment to exit.
	after := runtime.NumGoroutine()
	for deadline := time.Now().Add(2 * time.Second); after != before && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
		after = runtime.NumGoroutine()
	}
	if code == 0 && after != before {
		fmt.Printf("runtime.NumGoroutine() = %d after the tests, %d before\n", after, before)
		code = 1
	}
	os.Exit(code)
}

func TestJoined(t *testing.T) {
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done() }()
	wg.Wait()
}
