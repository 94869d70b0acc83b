package leakhound_test

import (
	"fmt"
	"os"
	"strings"
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

// firstLine stands for a *testing.T: VerifyNone needs only its Error method.
type firstLine struct{}

func (firstLine) Error(args ...any) {
	line, _, _ := strings.Cut(fmt.Sprint(args...), "\n")
	fmt.Println(line)
}

func ExampleVerifyNone() {
	// In a _test.go file, as with goleak:
	_ = func(t *testing.T) {
		defer leakhound.VerifyNone(t) // checks when the test function returns
		// ... code that starts goroutines ...
	}

	// A test that leaks a goroutine fails with the report; goroutines that
	// existed before are excused here, as other tests left them.
	t := firstLine{}
	func() {
		defer leakhound.VerifyNone(t, leakhound.IgnoreCurrent())
		go func() {
			ch := make(chan int)
			<-ch
		}()
	}()
	// Output: leakhound: found 1 leak(s) in 1 group(s)
}

func ExampleMaxRetryAttempts() {
	// goleak's retry options keep their meaning: look 50 times, sleeping up
	// to 10ms between looks, which makes a wait of at most 376ms.
	_ = func(t *testing.T) {
		defer leakhound.VerifyNone(t, leakhound.MaxRetryAttempts(50), leakhound.MaxSleepInterval(10*time.Millisecond))
	}
}

func ExampleCleanup() {
	// In a _test.go file of the package: tear down what TestMain set up
	// once the leak check is done, then exit with the status.
	_ = func(m *testing.M) {
		leakhound.VerifyTestMain(m, leakhound.Cleanup(func(exitCode int) {
			// ... stop the database the tests used ...
			os.Exit(exitCode)
		}))
	}
}
