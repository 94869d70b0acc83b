package instrument

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"go/parser"
	"go/token"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// modulePath is the import path of leakhound's module, whose tracker
// packages are copied into the instrumented GOROOT.
const modulePath = "github.com/leakhound/leakhound"

// stdPrefix is where the tracker's packages live in the instrumented GOROOT:
// an internal directory of the standard library, which only standard
// packages may import.
const stdPrefix = "internal/leakhound"

// TrackerImport is the import path of the tracker in the instrumented GOROOT.
const TrackerImport = stdPrefix + "/track"

// RunImport is the import path of the package that links the tracker into a
// program (leakhound run adds a file importing it to the main package): the
// one package of the instrumented GOROOT outside internal/, so that a
// program may import it.
const RunImport = "leakhoundrun"

// trackerPackages are the packages of leakhound's module that the tracker is
// made of, by directory relative to the module root. They import only the
// standard library and each other (TestTrackerPackagesAreStdlibOnly).
var trackerPackages = []string{
	"report",
	"internal/stack",
	"internal/heapdump",
	"internal/retain",
	"internal/verdict",
	"internal/gcqueue",
	"internal/policy",
	"internal/fdtable",
	"track",
}

// Config says which GOROOT to instrument and where the result is kept.
type Config struct {
	GOROOT      string // the GOROOT of the toolchain in use
	GoVersion   string // its version, "go1.27.4"
	CacheDir    string // instrumented GOROOTs are kept in CacheDir/goroot
	Source      string // leakhound's module source, holding the tracker's packages
	ToolVersion string // leakhound's version, part of the cache key
}

// Root is an instrumented GOROOT.
type Root struct {
	Dir       string // the instrumented GOROOT
	Original  string // the GOROOT it was made from
	GoVersion string
}

// Go returns the path of the instrumented GOROOT's go command.
func (r *Root) Go() string { return filepath.Join(r.Dir, "bin", "go") }

// Packages returns the import paths of the standard-library packages the
// instrumentation of Go goVersion ("go1.27.4") patches or adds files to,
// sorted.
func Packages(goVersion string) []string {
	var pkgs []string
	for _, p := range stdPatches {
		if p.applies(goVersion) {
			pkgs = append(pkgs, p.dir)
		}
	}
	slices.Sort(pkgs)
	return slices.Compact(pkgs)
}

// markerFile, written last into an instrumented GOROOT, says it is complete.
const markerFile = "leakhound.json"

// Build returns the instrumented GOROOT of c, making it under c.CacheDir
// unless it is there already. The cache key covers the original GOROOT, its
// version, this package's [Version], leakhound's version, the patches and
// the tracker's sources, so that a changed patch or tracker never reuses an
// old GOROOT. An index of what each GOROOT was made from (see inputKey)
// finds it again without making its files.
func Build(c Config) (*Root, error) {
	if c.GOROOT == "" || c.GoVersion == "" {
		return nil, errors.New("instrument: GOROOT and Go version are required")
	}
	key, keyErr := inputKey(c)
	if keyErr == nil {
		if dir, ok := lookupIndex(c.CacheDir, key); ok {
			return &Root{Dir: dir, Original: c.GOROOT, GoVersion: c.GoVersion}, nil
		}
	}
	root, err := build(c)
	if err == nil && keyErr == nil {
		writeIndex(c.CacheDir, key, root.Dir)
	}
	return root, err
}

// build makes the files of the instrumented GOROOT of c, and the GOROOT
// under their hash unless it is there already.
func build(c Config) (*Root, error) {
	files, err := generate(c)
	if err != nil {
		return nil, err
	}
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%s\x00%s\x00%s\x00", c.GOROOT, c.GoVersion, Version, c.ToolVersion)
	for _, name := range sortedKeys(files) {
		fmt.Fprintf(h, "%s\x00%d\x00", name, len(files[name]))
		h.Write(files[name])
	}
	root := &Root{
		Dir:       filepath.Join(c.CacheDir, "goroot", c.GoVersion+"-"+hex.EncodeToString(h.Sum(nil)[:6])),
		Original:  c.GOROOT,
		GoVersion: c.GoVersion,
	}
	if _, err := os.Stat(filepath.Join(root.Dir, markerFile)); err == nil {
		return root, nil
	}
	if err := os.MkdirAll(filepath.Dir(root.Dir), 0o755); err != nil {
		return nil, fmt.Errorf("create the instrumented GOROOT: %w", err)
	}
	tmp, err := os.MkdirTemp(filepath.Dir(root.Dir), "tmp-")
	if err != nil {
		return nil, fmt.Errorf("create the instrumented GOROOT: %w", err)
	}
	defer os.RemoveAll(tmp)
	if err := os.Chmod(tmp, 0o755); err != nil { // MkdirTemp made it private
		return nil, fmt.Errorf("create the instrumented GOROOT: %w", err)
	}
	if err := writeRoot(c.GOROOT, tmp, files); err != nil {
		return nil, fmt.Errorf("create the instrumented GOROOT: %w", err)
	}
	marker, _ := json.Marshal(map[string]string{"goroot": c.GOROOT, "go": c.GoVersion, "instrumentation": Version, "leakhound": c.ToolVersion})
	if err := os.WriteFile(filepath.Join(tmp, markerFile), marker, 0o644); err != nil {
		return nil, fmt.Errorf("create the instrumented GOROOT: %w", err)
	}
	if err := os.Rename(tmp, root.Dir); err != nil {
		// Another leakhound made it at the same time: use theirs.
		if _, serr := os.Stat(filepath.Join(root.Dir, markerFile)); serr == nil {
			return root, nil
		}
		return nil, fmt.Errorf("save the instrumented GOROOT: %w", err)
	}
	return root, nil
}

