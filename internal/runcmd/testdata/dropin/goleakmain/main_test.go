// Package goleakmain checks its tests with goleak: the tests are clean, so
// the goroutines leakhound adds, if any, must be invisible to goleak.
package goleakmain

import (
	"sync"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestJoined(t *testing.T) {
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done() }()
	wg.Wait()
}
