// Package gobuild builds the binaries the benchmarks compare: leakhound
// itself and plain programs built as leakhound would build them, minus the
// instrumentation.
package gobuild

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
)

// Build builds the package pkg of the module in dir into the file out. On
// Go 1.26 it turns on the GOEXPERIMENT that leakhound run and test turn on
// (goroutineleakprofile), so that a plain build differs from leakhound's
// only by the instrumentation.
func Build(dir, out, pkg string) error {
	cmd := exec.Command("go", "build", "-o", out, pkg)
	cmd.Dir = dir
	cmd.Env = Environ()
	if data, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("build %s: %s", pkg, strings.TrimSpace(string(data)))
	}
	return nil
}

// Environ returns the environment of a plain go command: the current one,
// with GOEXPERIMENT=goroutineleakprofile added on Go 1.26 as leakhound does.
func Environ() []string {
	env := os.Environ()
	v, err := exec.Command("go", "env", "GOVERSION").Output()
	if err != nil || !strings.HasPrefix(string(v), "go1.26") {
		return env
	}
	exp := os.Getenv("GOEXPERIMENT")
	if strings.Contains(exp, "goroutineleakprofile") {
		return env
	}
	if exp != "" {
		exp += ","
	}
	return append(env, "GOEXPERIMENT="+exp+"goroutineleakprofile")
}
