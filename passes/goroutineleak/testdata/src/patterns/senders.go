// Package patterns holds the goroutine leak patterns of "Unveiling and
// Vanquishing Goroutine Leaks in Enterprise Microservices" (CGO 2024), and
// the code that looks like them but does not leak.
package patterns

import (
	"context"
	"errors"
	"sync"
	"time"
)

func compute() int { return 1 }

// Early return: the receiver returns before receiving.

func earlyReturn(err error) int {
	ch := make(chan int)
	go func() { // want `its send on ch at line 20 is never received when earlyReturn returns at line 23`
		ch <- compute()
	}()
	if err != nil {
		return 0
	}
	return <-ch
}

func earlyReturnBuffered(err error) int {
	ch := make(chan int, 1) // the value waits in the buffer
	go func() {
		ch <- compute()
	}()
	if err != nil {
		return 0
	}
	return <-ch
}

func receivedOnEveryPath(err error) int {
	ch := make(chan int)
	go func() {
		ch <- compute()
	}()
	v := <-ch
	if err != nil {
		return 0
	}
	return v
}

func senderSelectsOnDone(ctx context.Context, err error) int {
	ch := make(chan int)
	go func() {
		select {
		case ch <- compute():
		case <-ctx.Done():
		}
	}()
	if err != nil {
		return 0
	}
	return <-ch
}

// Timeout: the receiver selects on a timer or ctx.Done and returns.

func timeout(ctx context.Context) (int, error) {
	ch := make(chan int)
	go func() { // want `its send on ch at line 70 is never received when the select takes the case at line 75 and timeout returns at line 76`
		ch <- compute()
	}()
	select {
	case v := <-ch:
		return v, nil
	case <-ctx.Done():
		return 0, ctx.Err()
	}
}

func timeoutTimer(d time.Duration) (int, error) {
	result := make(chan int)
	errc := make(chan error)
	go func() { // want `its send on result at line 85 is never received when the select takes the case at line 91 and timeoutTimer returns at line 92`
		if v := compute(); v > 0 {
			result <- v
			return
		}
		errc <- errors.New("no result")
	}()
	select {
	case <-time.After(d):
		return 0, errors.New("timeout")
	case v := <-result:
		return v, nil
	case err := <-errc:
		return 0, err
	}
}

func timeoutBuffered(ctx context.Context) (int, error) {
	ch := make(chan int, 1)
	go func() { ch <- compute() }()
	select {
	case v := <-ch:
		return v, nil
	case <-ctx.Done():
		return 0, ctx.Err()
	}
}

// resultOrError sends on one of two channels; receiving from either
// releases it.
func resultOrError() (int, error) {
	result := make(chan int)
	errc := make(chan error)
	go func() {
		if v := compute(); v > 0 {
			result <- v
			return
		}
		errc <- errors.New("no result")
	}()
	select {
	case v := <-result:
		return v, nil
	case err := <-errc:
		return 0, err
	}
}

// N-cast: N senders, one receive.

func first(items []int) int {
	ch := make(chan int)
	for range items {
		go func() { // want `its send on ch at line 137 is never received when first returns at line 140`
			ch <- compute()
		}()
	}
	return <-ch
}

func firstBuffered(items []int) int {
	ch := make(chan int, len(items)) // capacity is not a constant: enough is assumed
	for range items {
		go func() { ch <- compute() }()
	}
	return <-ch
}

func all(items []int) int {
	ch := make(chan int)
	for range items {
		go func() { ch <- compute() }()
	}
	sum := 0
	for range items {
		sum += <-ch
	}
	return sum
}

func allUntilError(items []int) error {
	errc := make(chan error)
	for range items {
		go func() { // want `its send on errc at line 167 is never received when allUntilError returns at line 172`
			errc <- errors.New("failed")
		}()
	}
	for range items {
		if err := <-errc; err != nil {
			return err
		}
	}
	return nil
}

