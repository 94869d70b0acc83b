package instrument

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// TestTrackerPackagesAreStdlibOnly checks that the packages the tracker is
// made of import only the standard library and each other: they are copied
// into the instrumented GOROOT, where nothing else exists.
func TestTrackerPackagesAreStdlibOnly(t *testing.T) {
	const module = "github.com/leakhound/leakhound/"
	args := []string{"list", "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}"}
	for _, p := range trackerPackages {
		args = append(args, "../../"+p)
	}
	out, err := exec.Command("go", args...).Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for line := range strings.Lines(string(out)) {
		path := strings.TrimSpace(line)
		if path == "" {
			continue
		}
		if rel, ok := strings.CutPrefix(path, module); !ok || !slices.Contains(trackerPackages, rel) {
			t.Errorf("the tracker depends on %s, which is neither the standard library nor a tracker package", path)
		}
	}
}
