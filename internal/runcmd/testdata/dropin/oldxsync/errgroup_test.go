// Package oldxsync pins a golang.org/x/sync older than leakhound's own
// (v0.24.0): the test passes only when the binary is built with v0.1.0.
package oldxsync

import (
	"context"
	"errors"
	"testing"

	"golang.org/x/sync/errgroup"
)

func TestErrgroup(t *testing.T) {
	g, ctx := errgroup.WithContext(context.Background())
	want := errors.New("failed")
	g.Go(func() error { return want })
	if err := g.Wait(); err != want {
		t.Fatalf("Wait() = %v, want %v", err, want)
	}
	// v0.1.0 cancels the context without a cause; newer versions, such as
	// v0.24.0, give the error as the cause.
	if cause := context.Cause(ctx); cause != context.Canceled {
		t.Fatalf("context.Cause = %v, want context.Canceled (x/sync v0.1.0)", cause)
	}
}
