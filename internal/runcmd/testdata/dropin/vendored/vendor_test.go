// Package vendored has its dependency in vendor/, which go uses by default
// (go >= 1.14 with vendor/modules.txt): the test passes only when the
// dependency is compiled from there.
package vendored

import (
	"runtime"
	"strings"
	"testing"

	"golang.org/x/sync/errgroup"
)

func TestVendored(t *testing.T) {
	var g errgroup.Group
	var file string
	g.Go(func() error {
		_, file, _, _ = runtime.Caller(1) // errgroup's goroutine
		return nil
	})
	if err := g.Wait(); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(file, "/vendor/golang.org/x/sync/errgroup/") {
		t.Fatalf("errgroup compiled from %s, not from vendor/", file)
	}
}
