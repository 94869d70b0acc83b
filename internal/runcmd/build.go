package runcmd

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"

	"github.com/leakhound/leakhound/internal/instrument"
	"github.com/leakhound/leakhound/internal/policy"
	"golang.org/x/mod/modfile"
)

// modulePath is the import path of leakhound's module, whose tracker
// packages are copied into the instrumented GOROOT.
const modulePath = "github.com/leakhound/leakhound"

// Environment variables read by leakhound run and test.
const (
	// envSource names leakhound's source directory (the module holding the
	// tracker's packages), when the binary cannot find it by itself.
	envSource = "LEAKHOUND_SOURCE"
	// envCache names leakhound's cache directory (default: leakhound under
	// the user cache directory): instrumented GOROOTs.
	envCache = "LEAKHOUND_CACHE"
)

// goEnv is what leakhound needs to know about the go command in use.
type goEnv struct {
	GOROOT    string
	GOVERSION string
}

func readGoEnv(dir string) (*goEnv, error) {
	out, err := goOutput(dir, "env", "-json", "GOROOT", "GOVERSION")
	if err != nil {
		return nil, err
	}
	var env goEnv
	if err := json.Unmarshal(out, &env); err != nil {
		return nil, fmt.Errorf("read go env: %w", err)
	}
	return &env, nil
}

// goOutput runs the go command in dir and returns its standard output; its
// standard error becomes the error.
func goOutput(dir string, args ...string) ([]byte, error) {
	cmd := exec.Command("go", args...)
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		msg := strings.TrimSpace(stderr.String())
		if msg == "" {
			msg = err.Error()
		}
		return nil, fmt.Errorf("go %s: %s", args[0], msg)
	}
	return out, nil
}

// listedPackage is the part of "go list -json" leakhound uses.
type listedPackage struct {
	ImportPath   string
	Dir          string
	Name         string
	GoFiles      []string
	TestGoFiles  []string
	XTestGoFiles []string
	Module       *struct {
		Path  string
		Dir   string
		GoMod string
	}
	Error *struct{ Err string }
}

func goList(dir string, args ...string) ([]listedPackage, error) {
	out, err := goOutput(dir, append([]string{"list", "-e", "-json=ImportPath,Dir,Name,GoFiles,TestGoFiles,XTestGoFiles,Module,Error"}, args...)...)
	if err != nil {
		return nil, err
	}
	var pkgs []listedPackage
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p listedPackage
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			return nil, fmt.Errorf("read go list: %w", err)
		}
		if p.Error != nil {
			return nil, fmt.Errorf("%s: %s", p.ImportPath, p.Error.Err)
		}
		pkgs = append(pkgs, p)
	}
	return pkgs, nil
}

// build is one instrumented build: the instrumented GOROOT and the
// environment of its go command.
type build struct {
	env  *goEnv           // the toolchain the module would use
	root *instrument.Root // its instrumented GOROOT
	work string           // temporary directory, removed by cleanup
}

// newBuild finds the toolchain go would use in dir and its instrumented
// GOROOT, making it on first use.
func newBuild(dir string) (*build, error) {
	root, env, err := instrumentedRoot(dir)
	if err != nil {
		return nil, err
	}
	work, err := os.MkdirTemp("", "leakhound-")
	if err != nil {
		return nil, err
	}
	return &build{env: env, root: root, work: work}, nil
}

// instrumentedRoot returns the instrumented GOROOT of the toolchain that the
// go command selects in dir, making it on first use. It is where run, test
// and goroot refuse systems the instrumentation does not support.
func instrumentedRoot(dir string) (*instrument.Root, *goEnv, error) {
	if runtime.GOOS == "windows" || runtime.GOOS == "plan9" {
		return nil, nil, fmt.Errorf("run, test and goroot are not supported on %s yet (the instrumented standard library is made for unix systems); the library, vet and inspect work here", runtime.GOOS)
	}
	env, err := readGoEnv(dir)
	if err != nil {
		return nil, nil, err
	}
	cache, err := cacheDir()
	if err != nil {
		return nil, nil, err
	}
	source, err := sourceDir()
	if err != nil {
		return nil, nil, err
	}
	root, err := instrument.Build(instrument.Config{
		GOROOT:      env.GOROOT,
		GoVersion:   env.GOVERSION,
		CacheDir:    cache,
		Source:      source,
		ToolVersion: toolVersion(),
	})
	if err != nil {
		return nil, nil, err
	}
	return root, env, nil
}

