package patterns

import (
	"testing"
	"time"
)

// A leak on the path of a test that already failed is not reported.
func TestTimeout(t *testing.T) {
	done := make(chan struct{})
	go func() {
		compute()
		done <- struct{}{}
	}()
	select {
	case <-done:
	case <-time.After(time.Second):
		t.Errorf("timed out")
	}
}

func TestTimeoutSilent(t *testing.T) {
	done := make(chan struct{})
	go func() { // want `its send on done at line 26 is never received when the select takes the case at line 30 and TestTimeoutSilent returns at line 33`
		compute()
		done <- struct{}{}
	}()
	select {
	case <-done:
	case <-time.After(time.Second):
		t.Log("timed out")
	}
}

func TestTwoSelects(t *testing.T) {
	started := make(chan bool)
	done := make(chan bool)
	go func() {
		started <- true
		compute()
		done <- true
	}()
	<-started
	select {
	case <-done:
		t.Errorf("not blocked")
	case <-time.After(time.Second):
	}
	compute()
	select {
	case <-done:
	case <-time.After(time.Second):
		t.Errorf("still blocked")
	}
}

func TestSkipped(t *testing.T) {
	t.Skip("flaky")
	start := make(chan struct{})
	go func() { <-start }()
	start <- struct{}{}
}

func TestConcurrent(t *testing.T) {
	ch := make(chan struct{})
	for range 10 {
		go func() {
			compute()
			ch <- struct{}{}
		}()
	}
	for range 10 {
		select {
		case <-ch:
		case <-time.After(time.Second):
			t.Fatalf("timeout")
		}
	}
}

func TestThreeDone(t *testing.T) {
	a, b, c := make(chan struct{}), make(chan struct{}), make(chan struct{})
	go func() { compute(); a <- struct{}{} }()
	go func() { compute(); b <- struct{}{} }()
	go func() { compute(); c <- struct{}{} }()
	done := 0
	for {
		select {
		case <-a:
			done++
		case <-b:
			done++
		case <-c:
			done++
		}
		if done == 3 {
			return
		}
	}
}
