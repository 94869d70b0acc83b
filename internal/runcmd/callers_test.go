package runcmd_test

import (
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestTrackUnderLeakhound runs the tracker's own tests of its stack capture
// under leakhound test, where the runtime is instrumented: the frame-pointer
// walk must see the frames runtime.Callers sees.
func TestTrackUnderLeakhound(t *testing.T) {
	code, out, rep := runLeakhound(t, moduleRoot(t), "test", "./track", "--", "-count=1", "-v", "-run", "^(TestCallerPCs|TestInstrumented|TestBackgroundStacksUncounted)$")
	if code != 0 || len(rep.Findings) != 0 {
		t.Fatalf("exit status %d, findings %q; want 0 and none\n%s", code, describeAll(rep), out)
	}
	for _, want := range []string{"--- PASS: TestCallerPCs", "--- PASS: TestInstrumented", "--- PASS: TestBackgroundStacksUncounted"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q (did the test skip?):\n%s", want, out)
		}
	}
}

// TestCgoCallback runs a program that opens a file from Go code called back
// from C, with the C compiler's junk in the frame pointer register: the
// opener's stack is captured without crashing and reaches the callback.
func TestCgoCallback(t *testing.T) {
	env, err := exec.Command("go", "env", "CGO_ENABLED").Output()
	if err != nil {
		t.Fatal(err)
	}
	if strings.TrimSpace(string(env)) != "1" {
		t.Skip("cgo is not enabled here (no C compiler): the cgo callback program cannot be built")
	}
	code, out, rep := runLeakhound(t, filepath.Join(moduleRoot(t), "internal", "runcmd", "testdata", "cgomod"), "run", ".")
	want := []string{"resource os.File open-at-end proven 1 os.Open main.goOpen"}
	if got := describeAll(rep); code != 1 || !slices.Equal(got, want) {
		t.Fatalf("exit status %d, findings:\n%s\nwant 1 and:\n%s\noutput:\n%s", code, strings.Join(got, "\n"), strings.Join(want, "\n"), out)
	}
	if !strings.Contains(out, "opened 1 file(s) from a C callback") {
		t.Errorf("program output missing:\n%s", out)
	}
}
