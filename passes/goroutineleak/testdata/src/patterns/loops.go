package patterns

import (
	"context"
	"os"
	"os/signal"
	"sync"
	"time"
)

// Range over a channel that is never closed: the worker never returns.

func process(jobs []int) {
	ch := make(chan int)
	go func() { // want `never returns: the loop at line 16 exits only when ch is closed, and nothing closes it`
		for j := range ch {
			_ = j
		}
	}()
	for _, j := range jobs {
		ch <- j
	}
}

func processClosed(jobs []int) {
	ch := make(chan int)
	go func() {
		for j := range ch {
			_ = j
		}
	}()
	for _, j := range jobs {
		ch <- j
	}
	close(ch)
}

func processClosedByDefer(jobs []int) {
	ch := make(chan int)
	defer close(ch)
	go func() {
		for j := range ch {
			_ = j
		}
	}()
	for _, j := range jobs {
		ch <- j
	}
}

func processClosedInDeferredFunc(jobs []int) {
	ch := make(chan int)
	defer func() { close(ch) }()
	go func() {
		for j := range ch {
			_ = j
		}
	}()
	for _, j := range jobs {
		ch <- j
	}
}

// consume ranges over a generic channel; its callers decide.
func consume[T any](in <-chan T) {
	for v := range in {
		_ = v
	}
}

func genericNeverClosed(items []string) {
	in := make(chan string)
	go consume(in) // want `never returns: the loop at line 66 exits only when in is closed, and nothing closes it`
	for _, s := range items {
		in <- s
	}
}

// Loops whose only exit waits on a channel nothing signals.

type monitor struct {
	events chan int
	stop   chan struct{}
}

func (m *monitor) loop() {
	for {
		select {
		case e := <-m.events:
			_ = e
		case <-m.stop:
			return
		}
	}
}

func (m *monitor) publish(e int) { m.events <- e }

func startMonitor() *monitor {
	m := &monitor{events: make(chan int), stop: make(chan struct{})}
	go m.loop() // want `never returns: the loop at line 87 exits only through a select case that never proceeds \(receive from m.stop\)`
	return m
}

type stoppableMonitor struct {
	events chan int
	stop   chan struct{}
}

func (m *stoppableMonitor) loop() {
	for {
		select {
		case e := <-m.events:
			_ = e
		case <-m.stop:
			return
		}
	}
}

func (m *stoppableMonitor) Close() { close(m.stop) }

func startStoppable() *stoppableMonitor {
	m := &stoppableMonitor{events: make(chan int), stop: make(chan struct{})}
	go m.loop()
	return m
}

// A loop with no exit at all: nothing can stop the goroutine.

func flusher(flush func()) {
	go func() { // want `never returns: the loop at line 134 exits only when t.C is closed, and nothing closes it`
		t := time.NewTicker(time.Second)
		for range t.C {
			flush()
		}
	}()
}

func poller(poll func()) {
	go func() { // want `never returns: the loop at line 142 has no exit`
		for {
			time.Sleep(time.Second)
			poll()
		}
	}()
}

func flusherWithStop(ctx context.Context, flush func()) {
	go func() {
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				flush()
			case <-ctx.Done():
				return
			}
		}
	}()
}

// Goroutines meant to live as long as the process are not reported.

func init() {
	go func() {
		for range time.Tick(time.Minute) {
		}
	}()
}

var once sync.Once

func startOnce(flush func()) {
	once.Do(func() {
		go func() {
			for {
				time.Sleep(time.Second)
				flush()
			}
		}()
	})
}

func ignoreInterrupts() {
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, os.Interrupt)
	go func() {
		for {
			<-ch
		}
	}()
}
