package runcmd

import (
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/leakhound/leakhound/internal/policy"
)

// TestSettingsThresholds checks that the thresholds of the configuration
// apply where the command line did not set the flag, and that a flag wins.
func TestSettingsThresholds(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module example.com/m\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, ".leakhound.yaml"), []byte("thresholds:\n  held: 5s\n  retained: false\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		args         []string
		wantHeld     time.Duration
		wantRetained bool
	}{
		{nil, 5 * time.Second, false},
		{[]string{"-held", "7s"}, 7 * time.Second, false},
		{[]string{"-retained=true"}, 5 * time.Second, true},
	} {
		fs := flag.NewFlagSet("test", flag.ContinueOnError)
		retained, held := retainedFlag(fs), heldFlag(fs)
		set := settingsFlags(fs, policy.ModeTest)
		if err := fs.Parse(tt.args); err != nil {
			t.Fatal(err)
		}
		if err := set.load(fs, dir, held, retained); err != nil {
			t.Fatal(err)
		}
		if *held != tt.wantHeld || *retained != tt.wantRetained {
			t.Errorf("%q: held %v, retained %v; want %v, %v", tt.args, *held, *retained, tt.wantHeld, tt.wantRetained)
		}
		if set.Policy != nil {
			t.Errorf("%q: a policy without rules or baseline", tt.args)
		}
	}
}
