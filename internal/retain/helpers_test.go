package retain

import (
	"fmt"
	"os"
	"testing"
)

var tempDir string

type buildError struct {
	err error
	out []byte
}

func (e *buildError) Error() string { return fmt.Sprintf("build testdata/leaky: %v\n%s", e.err, e.out) }

func mkdirTemp() (string, error) { return tempDir, nil }

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "retain-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	tempDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}
