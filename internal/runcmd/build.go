package runcmd

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"go/version"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"

	"github.com/leakhound/leakhound/internal/instrument"
)

// modulePath is the import path of leakhound's module, which holds the
// tracker package linked into instrumented programs.
const modulePath = "github.com/leakhound/leakhound"

// trackImport is the import path of the tracker package.
const trackImport = modulePath + "/track"

// Environment variables read by leakhound run and test.
const (
	// envSource names leakhound's source directory (the module holding the
	// tracker), when the binary cannot find it by itself.
	envSource = "LEAKHOUND_SOURCE"
	// envCache names leakhound's cache directory (default: leakhound under
	// the user cache directory): generated instrumentation, GOROOT mirrors.
	envCache = "LEAKHOUND_CACHE"
)

// goEnv is what leakhound needs to know about the go command in use.
type goEnv struct {
	GOROOT     string
	GOVERSION  string
	GOMODCACHE string
}

func readGoEnv(dir string) (*goEnv, error) {
	out, err := goOutput(dir, "env", "-json", "GOROOT", "GOVERSION", "GOMODCACHE")
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

// build is one instrumented build: its overlay and its environment.
type build struct {
	env     *goEnv
	goBin   string              // the go command to run
	goVars  []string            // environment it needs besides ours
	work    string              // temporary directory, removed by cleanup
	extra   map[string]string   // overlay entries besides the standard library
	overlay string              // path of the -overlay file, once written
	source  string              // leakhound's source directory
	modDone map[string]bool     // go.mod files already wired to the tracker
	std     *instrument.Overlay // the instrumented standard library, once generated
}

func newBuild(dir string) (*build, error) {
	env, err := readGoEnv(dir)
	if err != nil {
		return nil, err
	}
	if runtime.GOOS == "windows" || runtime.GOOS == "plan9" {
		return nil, fmt.Errorf("instrumented builds are not supported yet on %s", runtime.GOOS)
	}
	b := &build{env: env, goBin: "go", extra: map[string]string{}, modDone: map[string]bool{}}
	if under(env.GOROOT, env.GOMODCACHE) {
		// A toolchain fetched by GOTOOLCHAIN lives in the module cache,
		// whose files an overlay may not replace: build through a mirror.
		cache, err := cacheDir()
		if err != nil {
			return nil, err
		}
		mirror, err := mirrorGOROOT(env.GOROOT, filepath.Join(cache, "goroot", env.GOVERSION))
		if err != nil {
			return nil, err
		}
		b.env.GOROOT = mirror
		b.goBin = filepath.Join(mirror, "bin", "go")
		b.goVars = []string{"GOROOT=" + mirror, "GOTOOLCHAIN=local"}
	}
	if b.work, err = os.MkdirTemp("", "leakhound-"); err != nil {
		return nil, err
	}
	return b, nil
}

// under reports whether path is inside dir.
func under(path, dir string) bool {
	if dir == "" {
		return false
	}
	rel, err := filepath.Rel(dir, path)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, "../")
}