// goCommand returns the instrumented go command with args and its
// environment.
func (b *build) goCommand(args ...string) *exec.Cmd {
	cmd := exec.Command(b.root.Go(), args...)
	cmd.Env = b.environ()
	return cmd
}

func (b *build) cleanup() { os.RemoveAll(b.work) }

// mainFile adds to the main package p (listed by go list) a file importing
// the package of the instrumented GOROOT that links the tracker in, through
// an overlay (nothing is written in the program's directory), and returns
// the path of the overlay file and of the added file.
func (b *build) mainFile(p listedPackage) (overlay, added string, err error) {
	added = filepath.Join(p.Dir, "zz_leakhound_run.go")
	src := fmt.Sprintf("// Code generated by leakhound; DO NOT EDIT.\n\npackage main\n\nimport _ %q\n", instrument.RunImport)
	file := filepath.Join(b.work, "zz_leakhound_run.go")
	if err := os.WriteFile(file, []byte(src), 0o644); err != nil {
		return "", "", err
	}
	data, err := json.Marshal(struct{ Replace map[string]string }{map[string]string{added: file}})
	if err != nil {
		return "", "", err
	}
	overlay = filepath.Join(b.work, "overlay.json")
	return overlay, added, os.WriteFile(overlay, data, 0o644)
}

// cacheDir returns leakhound's cache directory: $LEAKHOUND_CACHE, or
// leakhound under the user cache directory.
func cacheDir() (string, error) {
	if dir := os.Getenv(envCache); dir != "" {
		return dir, nil
	}
	dir, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("find a cache directory: %w (set %s)", err, envCache)
	}
	return filepath.Join(dir, "leakhound"), nil
}

// environ returns the environment of the instrumented go command: its
// GOROOT, the toolchain already selected (GOTOOLCHAIN=local), and on Go 1.26
// the goroutineleak profile, so goroutine leaks can be proven.
func (b *build) environ() []string {
	env := append(os.Environ(), "GOROOT="+b.root.Dir, "GOTOOLCHAIN=local")
	if strings.HasPrefix(b.env.GOVERSION, "go1.26") {
		exp := os.Getenv("GOEXPERIMENT")
		if !strings.Contains(exp, "goroutineleakprofile") {
			if exp != "" {
				exp += ","
			}
			env = append(env, "GOEXPERIMENT="+exp+"goroutineleakprofile")
		}
	}
	return env
}

// toolVersion is leakhound's version as the go command recorded it (with the
// VCS revision when built from a checkout), for the instrumentation cache key.
func toolVersion() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	v := bi.Main.Version
	for _, s := range bi.Settings {
		if s.Key == "vcs.revision" || s.Key == "vcs.modified" {
			v += " " + s.Value
		}
	}
	return v
}

// sourceDir returns the directory of leakhound's module source: $LEAKHOUND_SOURCE,
// else the directory this binary was compiled from (when built without
// -trimpath, from a checkout or the module cache), else the module cache
// entry of this binary's version, downloaded with "go mod download".
func sourceDir() (string, error) {
	if dir := os.Getenv(envSource); dir != "" {
		return dir, nil
	}
	if _, file, _, ok := runtime.Caller(0); ok && filepath.IsAbs(file) {
		dir := filepath.Dir(filepath.Dir(filepath.Dir(file)))
		if isLeakhoundModule(dir) {
			return dir, nil
		}
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Path == modulePath && strings.HasPrefix(bi.Main.Version, "v") {
		out, err := goOutput(".", "mod", "download", "-json", modulePath+"@"+bi.Main.Version)
		if err == nil {
			var m struct{ Dir string }
			if json.Unmarshal(out, &m) == nil && isLeakhoundModule(m.Dir) {
				return m.Dir, nil
			}
		}
	}
	return "", fmt.Errorf("cannot find leakhound's source (its tracker is copied into the instrumented standard library): set %s to the directory of the github.com/leakhound/leakhound module", envSource)
}

// isLeakhoundModule reports whether dir holds the module leakhound is
// built from.
func isLeakhoundModule(dir string) bool {
	data, err := os.ReadFile(filepath.Join(dir, "go.mod"))
	return err == nil && modfile.ModulePath(data) == modulePath
}

// writePolicy writes p for the tracker into the work directory and returns
// the environment variable that names it: none when p is nil.
func (b *build) writePolicy(p *policy.Policy) ([]string, error) {
	if p == nil {
		return nil, nil
	}
	path := filepath.Join(b.work, "policy.json")
	if err := p.Write(path); err != nil {
		return nil, err
	}
	return []string{policy.Env + "=" + path}, nil
}
