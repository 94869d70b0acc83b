package instrument

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"os"
	"path/filepath"
	"strings"
)

// Making the files of an instrumented GOROOT means parsing and patching
// every patched package (the runtime's hundreds of files): about 0.3 s,
// which every leakhound test and run would pay to learn a directory name
// it already knows. The index maps a hash of what the files are made from,
// taken without reading the standard library, to the GOROOT they made.

// indexDir is where the index lives, under the cache directory.
const indexDir = "index"

// inputKey hashes what the instrumented GOROOT of c is made from, cheaply:
// the names, sizes and modification times of the files of the patched
// standard packages; this executable's path, size and modification time
// (the patch table and the added files are compiled into it); the contents
// of the tracker's sources; and the versions. Any change to one of them
// gives another key, and the GOROOT is made (or found by its own key)
// again.
func inputKey(c Config) (string, error) {
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%s\x00%s\x00%s\x00", c.GOROOT, c.GoVersion, Version, c.ToolVersion)
	exe, err := os.Executable()
	if err != nil {
		return "", err
	}
	if err := stamp(h, exe); err != nil {
		return "", err
	}
	for _, pkg := range Packages(c.GoVersion) { // each patched directory once
		dir := filepath.Join(c.GOROOT, "src", filepath.FromSlash(pkg))
		entries, err := os.ReadDir(dir)
		if err != nil {
			return "", err
		}
		for _, e := range entries {
			if !e.IsDir() && strings.HasSuffix(e.Name(), ".go") {
				if err := stamp(h, filepath.Join(dir, e.Name())); err != nil {
					return "", err
				}
			}
		}
	}
	for _, rel := range trackerPackages {
		srcs, err := readPackage(filepath.Join(c.Source, filepath.FromSlash(rel)))
		if err != nil {
			return "", err
		}
		for _, name := range sortedKeys(srcs) {
			fmt.Fprintf(h, "%s/%s\x00%d\x00", rel, name, len(srcs[name]))
			h.Write(srcs[name])
		}
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// stamp writes the path, size and modification time of a file to h.
func stamp(h hash.Hash, path string) error {
	fi, err := os.Stat(path)
	if err != nil {
		return err
	}
	fmt.Fprintf(h, "%s\x00%d\x00%d\x00", path, fi.Size(), fi.ModTime().UnixNano())
	return nil
}

// lookupIndex returns the complete instrumented GOROOT the index holds for
// key, if any.
func lookupIndex(cacheDir, key string) (string, bool) {
	data, err := os.ReadFile(filepath.Join(cacheDir, "goroot", indexDir, key))
	if err != nil {
		return "", false
	}
	name := strings.TrimSpace(string(data))
	if name == "" || strings.ContainsAny(name, `/\`) {
		return "", false
	}
	dir := filepath.Join(cacheDir, "goroot", name)
	if _, err := os.Stat(filepath.Join(dir, markerFile)); err != nil {
		return "", false
	}
	return dir, true
}

// writeIndex records that key made the GOROOT dir. It is a cache: a failure
// only costs the next run the full check.
func writeIndex(cacheDir, key, dir string) {
	idx := filepath.Join(cacheDir, "goroot", indexDir)
	if os.MkdirAll(idx, 0o755) != nil {
		return
	}
	tmp, err := os.CreateTemp(idx, "tmp-")
	if err != nil {
		return
	}
	_, werr := tmp.WriteString(filepath.Base(dir) + "\n")
	if cerr := tmp.Close(); werr != nil || cerr != nil {
		os.Remove(tmp.Name())
		return
	}
	if os.Rename(tmp.Name(), filepath.Join(idx, key)) != nil {
		os.Remove(tmp.Name())
	}
}
