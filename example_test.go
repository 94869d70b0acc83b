package leakhound_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/leakhound/leakhound"
)

func ExampleFind() {
	before := leakhound.IgnoreCurrent()

	// The code under test forgets a goroutine on a channel nobody can reach.
	go func() {
		ch := make(chan int)
		<-ch
	}()

	report, err := leakhound.Find(before, leakhound.MaxWait(100*time.Millisecond))
	if err != nil {
		fmt.Println("detection failed:", err)
		return
	}
	for _, f := range report.Findings {
		fmt.Println(f.Count, f.Kind, "waiting in", f.Wait)
	}
	// Output: 1 goroutine waiting in chan receive
}

func ExampleCheck() {
	// In a _test.go file:
	_ = func(t *testing.T) {
		leakhound.Check(t) // first line: the verdict runs when the test ends
		t.Parallel()
		// ... code that starts goroutines ...
	}
}

func ExampleVerifyTestMain() {
	// In a _test.go file of the package:
	_ = func(m *testing.M) {
		leakhound.VerifyTestMain(m, leakhound.IgnoreTopFunction("example.com/pkg.backgroundWorker"))
	}
}

func ExampleReport_Err() {
	report, err := leakhound.Find(leakhound.IgnoreCurrent(), leakhound.MaxWait(0))
	if err != nil {
		fmt.Println("detection failed:", err)
		return
	}
	fmt.Println(report.Err())
	// Output: <nil>
}
