package patterns

import (
	"context"
	"sync"
	"time"
)

// A goroutine that waits for what nothing provides blocks forever.

func nobodySends() {
	done := make(chan struct{})
	go func() { // want `blocks forever: receive from done at line 14 never proceeds \(nothing sends on it or closes it\)`
		<-done
	}()
}

func somebodyCloses() {
	done := make(chan struct{})
	go func() { <-done }()
	close(done)
}

func closedInDeferredHelper() {
	done := make(chan struct{})
	defer closeChan(done)
	go func() { <-done }()
}

func closeChan(ch chan struct{}) { close(ch) }

func nilChannel() {
	var ch chan int
	go func() { // want `receive from ch at line 35 never proceeds \(the channel is nil\)`
		<-ch
	}()
}

func emptySelect() {
	go func() { // want `empty select at line 41 never proceeds`
		select {}
	}()
}

func nobodyReceives() {
	results := make(chan int)
	go func() { // want `send on results at line 48 never proceeds \(nothing receives from it\)`
		results <- compute()
	}()
}

func nobodyReceivesBuffered() {
	results := make(chan int, 1)
	go func() { results <- compute() }()
}

func selectNothingReady() {
	a, b := make(chan int), make(chan int)
	go func() { // want `select at line 60 never proceeds \(none of its cases can proceed\)`
		select {
		case <-a:
		case b <- 1:
		}
	}()
}

func selectWithDefault() {
	a := make(chan int)
	go func() {
		select {
		case <-a:
		default:
		}
	}()
}

// The Done channel of a context that is never cancelled never closes.

func background() {
	go func() { // want `receive from ctx.Done\(\) at line 82 never proceeds \(the context is never cancelled\)`
		ctx := context.Background()
		<-ctx.Done()
	}()
}

func cancelDropped() {
	ctx, _ := context.WithCancel(context.Background())
	go waitDropped(ctx) // want `receive from ctx.Done\(\) at line 91 never proceeds \(the context is never cancelled\)`
}

func waitDropped(ctx context.Context) { <-ctx.Done() }

func cancelled() {
	ctx, cancel := context.WithCancel(context.Background())
	go waitDone(ctx)
	cancel()
}

func waitDone(ctx context.Context) { <-ctx.Done() }

// The wait happens in a helper the goroutine calls.

type stopper struct {
	quit chan struct{}
}

func (s *stopper) shouldStop() <-chan struct{} { return s.quit }

func (s *stopper) run() {
	<-s.shouldStop()
}

func newStopper() *stopper { return &stopper{quit: make(chan struct{})} }

func neverStopped() {
	s := newStopper()
	go s.run() // want `receive from s.shouldStop\(\) at line 110 never proceeds \(nothing sends on it or closes it\)`
}

type closer struct {
	quit chan struct{}
}

func (s *closer) run()  { <-s.quit }
func (s *closer) stop() { close(s.quit) }

func stoppable() *closer {
	s := &closer{quit: make(chan struct{})}
	go s.run() // stop closes quit
	return s
}

// Channels other code can reach are not judged.

var global = make(chan int)

func globalChannel() {
	go func() { <-global }()
}

type Exported struct {
	Quit chan struct{} // other packages may close it
}

func (e *Exported) Run() {
	go func() { <-e.Quit }()
}

func fromParameter(in chan int) {
	go func() { <-in }() // the caller may send
}

func givenAway(register func(chan<- int)) {
	ch := make(chan int)
	register(ch)
	go func() { <-ch }()
}

func timer() {
	go func() {
		t := time.NewTimer(time.Second)
		<-t.C
	}()
}

// sync primitives nothing releases.

func waitGroupNoDone() {
	go func() { // want `wait on wg at line 172 never proceeds \(nothing calls Done on it\)`
		var wg sync.WaitGroup
		wg.Add(1)
		wg.Wait()
	}()
}

func waitGroupDone() {
	go func() {
		var wg sync.WaitGroup
		wg.Add(1)
		go func() { defer wg.Done() }()
		wg.Wait()
	}()
}

func waitGroupInHelper() {
	go func() {
		var wg sync.WaitGroup
		wg.Add(1)
		go release(&wg)
		wg.Wait()
	}()
}

func release(wg *sync.WaitGroup) { wg.Done() }

func condNoSignal() {
	go func() { // want `wait on cond at line 200 never proceeds \(nothing signals it\)`
		cond := sync.NewCond(&sync.Mutex{})
		cond.L.Lock()
		cond.Wait()
	}()
}

func condSignal() {
	cond := sync.NewCond(&sync.Mutex{})
	go func() {
		cond.L.Lock()
		cond.Wait()
		cond.L.Unlock()
	}()
	cond.Signal()
}

type listeners struct {
	mu   sync.Mutex
	list []chan int
}

func (l *listeners) add(ch chan int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.list = append(l.list, ch)
}

func (l *listeners) notify(v int) {
	for _, ch := range l.list {
		ch <- v
	}
}

func listen(l *listeners) {
	ch := make(chan int)
	l.add(ch) // stored in a slice: notify sends on it
	go func() { <-ch }()
}

// A goroutine that waits for one that is stuck before it signals.

func stuck() { <-make(chan struct{}) }

func cascade() {
	go func() { // want `receive from done at line 248 never proceeds \(the code that sends on it or closes it never runs\)`
		done := make(chan struct{})
		go func() { // want `receive from make\(chan struct\{\}\) at line 239 never proceeds`
			stuck()
			close(done)
		}()
		<-done
	}()
}

// A buffered channel nothing receives from fills up.

type watcher struct {
	result chan int
}

func (w *watcher) emit(v int) { w.result <- v }

func (w *watcher) process(events []int) {
	for _, e := range events {
		w.emit(e)
	}
}

func newWatcher(size int, events []int) *watcher {
	w := &watcher{result: make(chan int, size)}
	go w.process(events) // want `send on w.result at line 258 never proceeds \(nothing receives from it, and its buffer fills up\)`
	return w
}

func (w *watcher) once(v int) {
	w.emit(v) // one send fits in a buffer
}

func startOnce2(size int) *watcher {
	w := &watcher{result: make(chan int, size)}
	go w.once(1)
	return w
}

// A Cond kept in a field, waited on by a goroutine. ring hands the same
// Cond to another field, which finish signals: the wait proceeds.
type ring struct {
	c1   *sync.Cond
	resc *sync.Cond
}

func newRing() *ring { return &ring{c1: sync.NewCond(&sync.Mutex{})} }

func (r *ring) wait() {
	r.c1.L.Lock()
	r.c1.Wait()
	r.c1.L.Unlock()
}

func (r *ring) handOff() { r.resc = r.c1 }

func (r *ring) finish() { r.resc.Signal() }

func condSignalledThroughAnotherField() {
	r := newRing()
	go r.wait()
	r.handOff()
	r.finish()
}

// lonely's Cond is never signalled, by any field.
type lonely struct{ c *sync.Cond }

func (l *lonely) wait() {
	l.c.L.Lock()
	l.c.Wait()
	l.c.L.Unlock()
}

func condFieldNoSignal() {
	l := &lonely{c: sync.NewCond(&sync.Mutex{})}
	go l.wait() // want `wait on l.c at line \d+ never proceeds \(nothing signals it\)`
}