// errgroupLike closes the results after the workers are done.
func errgroupLike(items []int) []int {
	results := make(chan int)
	var wg sync.WaitGroup
	for range items {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results <- compute()
		}()
	}
	go func() {
		wg.Wait()
		close(results)
	}()
	var out []int
	for r := range results {
		out = append(out, r)
	}
	return out
}

// Double send: a sender that sends twice to a receiver that receives once.

func sendTwice(ch chan<- int, err error) {
	if err != nil {
		ch <- 0
		// missing return
	}
	ch <- compute()
}

func doubleSend(err error) int {
	ch := make(chan int)
	go sendTwice(ch, err) // want `its send on ch at line 204 is never received when doubleSend returns at line 213`
	return <-ch
}

func singleSend() int {
	ch := make(chan int)
	go sendTwice(ch, nil) // err is nil: one send
	return <-ch
}

func doubleSendBuffered(err error) int {
	ch := make(chan int, 1)
	go sendTwice(ch, err)
	return <-ch
}

// Retries: every attempt that times out leaves its sender behind.

func retry(ctx context.Context) (int, error) {
	ch := make(chan int)
	for attempt := 0; attempt < 3; attempt++ {
		go func() { // want `its send on ch at line 234 is never received when the select takes the case at line 239 and retry returns at line 238`
			ch <- compute()
		}()
		select {
		case v := <-ch:
			return v, nil
		case <-time.After(time.Second):
		}
	}
	return 0, errors.New("no answer")
}

func retryFresh(ctx context.Context) (int, error) {
	for attempt := 0; attempt < 3; attempt++ {
		ch := make(chan int, 1)
		go func() { ch <- compute() }()
		select {
		case v := <-ch:
			return v, nil
		case <-time.After(time.Second):
		}
	}
	return 0, errors.New("no answer")
}

// A named worker, a type switch in the sender, and a goroutine started
// from a closure variable.

type job interface{}

func worker(jobs []job, out chan<- string) {
	for _, j := range jobs {
		switch j.(type) {
		case string:
			out <- "string"
		case int:
			out <- "int"
		}
	}
}

func typeSwitch(jobs []job) string {
	out := make(chan string)
	go worker(jobs, out) // want `its send on out at line 267 is never received when typeSwitch returns at line 277`
	return <-out
}

func closureVariable(err error) int {
	ch := make(chan int)
	run := func() { ch <- compute() }
	go run() // want `its send on ch at line 282 is never received when closureVariable returns at line 285`
	if err != nil {
		return 0
	}
	return <-ch
}

// Generic senders.

func produce[T any](ch chan<- T, v T) { ch <- v }

func generic[T any](v T, err error) T {
	ch := make(chan T)
	go produce(ch, v) // want `its send on ch at line 292 is never received when generic returns at line 299`
	if err != nil {
		var zero T
		return zero
	}
	return <-ch
}

// Channels that escape to code the analysis cannot see are not judged.

type Server struct {
	Results chan int // exported: other packages may receive
}

func (s *Server) escapesToField(err error) int {
	s.Results = make(chan int)
	go func() { s.Results <- compute() }()
	if err != nil {
		return 0
	}
	return <-s.Results
}

func returned() <-chan int {
	ch := make(chan int)
	go func() { ch <- compute() }()
	return ch
}

func passedAway(consume func(<-chan int), err error) {
	ch := make(chan int)
	go func() { ch <- compute() }()
	if err != nil {
		return
	}
	consume(ch)
}

// The goroutine either sends an error or closes done: receiving from done
// means it sends nothing.
func errOrDone() error {
	errc := make(chan error)
	done := make(chan struct{})
	go func() {
		if compute() < 0 {
			errc <- errors.New("negative")
			return
		}
		close(done)
	}()
	select {
	case <-done:
		return nil
	case err := <-errc:
		return err
	}
}

func errOrDoneTimeout() error {
	errc := make(chan error)
	done := make(chan struct{})
	go func() { // want `blocks forever: send on errc at line 359 never proceeds \(nothing receives from it\)`
		if compute() < 0 {
			errc <- errors.New("negative")
			return
		}
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-time.After(time.Second):
		return errors.New("timeout")
	}
}