// mirrorGOROOT makes dir a GOROOT whose entries are symbolic links to those
// of goroot, unless it exists, and returns it.
func mirrorGOROOT(goroot, dir string) (string, error) {
	if _, err := os.Stat(filepath.Join(dir, "bin", "go")); err == nil {
		return dir, nil
	}
	entries, err := os.ReadDir(goroot)
	if err != nil {
		return "", fmt.Errorf("mirror GOROOT: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return "", fmt.Errorf("mirror GOROOT: %w", err)
	}
	tmp, err := os.MkdirTemp(filepath.Dir(dir), "tmp-")
	if err != nil {
		return "", fmt.Errorf("mirror GOROOT: %w", err)
	}
	defer os.RemoveAll(tmp)
	for _, e := range entries {
		if err := os.Symlink(filepath.Join(goroot, e.Name()), filepath.Join(tmp, e.Name())); err != nil {
			return "", fmt.Errorf("mirror GOROOT: %w", err)
		}
	}
	if err := os.Rename(tmp, dir); err != nil {
		if _, serr := os.Stat(filepath.Join(dir, "bin", "go")); serr == nil {
			return dir, nil // made by another leakhound at the same time
		}
		return "", fmt.Errorf("mirror GOROOT: %w", err)
	}
	return dir, nil
}

// goCommand returns the go command of the build with its environment.
func (b *build) goCommand(args ...string) *exec.Cmd {
	cmd := exec.Command(b.goBin, args...)
	cmd.Env = b.environ()
	return cmd
}

func (b *build) cleanup() { os.RemoveAll(b.work) }

// inject adds to package p (listed by go list) a file importing the tracker,
// in package pkgName, and wires p's module to leakhound's source when it is
// another module. It returns the path of the added file.
func (b *build) inject(p listedPackage, fileName, pkgName string) (string, error) {
	if p.Module == nil {
		return "", fmt.Errorf("%s is not in a module: leakhound needs a go.mod to add its tracker (run \"go mod init\")", p.Dir)
	}
	src := fmt.Sprintf("// Code generated by leakhound; DO NOT EDIT.\n\npackage %s\n\nimport _ %q\n", pkgName, trackImport)
	path := filepath.Join(p.Dir, fileName)
	if err := b.add(path, []byte(src)); err != nil {
		return "", err
	}
	if p.Module.Path == modulePath || b.modDone[p.Module.GoMod] {
		return path, nil
	}
	b.modDone[p.Module.GoMod] = true
	return path, b.wireModule(p.Module.GoMod)
}

// add puts a file with data at path in the overlay.
func (b *build) add(path string, data []byte) error {
	name := fmt.Sprintf("f%d-%s", len(b.extra), filepath.Base(path))
	file := filepath.Join(b.work, name)
	if err := os.WriteFile(file, data, 0o644); err != nil {
		return err
	}
	b.extra[path] = file
	return nil
}

// wireModule overlays goMod (and its go.sum) so that the module requires
// leakhound's module, replaced by its source directory.
func (b *build) wireModule(goMod string) error {
	if goMod == "" {
		return errors.New("the program's module has no go.mod: leakhound needs one to add its tracker (run \"go mod init\")")
	}
	data, err := os.ReadFile(goMod)
	if err != nil {
		return err
	}
	if b.source == "" {
		if b.source, err = sourceDir(); err != nil {
			return err
		}
	}
	own, err := os.ReadFile(filepath.Join(b.source, "go.mod"))
	if err != nil {
		return err
	}
	mod := raiseGoVersion(string(data), goDirective(string(own)))
	if !strings.Contains(mod, modulePath) {
		mod += fmt.Sprintf("\nrequire %s v0.0.0-00010101000000-000000000000\n", modulePath)
	}
	if !strings.Contains(mod, "replace "+modulePath) {
		mod += fmt.Sprintf("\nreplace %s => %s\n", modulePath, b.source)
	}
	if err := b.add(goMod, []byte(mod)); err != nil {
		return err
	}
	sum, _ := os.ReadFile(strings.TrimSuffix(goMod, ".mod") + ".sum")
	ownSum, err := os.ReadFile(filepath.Join(b.source, "go.sum"))
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return b.add(strings.TrimSuffix(goMod, ".mod")+".sum", append(append(sum, '\n'), ownSum...))
}

// goDirective returns the version of the "go" line of a go.mod ("1.26.0"),
// or "".
func goDirective(mod string) string {
	for _, line := range strings.Split(mod, "\n") {
		if f := strings.Fields(line); len(f) == 2 && f[0] == "go" {
			return f[1]
		}
	}
	return ""
}

// raiseGoVersion returns mod with its "go" line raised to at least v: a
// module must declare at least the Go version of the modules it requires.
func raiseGoVersion(mod, v string) string {
	have := goDirective(mod)
	if v == "" || have == "" || version.Compare("go"+have, "go"+v) >= 0 {
		return mod
	}
	lines := strings.Split(mod, "\n")
	for i, line := range lines {
		if f := strings.Fields(line); len(f) == 2 && f[0] == "go" {
			lines[i] = "go " + v
			break
		}
	}
	return strings.Join(lines, "\n")
}

// writeOverlay generates (or finds in the cache) the instrumented standard
// library and writes the -overlay file with the extra entries.
func (b *build) writeOverlay() error {
	ov, err := b.instrumentation()
	if err != nil {
		return err
	}
	b.overlay = filepath.Join(b.work, "overlay.json")
	return instrument.WriteOverlayFile(b.overlay, ov, b.extra)
}

// instrumentation returns the instrumented standard library of the build's
// GOROOT, generating it (or finding it in the cache) on first use.
func (b *build) instrumentation() (*instrument.Overlay, error) {
	if b.std != nil {
		return b.std, nil
	}
	cache, err := cacheDir()
	if err != nil {
		return nil, err
	}
	b.std, err = instrument.Generate(b.env.GOROOT, b.env.GOVERSION, filepath.Join(cache, "instrument"), toolVersion())
	return b.std, err
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

// environ returns the environment of the go command: on Go 1.26 it turns on
// the goroutineleak profile, so goroutine leaks can be proven.
func (b *build) environ() []string {
	env := append(os.Environ(), b.goVars...)
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
	return "", fmt.Errorf("cannot find leakhound's source (its tracker package is linked into the program): set %s to the directory of the github.com/leakhound/leakhound module", envSource)
}

func isLeakhoundModule(dir string) bool {
	data, err := os.ReadFile(filepath.Join(dir, "go.mod"))
	return err == nil && strings.HasPrefix(strings.TrimSpace(string(data)), "module "+modulePath+"\n")
}
