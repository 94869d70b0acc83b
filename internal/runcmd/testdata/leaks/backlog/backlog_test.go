// Package backlog queues finalizers faster than they run.
package backlog

import (
	"testing"
	"time"

	"github.com/leakhound/leakhound/internal/runcmd/testdata/leaks"
)

func TestSlowFinalizers(t *testing.T) { leaks.SlowFinalizers(2 * time.Second) }
