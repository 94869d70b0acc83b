// Package blocked blocks the finalizer goroutine of its test binary.
package blocked

import (
	"testing"

	"github.com/leakhound/leakhound/internal/runcmd/testdata/leaks"
)

func TestBlockFinalizers(t *testing.T) { leaks.BlockFinalizers() }
