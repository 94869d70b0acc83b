//go:build dropin
// +build dropin

package go113dep

import "testing"

// TestTagged runs only with -tags=dropin (given through GOFLAGS).
func TestTagged(t *testing.T) {}
