// Package forever holds loops over channels the standard library never
// closes: they end only by break or return, so a path after them that the
// loop cannot reach owes nothing.
package forever

import (
	"os"
	"time"
)

func work() bool { return false }

func rangeTicker(d time.Duration) {
	t := time.NewTicker(d)
	for range t.C {
		work()
	}
}

func receiveTickerOk(d time.Duration) {
	t := time.NewTicker(d)
	for {
		_, ok := <-t.C
		if !ok {
			return
		}
		work()
	}
}

func rangeTickWritesFile(name string, d time.Duration) {
	f, err := os.Create(name)
	if err != nil {
		return
	}
	for range time.Tick(d) {
		f.WriteString("tick\n")
	}
}

func rangeTickerWithReturn(d time.Duration) {
	t := time.NewTicker(d) // want `ticker started here is never stopped on the path through line 45`
	for range t.C {
		if work() {
			return
		}
	}
}

func selectWithDone(d time.Duration, done chan struct{}) {
	t := time.NewTicker(d) // want `ticker started here is never stopped on the path through line 57`
	for {
		select {
		case <-t.C:
			work()
		case <-done:
			return
		}
	}
}

func rangeOtherChannel(d time.Duration, jobs chan int) {
	t := time.NewTicker(d) // want `ticker started here is never stopped on the path through line 67`
	for range jobs {
		<-t.C
	}
}
