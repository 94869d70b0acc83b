package heapdump

import (
	"fmt"
	"strconv"
	"strings"
)

// The Go releases whose dumps this package reads. The format's header has
// not changed since Go 1.7, but what the records hold (frame layouts, the
// goroutine records, which roots are written) is tested against these
// releases only; a dump of another release is refused rather than read
// wrongly.
const (
	minMinor = 26
	maxMinor = 27
)

// SupportedVersions describes the Go releases whose dumps can be read.
var SupportedVersions = fmt.Sprintf("Go 1.%d to 1.%d", minMinor, maxMinor)

// checkVersion accepts the runtime version of the params record, as
// runtime.Version prints it: "go1.27.4", "go1.27rc1",
// "go1.26.8 X:goroutineleakprofile" or "devel go1.28-0a1b2c3 ...".
func checkVersion(v string) error {
	minor, ok := goMinor(v)
	switch {
	case !ok:
		return fmt.Errorf("%w: written by Go %q, not a release this leakhound knows (it reads dumps of %s)", ErrUnsupported, v, SupportedVersions)
	case minor < minMinor:
		return fmt.Errorf("%w: written by %s, older than this leakhound reads (%s): build the program with a newer Go", ErrUnsupported, v, SupportedVersions)
	case minor > maxMinor:
		return fmt.Errorf("%w: written by %s, newer than this leakhound reads (%s): update leakhound", ErrUnsupported, v, SupportedVersions)
	}
	return nil
}

// goMinor returns the minor release number of a Go 1 version string.
func goMinor(v string) (int, bool) {
	v = strings.TrimPrefix(v, "devel ")
	rest, ok := strings.CutPrefix(v, "go1.")
	if !ok {
		return 0, false
	}
	end := 0
	for end < len(rest) && rest[end] >= '0' && rest[end] <= '9' {
		end++
	}
	n, err := strconv.Atoi(rest[:end])
	return n, err == nil
}
