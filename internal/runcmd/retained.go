package runcmd

import (
	"flag"

	"github.com/leakhound/leakhound/track"
)

// retainedFlag defines the -retained flag of run and test.
func retainedFlag(fs *flag.FlagSet) *bool {
	return fs.Bool("retained", true, "measure the memory each proven goroutine leak keeps alive (retained_bytes): at exit, one heap dump and its analysis, about 1.5 s of CPU and a dump file as large as the heap per 100 MB of heap (see docs/retained.md); -retained=false skips it")
}

// retainedEnv is the environment variable that passes -retained to the tracker.
func retainedEnv(on bool) string {
	if on {
		return track.EnvRetained + "=1"
	}
	return track.EnvRetained + "=0"
}