// generate returns the files of the instrumented GOROOT that differ from the
// original, by slash-separated path relative to GOROOT.
func generate(c Config) (map[string][]byte, error) {
	files := map[string][]byte{}
	var errs []error
	for _, p := range stdPatches {
		if !p.applies(c.GoVersion) {
			continue
		}
		if err := generatePkg(c.GOROOT, p, files); err != nil {
			errs = append(errs, fmt.Errorf("package %s: %w", p.dir, err))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("cannot instrument the standard library of %s (a patch point is missing; this Go version is not supported yet): %w", c.GoVersion, err)
	}
	if err := addTracker(c.Source, files); err != nil {
		return nil, err
	}
	files["src/"+RunImport+"/run.go"] = []byte(runPackage)
	env, err := goEnvFile(c.GOROOT, c.GoVersion)
	if err != nil {
		return nil, err
	}
	files["go.env"] = env
	return files, nil
}

// runPackage is the package leakhound run imports from a program.
const runPackage = `// Code generated by leakhound; DO NOT EDIT.

// Package leakhoundrun links leakhound's tracker into a program:
// leakhound run adds a file importing it to the program's main package.
package leakhoundrun

import _ "` + TrackerImport + `"
`

func generatePkg(goroot string, p pkgPatch, files map[string][]byte) error {
	src := filepath.Join(goroot, "src", filepath.FromSlash(p.dir))
	orig, err := readPackage(src)
	if err != nil {
		return err
	}
	names, err := declaredNames(orig)
	if err != nil {
		return err
	}
	var missing []string
	for _, n := range p.requires {
		if !names[n] {
			missing = append(missing, n)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("%s not declared", strings.Join(missing, ", "))
	}
	for name, edits := range p.files {
		data, ok := orig[name]
		if !ok {
			return fmt.Errorf("file %s not found", name)
		}
		patched, err := patchFile(name, data, edits)
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		files[path.Join("src", p.dir, name)] = patched
	}
	if p.added == "" {
		return nil
	}
	data, err := stdFiles.ReadFile("stdfiles/" + p.added)
	if err != nil {
		return err
	}
	data = bytes.ReplaceAll(data, []byte(`"LEAKHOUND_REAL_GOROOT"`), []byte(strconv.Quote(goroot)))
	files[path.Join("src", p.dir, "zz_leakhound.go")] = data
	for _, name := range p.byVersion {
		data, err := stdFiles.ReadFile("stdfiles/" + name)
		if err != nil {
			return err
		}
		files[path.Join("src", p.dir, "zz_leakhound_"+strings.TrimSuffix(strings.TrimPrefix(name, path.Base(p.dir)+"_"), ".go.txt")+".go")] = data
	}
	return nil
}

// addTracker copies the tracker's packages from leakhound's source into
// files, under src/internal/leakhound, with their imports of each other
// rewritten. Only the standard library and these packages may be imported.
func addTracker(source string, files map[string][]byte) error {
	if source == "" {
		return errors.New("instrument: leakhound's source directory is required (it holds the tracker)")
	}
	for _, rel := range trackerPackages {
		dir := filepath.Join(source, filepath.FromSlash(rel))
		srcs, err := readPackage(dir)
		if err != nil {
			return fmt.Errorf("copy the tracker: %w", err)
		}
		for name, data := range srcs {
			out, err := rewriteImports(data)
			if err != nil {
				return fmt.Errorf("copy the tracker: %s: %w", filepath.Join(dir, name), err)
			}
			files[path.Join("src", stdPrefix, rel, name)] = out
		}
	}
	return nil
}

// rewriteImports returns the Go source data with its imports of the
// tracker's packages moved under stdPrefix. An import of any other package
// of leakhound's module (or of another module) is an error: the standard
// library may not import it.
func rewriteImports(data []byte) ([]byte, error) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "", data, parser.ImportsOnly)
	if err != nil {
		return nil, err
	}
	var out bytes.Buffer
	last := 0
	for _, imp := range f.Imports {
		p, err := strconv.Unquote(imp.Path.Value)
		if err != nil {
			return nil, err
		}
		first, _, _ := strings.Cut(p, "/")
		if !strings.Contains(first, ".") {
			continue // the standard library
		}
		rel, ok := strings.CutPrefix(p, modulePath+"/")
		if !ok || !slices.Contains(trackerPackages, rel) {
			return nil, fmt.Errorf("imports %s, which the instrumented standard library cannot carry: the tracker may import only the standard library and %s", p, strings.Join(trackerPackages, ", "))
		}
		start, end := fset.Position(imp.Path.Pos()).Offset, fset.Position(imp.Path.End()).Offset
		out.Write(data[last:start])
		out.WriteString(strconv.Quote(stdPrefix + "/" + rel))
		last = end
	}
	out.Write(data[last:])
	return out.Bytes(), nil
}

