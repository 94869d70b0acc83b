//go:build ignore

// gen.go regenerates the goroutine dump fixtures from real runtime output:
//
//	cd internal/stack/testdata && go run gen.go
//
// For each toolchain named by -toolchains (fetched through the module proxy
// when not installed) it builds fixture/ once, runs it in every mode, and
// writes go1.N/<variant>.txt. GOROOT and the build directory are replaced by
// /goroot and /src so that fixtures do not depend on the machine.
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

var toolchains = flag.String("toolchains", "go1.26.8,go1.27.4", "comma-separated Go toolchains (GOTOOLCHAIN values) to generate fixtures with")

// variant is one fixture: the program mode, extra environment, and how
// output is captured.
type variant struct {
	name   string
	mode   string
	env    []string
	stderr bool // capture stderr (runtime tracebacks) instead of stdout
	signal bool // wait for "ready" on stdout, then send SIGQUIT
	gorun  bool // run through "go run" to get its "exit status 2" trailer
	test   bool // run TestBubble through "go test"
}

var variants = []variant{
	{name: "stack_all", mode: "stack_all"},
	{name: "goroutine_debug1", mode: "goroutine_debug1"},
	{name: "goroutine_debug2", mode: "goroutine_debug2"},
	{name: "goroutineleak_debug1", mode: "goroutineleak_debug1"},
	{name: "goroutineleak_debug2", mode: "goroutineleak_debug2"},
	{name: "labels", mode: "labels", env: []string{"GODEBUG=tracebacklabels=1"}},
	{name: "ancestors", mode: "ancestors", env: []string{"GODEBUG=tracebackancestors=5"}},
	{name: "elided", mode: "elided"},
	{name: "panic", mode: "panic", stderr: true, env: []string{"GOTRACEBACK=all"}},
	{name: "panic_single", mode: "panic", stderr: true},
	{name: "panic_gorun", mode: "panic_gorun", stderr: true, gorun: true},
	{name: "panic_other_thread", mode: "panic_other_thread", stderr: true, env: []string{"GOTRACEBACK=all", "GODEBUG=asyncpreemptoff=1"}},
	{name: "fatal_deadlock", mode: "fatal_deadlock", stderr: true},
	{name: "sigquit", mode: "sigquit", stderr: true, signal: true},
	{name: "sigquit_system", mode: "sigquit", stderr: true, signal: true, env: []string{"GOTRACEBACK=system"}},
	{name: "sigquit_crash", mode: "sigquit", stderr: true, signal: true, env: []string{"GOTRACEBACK=crash"}},
	{name: "synctest", test: true},
}

func main() {
	flag.Parse()
	for _, toolchain := range strings.Split(*toolchains, ",") {
		if err := generate(toolchain); err != nil {
			log.Fatalf("%s: %v", toolchain, err)
		}
	}
}

// generate writes the fixtures of one toolchain to go1.N/, named for its
// major version.
func generate(toolchain string) error {
	src, err := os.MkdirTemp("", "stackfixture")
	if err != nil {
		return err
	}
	defer os.RemoveAll(src)
	for _, f := range []string{"main.go", "synctest_test.go"} {
		b, err := os.ReadFile(filepath.Join("fixture", f))
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(src, f), b, 0o644); err != nil {
			return err
		}
	}
	if err := os.WriteFile(filepath.Join(src, "go.mod"), []byte("module fixture\n\ngo 1.26\n"), 0o644); err != nil {
		return err
	}
	env := append(os.Environ(), "GOTOOLCHAIN="+toolchain, "GOFLAGS=-trimpath=false")
	version, err := output(src, env, "go", "env", "GOVERSION")
	if err != nil {
		return err
	}
	version = strings.TrimSpace(version)
	dir := version
	if parts := strings.SplitN(version, ".", 3); len(parts) == 3 {
		dir = parts[0] + "." + parts[1]
	}
	if strings.HasPrefix(version, "go1.26") {
		// The goroutineleak profile is an experiment in Go 1.26 and
		// generally available from Go 1.27 on.
		env = append(env, "GOEXPERIMENT=goroutineleakprofile")
	}
	goroot, err := output(src, env, "go", "env", "GOROOT")
	if err != nil {
		return err
	}
	goroot = strings.TrimSpace(goroot)
	bin := filepath.Join(src, "fixture.bin")
	if _, err := output(src, env, "go", "build", "-o", bin, "."); err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	realSrc, err := filepath.EvalSymlinks(src)
	if err != nil {
		return err
	}
	for _, v := range variants {
		out, err := run(src, bin, env, v)
		if err != nil {
			return fmt.Errorf("%s: %w", v.name, err)
		}
		out = strings.ReplaceAll(out, goroot, "/goroot")
		out = strings.ReplaceAll(out, realSrc, "/src")
		out = strings.ReplaceAll(out, src, "/src")
		if err := os.WriteFile(filepath.Join(dir, v.name+".txt"), []byte(out), 0o644); err != nil {
			return err
		}
		if v.name == "stack_all" {
			// The runtime prints ", N minutes" only after a goroutine has
			// waited a minute; derive that variant by editing one header.
			edited := strings.Replace(out, "[chan receive]:", "[chan receive, 5 minutes]:", 1)
			edited = strings.Replace(edited, "[chan receive, locked to thread]:", "[chan receive, 12 minutes, locked to thread]:", 1)
			if err := os.WriteFile(filepath.Join(dir, "stack_all_edited_minutes.txt"), []byte(edited), 0o644); err != nil {
				return err
			}
		}
		fmt.Printf("%s/%s.txt: %d bytes\n", dir, v.name, len(out))
	}
	return nil
}

func run(src, bin string, env []string, v variant) (string, error) {
	env = append(env[:len(env):len(env)], v.env...)
	var cmd *exec.Cmd
	switch {
	case v.test:
		out := filepath.Join(src, "synctest.out")
		cmd = exec.Command("go", "test", "-run", "TestBubble", ".")
		cmd.Dir = src
		cmd.Env = append(env, "FIXTURE_OUT="+out)
		if b, err := cmd.CombinedOutput(); err != nil {
			return "", fmt.Errorf("go test: %v\n%s", err, b)
		}
		b, err := os.ReadFile(out)
		return string(b), err
	case v.gorun:
		cmd = exec.Command("go", "run", ".", v.mode)
	default:
		cmd = exec.Command(bin, v.mode)
	}
	cmd.Dir = src
	cmd.Env = env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		return "", err
	}
	if v.signal {
		deadline := time.Now().Add(10 * time.Second)
		for !strings.Contains(stdout.String(), "ready") {
			if time.Now().After(deadline) {
				cmd.Process.Kill()
				return "", errors.New("program never said ready")
			}
			time.Sleep(20 * time.Millisecond)
		}
		cmd.Process.Signal(syscall.SIGQUIT)
	}
	err := cmd.Wait()
	if v.stderr {
		if err == nil {
			return "", errors.New("program exited 0, want a traceback")
		}
		return stderr.String(), nil
	}
	if err != nil {
		return "", fmt.Errorf("%v\n%s", err, stderr.String())
	}
	return stdout.String(), nil
}

func output(dir string, env []string, name string, args ...string) (string, error) {
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = env
	b, err := cmd.Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return "", fmt.Errorf("%s %s: %v\n%s", name, strings.Join(args, " "), err, ee.Stderr)
		}
		return "", err
	}
	return string(b), nil
}
