package leakhound

import (
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/leakhound/leakhound/internal/verdict"
)

// This file holds the names that let tests written for go.uber.org/goleak
// run on leakhound with only their import changed (docs/goleak.md).

// VerifyNone fails the test, with t.Error, when goroutines other than the
// caller's are alive at the call, except those the options or the defaults
// excuse (the testing package's own goroutines, os/signal's). It is goleak's
// VerifyNone, meant to be deferred on the first line of a test:
//
//	defer leakhound.VerifyNone(t)
//
// Goroutines proven leaked are reported at once; the others after a bounded
// wait for them to exit: [MaxWait], or the wait that [MaxRetryAttempts] and
// [MaxSleepInterval] describe. A [Cleanup] function runs after the check
// with exit code 0. t needs only an Error method, as goleak's TestingT.
//
// Like goleak's, the check covers every goroutine of the process, so it
// cannot be used with t.Parallel, and a goroutine left by an earlier test
// fails the test that checks next; the findings name no test. [Check]
// charges each test only the goroutines it started, and is safe with
// t.Parallel.
func VerifyNone(t interface{ Error(args ...any) }, opts ...Option) {
	if h, ok := t.(interface{ Helper() }); ok {
		h.Helper()
	}
	o, err := collectOptions(opts)
	if o.cleanup != nil {
		defer o.cleanup(0)
	}
	if err != nil {
		t.Error(err)
		return
	}
	r, _, err := verdict.Run(&o.Options, verdict.Scope{Self: verdict.CurrentGoroutineID(), Mode: "test"})
	if err != nil {
		t.Error(fmt.Errorf("leakhound: %w", err))
		return
	}
	if err := r.Err(); err != nil {
		t.Error(err)
	}
}

// Cleanup makes [VerifyTestMain] and [VerifyNone] call f when their check is
// done, as goleak's Cleanup does: VerifyTestMain passes the exit status it
// is about to exit with, VerifyNone passes 0. f also runs when the options
// are rejected. VerifyTestMain exits with the status after f returns, when f
// did not exit itself. [Check] and [Find] reject Cleanup.
func Cleanup(f func(exitCode int)) Option {
	return optionFunc(func(o *options) {
		if f == nil {
			o.errs = append(o.errs, errors.New("Cleanup: nil function"))
			return
		}
		o.cleanup = f
	})
}

// retryOptions are goleak's retry settings, which become the verdict's
// MaxWait.
type retryOptions struct {
	attempts    int
	attemptsSet bool
	interval    time.Duration
	intervalSet bool
}

// goleak's retry defaults, for MaxRetryAttempts and MaxSleepInterval given
// alone: 20 attempts, with sleeps doubling from 1µs up to 100µs (the values
// of goleak's development branch, where these two options are defined).
const (
	defaultRetryAttempts = 20
	defaultSleepInterval = 100 * time.Microsecond
)

// MaxRetryAttempts is goleak's option of that name: look again at most n
// times for goroutines that have not exited yet, sleeping between two looks
// for 1µs, then twice as long each time, up to [MaxSleepInterval] (100µs
// unless given). leakhound turns the sum of those sleeps into [MaxWait]: with
// n = 20 and the default interval it waits at most 1.43ms. The wait ends
// earlier when every goroutine left is proven leaked or has exited. n must
// not be negative; 0 means no wait.
func MaxRetryAttempts(n int) Option {
	return optionFunc(func(o *options) { o.retry.attempts, o.retry.attemptsSet = n, true })
}

// MaxSleepInterval is goleak's option of that name: the longest sleep
// between two looks (see [MaxRetryAttempts], which describes how the sleeps
// become [MaxWait]). d must be positive.
func MaxSleepInterval(d time.Duration) Option {
	return optionFunc(func(o *options) { o.retry.interval, o.retry.intervalSet = d, true })
}

// applyRetry sets MaxWait from MaxRetryAttempts and MaxSleepInterval, when
// one of them was given, and reports bad values.
func (o *options) applyRetry() {
	r := o.retry
	if !r.attemptsSet && !r.intervalSet {
		return
	}
	if !r.attemptsSet {
		r.attempts = defaultRetryAttempts
	}
	if !r.intervalSet {
		r.interval = defaultSleepInterval
	}
	bad := false
	if r.attempts < 0 {
		o.errs = append(o.errs, fmt.Errorf("MaxRetryAttempts(%d): the number of attempts must not be negative", r.attempts))
		bad = true
	}
	if r.interval <= 0 {
		o.errs = append(o.errs, fmt.Errorf("MaxSleepInterval(%v): the interval must be positive", r.interval))
		bad = true
	}
	if o.maxWaitSet {
		o.errs = append(o.errs, errors.New("MaxWait cannot be combined with MaxRetryAttempts or MaxSleepInterval: give MaxWait alone, or goleak's two options"))
		bad = true
	}
	if !bad {
		o.MaxWait = retryWait(r.attempts, r.interval)
	}
}

// retryWait is the longest goleak sleeps in total with n retries: the i-th
// sleep (from 0) lasts 2^i µs, at most interval. It saturates instead of
// overflowing.
func retryWait(n int, interval time.Duration) time.Duration {
	var total time.Duration
	step := time.Microsecond
	for i := 0; i < n; i++ {
		if step >= interval {
			left := time.Duration(n - i)
			if left > (math.MaxInt64-total)/interval {
				return math.MaxInt64
			}
			return total + left*interval
		}
		total += step
		if step > interval/2 {
			step = interval
		} else {
			step *= 2
		}
	}
	return total
}