// goEnvFile returns the go.env of the instrumented GOROOT: the original's,
// with GOTOOLCHAIN=local (a go.mod asking for another toolchain must not
// silently build without the instrumentation) and, on Go 1.26, the
// goroutineleak profile experiment (so that goroutine leaks can be proven).
func goEnvFile(goroot, goVersion string) ([]byte, error) {
	data, err := os.ReadFile(filepath.Join(goroot, "go.env"))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("read go.env: %w", err)
	}
	var b bytes.Buffer
	for _, line := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(line, "GOTOOLCHAIN=") || strings.HasPrefix(line, "GOEXPERIMENT=") {
			continue
		}
		if line != "" {
			b.WriteString(line + "\n")
		}
	}
	b.WriteString("\n# Added by leakhound: build with this instrumented toolchain only.\nGOTOOLCHAIN=local\n")
	if strings.HasPrefix(goVersion, "go1.26") {
		b.WriteString("# Added by leakhound: goroutine leaks can be proven.\nGOEXPERIMENT=goroutineleakprofile\n")
	}
	return b.Bytes(), nil
}

// writeRoot makes dir a GOROOT: files (relative paths) are written, the go
// and gofmt commands are copied (a go command finds its GOROOT from its own
// location), and everything else is the original's: the source tree (src)
// is made of real directories whose files are hard links to the original
// ones (symbolic links where the file system refuses), so that a test that
// reads its package's directory sees it as it is, and the other top-level
// entries are symbolic links.
func writeRoot(goroot, dir string, files map[string][]byte) error {
	entries, err := os.ReadDir(goroot)
	if err != nil {
		return err
	}
	for _, e := range entries {
		from, to := filepath.Join(goroot, e.Name()), filepath.Join(dir, e.Name())
		switch {
		case files[e.Name()] != nil:
			// written below
		case e.Name() == "bin" && e.IsDir():
			if err := copyDir(from, to, copyFile); err != nil {
				return err
			}
		case e.Name() == "src" && e.IsDir():
			if err := copyDir(from, to, linkFile); err != nil {
				return err
			}
		default:
			if err := os.Symlink(from, to); err != nil {
				return err
			}
		}
	}
	for _, name := range sortedKeys(files) {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		// Written beside and renamed over: p may be a hard link to the
		// original, which must not change.
		tmp := p + ".leakhound-tmp"
		if err := os.WriteFile(tmp, files[name], 0o644); err != nil {
			return err
		}
		if err := os.Rename(tmp, p); err != nil {
			return err
		}
	}
	return nil
}

// copyDir makes to a tree of real directories like from, whose files are
// made by file.
func copyDir(from, to string, file func(from, to string) error) error {
	return filepath.WalkDir(from, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(from, p)
		if err != nil {
			return err
		}
		target := filepath.Join(to, rel)
		switch {
		case d.IsDir():
			return os.MkdirAll(target, 0o755)
		case d.Type()&fs.ModeSymlink != 0:
			link, err := os.Readlink(p)
			if err != nil {
				return err
			}
			return os.Symlink(link, target)
		default:
			return file(p, target)
		}
	})
}

// linkFile makes to a hard link to from, or a symbolic link where the file
// system refuses hard links.
func linkFile(from, to string) error {
	if err := os.Link(from, to); err == nil {
		return nil
	}
	return os.Symlink(from, to)
}

// copyFile copies the executable from to to: a hard link where the file
// system allows it, else a copy.
func copyFile(from, to string) error {
	if err := os.Link(from, to); err == nil {
		return nil
	}
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o755)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// readPackage returns the non-test Go files of the directory dir by name.
func readPackage(dir string) (map[string][]byte, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("read package: %w", err)
	}
	files := map[string][]byte{}
	for _, e := range entries {
		n := e.Name()
		if e.IsDir() || !strings.HasSuffix(n, ".go") || strings.HasSuffix(n, "_test.go") {
			continue
		}
		data, err := os.ReadFile(filepath.Join(dir, n))
		if err != nil {
			return nil, fmt.Errorf("read package: %w", err)
		}
		files[n] = data
	}
	return files, nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
