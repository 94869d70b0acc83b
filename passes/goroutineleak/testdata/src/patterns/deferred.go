package patterns

import (
	"context"
	"errors"
	"time"
)

func work() error { return errors.New("failed") }

// A goroutine that sends its result from a deferred function blocks there
// when the select took the timeout.

func deferredSendTimeout(d time.Duration) error {
	errc := make(chan error)
	go func() { // want `its send on errc at line 19 is never received when the select takes the case at line 26 and deferredSendTimeout returns at line 27`
		var err error
		defer func() {
			errc <- err
		}()
		err = work()
	}()
	select {
	case err := <-errc:
		return err
	case <-time.After(d):
		return errors.New("timeout")
	}
}

func deferredSendContext(ctx context.Context) error {
	errc := make(chan error)
	go func() { // want `its send on errc at line 35 is never received when the select takes the case at line 39`
		var err error
		defer func() { errc <- err }()
		err = work()
	}()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case err := <-errc:
		return err
	}
}

// The twins that do not leak: the buffer holds the value, or every path
// receives it.

func deferredSendBuffered(d time.Duration) error {
	errc := make(chan error, 1)
	go func() {
		var err error
		defer func() { errc <- err }()
		err = work()
	}()
	select {
	case err := <-errc:
		return err
	case <-time.After(d):
		return errors.New("timeout")
	}
}

func deferredSendReceived() error {
	errc := make(chan error)
	go func() {
		var err error
		defer func() { errc <- err }()
		err = work()
	}()
	return <-errc
}

func deferredSendOrDone(ctx context.Context) error {
	errc := make(chan error)
	go func() {
		var err error
		defer func() {
			select {
			case errc <- err:
			case <-ctx.Done():
			}
		}()
		err = work()
	}()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case err := <-errc:
		return err
	}
}
