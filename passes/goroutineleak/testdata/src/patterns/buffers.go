package patterns

import (
	"errors"
	"time"
)

// Buffers that hold what every sender sends: the goroutines that send are
// counted with the constant arguments they are started with.

func copyStream(kind string, done chan<- struct{}) {
	compute()
	if kind == "stdout" || kind == "stderr" {
		done <- struct{}{}
	}
}

// streams starts three copies, of which only two send on done: its buffer
// of two holds both sends when the error case returns first.
func streams() error {
	done := make(chan struct{}, 2)
	errc := make(chan error)
	go func() {
		if compute() < 0 {
			errc <- errors.New("negative")
		}
	}()
	go copyStream("stdin", done)
	go copyStream("stdout", done)
	go copyStream("stderr", done)
	for n := 0; n < 2; n++ {
		select {
		case <-done:
		case err := <-errc:
			return err
		}
	}
	return nil
}

// streamsAllSend starts three copies that all send: the buffer of two
// holds only two of them.
func streamsAllSend() error {
	done := make(chan struct{}, 2)
	go copyStream("stdout", done)
	go copyStream("stderr", done)
	go copyStream("stdout", done) // want `its send on done at line 14 is never received when the select takes the case at line 51 and streamsAllSend returns at line 52`
	select {
	case <-done:
		return nil
	case <-time.After(time.Second):
		return errors.New("timeout")
	}
}

// One goroutine per element, each sending once, on a buffer sized to the
// elements: no send blocks.
func perElement(items []int, d time.Duration) (int, error) {
	results := make(chan int, len(items))
	for _, it := range items {
		go func() { results <- it * compute() }()
	}
	select {
	case v := <-results:
		return v, nil
	case <-time.After(d):
		return 0, errors.New("timeout")
	}
}

// perElementConst starts as many goroutines as the buffer holds.
func perElementConst(d time.Duration) (int, error) {
	results := make(chan int, 3)
	for i := range 3 {
		go func() { results <- i * compute() }()
	}
	select {
	case v := <-results:
		return v, nil
	case <-time.After(d):
		return 0, errors.New("timeout")
	}
}

// perElementConstShort holds one value fewer than its four goroutines send.
func perElementConstShort(d time.Duration) (int, error) {
	results := make(chan int, 3)
	for i := range 4 {
		go func() { results <- i * compute() }() // want `its send on results at line 89 is never received`
	}
	select {
	case v := <-results:
		return v, nil
	case <-time.After(d):
		return 0, errors.New("timeout")
	}
}
