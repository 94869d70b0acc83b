// Package goleakusage is code written for go.uber.org/goleak, in the ways
// goleak's README and documentation show, with only the import path changed
// to leakhound's. The leakhound tests (goleak_usage_test.go at the module
// root) run each test in a process of its own, so that the leak of one does
// not fail another, and check how each run ends.
package goleakusage

import (
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	goleak "github.com/leakhound/leakhound"
)

var _ = goleak.TestingT(testing.TB(nil))

// The daemon is what a dependency's background goroutine looks like in
// goleak users' code (glog's flush daemon, a driver's connection opener): it
// runs for the whole process and is excused by name.
const (
	pkg          = "github.com/leakhound/leakhound/testdata/goleakusage."
	daemon       = pkg + "flushDaemon"
	daemonTop    = pkg + "waitForFlush"
	daemonOrigin = pkg + "startFlushDaemon"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m,
		goleak.IgnoreAnyFunction(daemon),
		goleak.Cleanup(func(exitCode int) {
			fmt.Println("cleanup: exit code", exitCode)
			os.Exit(exitCode)
		}),
	)
}

var flushRequests = make(chan struct{}) // global: the collector cannot prove the daemon leaked

func startFlushDaemon() { go flushDaemon() }

func flushDaemon() {
	for {
		waitForFlush()
	}
}

func waitForFlush() { <-flushRequests }

// leakForever blocks on a channel nobody else can reach.
func leakForever() {
	ch := make(chan int)
	<-ch
}

func TestQuickStart(t *testing.T) {
	defer goleak.VerifyNone(t)

	done := make(chan struct{})
	go func() { close(done) }() // may still be listed when VerifyNone looks first
	<-done
}

func TestQuickStartLeak(t *testing.T) {
	defer goleak.VerifyNone(t)

	go leakForever()
}

func TestIgnoreTopFunction(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreTopFunction(daemonTop))

	startFlushDaemon()
}

func TestDaemonNotIgnored(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.MaxRetryAttempts(5))

	startFlushDaemon()
}

func TestIgnoreAnyFunction(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreAnyFunction(daemon))

	startFlushDaemon()
}

func TestIgnoreCreatedBy(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCreatedBy(daemonOrigin))

	startFlushDaemon()
}

func TestIgnoreCurrent(t *testing.T) {
	startFlushDaemon() // running before the check starts: excused
	opt := goleak.IgnoreCurrent()
	defer goleak.VerifyNone(t, opt)

	var wg sync.WaitGroup
	wg.Go(func() {})
	wg.Wait()
}

func TestRetry(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.MaxRetryAttempts(50), goleak.MaxSleepInterval(10*time.Millisecond))

	go time.Sleep(50 * time.Millisecond) // exits within the retries (about 376ms)
}

func TestRetryTooShort(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.MaxRetryAttempts(0))

	go time.Sleep(time.Minute) // the default wait would not see it exit either
}

func TestVerifyNoneCleanup(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.Cleanup(func(exitCode int) {
		fmt.Println("VerifyNone cleanup: exit code", exitCode)
	}))
}

func TestLeakFoundByTestMain(t *testing.T) {
	go leakForever()
}
