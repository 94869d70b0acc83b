// Package configstale runs under VerifyTestMain with a configuration file
// whose rules excuse goroutines in a Check, in VerifyTestMain's verdict,
// and nowhere: the last is printed as stale when the binary ends.
package configstale

import (
	"testing"

	"github.com/leakhound/leakhound"
)

func TestMain(m *testing.M) {
	leakhound.VerifyTestMain(m, leakhound.ConfigFile("./.leakhound.json"))
}

var (
	stopDaemon = make(chan struct{})
	daemonDone = make(chan struct{})
	forever    = make(chan struct{}) // never closed
)

func daemon() {
	defer close(daemonDone)
	<-stopDaemon
}

func background() { <-forever }

// TestDaemon leaves a goroutine running, which its Check excuses by the
// first rule; TestStopDaemon ends it, so VerifyTestMain never sees it.
func TestDaemon(t *testing.T) {
	leakhound.Check(t, leakhound.ConfigFile(".leakhound.json"))
	go daemon()
}

func TestStopDaemon(t *testing.T) {
	close(stopDaemon)
	<-daemonDone
}

// TestBackground leaves a goroutine for VerifyTestMain, which the third
// rule excuses.
func TestBackground(t *testing.T) {
	go background()
}
