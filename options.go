package leakhound

import (
	"errors"
	"fmt"
	"time"

	"github.com/leakhound/leakhound/internal/verdict"
)

// defaultMaxWait is how long a verdict waits, at most, for goroutines that are
// not proven leaked to exit, unless [MaxWait] says otherwise.
const defaultMaxWait = time.Second

// Option changes how leaks are found. Options are created by the functions of
// this package, such as [IgnoreTopFunction] and [MaxWait].
type Option interface {
	apply(*options)
}

type optionFunc func(*options)

func (f optionFunc) apply(o *options) { f(o) }

// options are the verdict's settings and the errors of the options that
// made them.
type options struct {
	verdict.Options
	errs       []error
	maxWaitSet bool               // MaxWait was given
	retry      retryOptions       // goleak's MaxRetryAttempts and MaxSleepInterval (goleak.go)
	cleanup    func(exitCode int) // Cleanup, for VerifyNone and VerifyTestMain only
}

// buildOptions builds the options of Check and Find, which take no Cleanup.
func buildOptions(opts []Option) (*verdict.Options, error) {
	o, err := collectOptions(opts)
	if err == nil && o.cleanup != nil {
		err = errors.New("leakhound options: Cleanup can be passed only to VerifyNone and VerifyTestMain")
	}
	if err != nil {
		return nil, err
	}
	return &o.Options, nil
}

// collectOptions is the one place where defaults are set and combinations
// checked. It returns the options even with an error, so that a Cleanup
// function still runs.
func collectOptions(opts []Option) (*options, error) {
	o := &options{Options: verdict.Options{MaxWait: defaultMaxWait}}
	for _, opt := range opts {
		if opt == nil {
			o.errs = append(o.errs, errors.New("nil Option: pass options created by the leakhound package"))
			continue
		}
		opt.apply(o)
	}
	if o.MaxWait < 0 {
		o.errs = append(o.errs, fmt.Errorf("MaxWait(%v): the wait must not be negative", o.MaxWait))
	}
	o.applyRetry()
	if err := errors.Join(o.errs...); err != nil {
		return o, fmt.Errorf("leakhound options: %w", err)
	}
	return o, nil
}

// IgnoreTopFunction excuses goroutines whose innermost function (the one they
// are blocked or running in) is f, a fully qualified name such as
// "net/http.(*persistConn).readLoop" or "main.worker.func1".
func IgnoreTopFunction(f string) Option {
	return optionFunc(func(o *options) {
		if f == "" {
			o.errs = append(o.errs, errors.New("IgnoreTopFunction: empty function name"))
		}
		o.IgnoreTop = append(o.IgnoreTop, f)
	})
}

// IgnoreAnyFunction excuses goroutines that have f anywhere in their stack.
func IgnoreAnyFunction(f string) Option {
	return optionFunc(func(o *options) {
		if f == "" {
			o.errs = append(o.errs, errors.New("IgnoreAnyFunction: empty function name"))
		}
		o.IgnoreAny = append(o.IgnoreAny, f)
	})
}

// IgnoreCreatedBy excuses goroutines created by a go statement in function f.
func IgnoreCreatedBy(f string) Option {
	return optionFunc(func(o *options) {
		if f == "" {
			o.errs = append(o.errs, errors.New("IgnoreCreatedBy: empty function name"))
		}
		o.IgnoreCreatedBy = append(o.IgnoreCreatedBy, f)
	})
}

// IgnoreCurrent excuses every goroutine that exists when IgnoreCurrent is
// called. Call it before the code under test starts goroutines:
//
//	opt := leakhound.IgnoreCurrent()
//	runCodeUnderTest()
//	report, err := leakhound.Find(opt)
func IgnoreCurrent() Option {
	ids, err := verdict.CurrentGoroutineIDs()
	return optionFunc(func(o *options) {
		if err != nil {
			o.errs = append(o.errs, fmt.Errorf("IgnoreCurrent: %w", err))
			return
		}
		if o.IgnoreIDs == nil {
			o.IgnoreIDs = make(map[int64]bool, len(ids))
		}
		for _, id := range ids {
			o.IgnoreIDs[id] = true
		}
	})
}

// MaxWait bounds how long a verdict waits for goroutines that are not proven
// leaked to exit before reporting them as suspected ("still-running"). The
// wait ends earlier as soon as every remaining goroutine is proven leaked or
// excused. Zero means: do not wait. The default is one second.
func MaxWait(d time.Duration) Option {
	return optionFunc(func(o *options) { o.MaxWait, o.maxWaitSet = d, true })
}

// ProvenOnly reports only goroutines the garbage collector proved leaked, and
// never waits. It suits long-running processes, where most goroutines are
// legitimately alive. Without the goroutineleak profile it finds nothing.
func ProvenOnly() Option {
	return optionFunc(func(o *options) { o.ProvenOnly = true })
}
