// Package config reads leakhound's configuration file, .leakhound.yaml or
// .leakhound.json (docs/config.md): ignore rules, thresholds, and what
// leakhound vet checks. A command finds it by walking up from the package
// directory to the module root, or is given one with -config. Errors name
// the file and line. The format itself is read by package configfile, from
// a document tree that this package builds from YAML (and configfile from
// JSON), so that both formats read the same.
package config

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/leakhound/leakhound/internal/configfile"
	"github.com/leakhound/leakhound/internal/policy"
)

// Names are the file names a command looks for, in this order; two of them
// in one directory are an error.
var Names = []string{".leakhound.yaml", ".leakhound.yml", ".leakhound.json"}

// Config is a configuration file, read: see [configfile.Config]. The
// methods here serve the commands.
type Config configfile.Config

// The parts of a Config.
type (
	Package = configfile.Package
	Vet     = configfile.Vet
	Item    = configfile.Item
)

// For returns the entry of the packages section that applies to the
// package pkg: the first whose path matches it; nil when none does.
func (c *Config) For(pkg string) *Package {
	for i := range c.Packages {
		if policy.PackageMatches(c.Packages[i].Path, pkg) {
			return &c.Packages[i]
		}
	}
	return nil
}

// VetFor returns the vet settings for the package pkg: the file's, with
// those of the entry of pkg ([Config.For]) over them.
func (c *Config) VetFor(pkg string) Vet {
	v := c.Vet
	if e := c.For(pkg); e != nil {
		if e.Vet.Enable != nil {
			v.Enable = e.Vet.Enable
		}
		if e.Vet.Disable != nil {
			v.Disable = e.Vet.Disable
		}
		v.Skip = append(slices.Clip(v.Skip), e.Vet.Skip...)
	}
	return v
}

// Dir is the directory of the file, to which vet's skip paths are
// relative; "" without a file.
func (c *Config) Dir() string {
	if c.Path == "" {
		return ""
	}
	return filepath.Dir(c.Path)
}

// Load returns the configuration for a command: the file named by explicit
// (-config) when given, else the one found from dir up to the module root
// (see [Find]), else an empty Config.
func Load(explicit, dir string) (*Config, error) {
	path := explicit
	if path == "" {
		var err error
		if path, err = Find(dir); err != nil || path == "" {
			return &Config{}, err
		}
	}
	return Read(path)
}

// StartDir is where the search for the configuration starts, for a
// command given the package patterns or .go files args: the directory of
// the first that is a path ("./x/...": "./x"), else ".".
func StartDir(args []string) string {
	for _, a := range args {
		a = strings.TrimSuffix(a, "/...")
		if a == "." || strings.HasPrefix(a, "./") || strings.HasPrefix(a, "../") || filepath.IsAbs(a) {
			if strings.HasSuffix(a, ".go") {
				return filepath.Dir(a)
			}
			return a
		}
	}
	return "."
}

// Find returns the configuration file in dir or the nearest directory
// above it, up to the module root (the directory holding go.mod) or the
// file system's root; "" when there is none.
func Find(dir string) (string, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	for {
		var found []string
		for _, name := range Names {
			p := filepath.Join(dir, name)
			if _, err := os.Stat(p); err == nil {
				found = append(found, p)
			}
		}
		switch {
		case len(found) > 1:
			return "", fmt.Errorf("%s and %s are both leakhound configurations: keep one", found[0], found[1])
		case len(found) == 1:
			return found[0], nil
		}
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return "", nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", nil
		}
		dir = parent
	}
}

// Read reads the configuration file at path: YAML, or JSON when its name
// ends in .json. Both become one document tree, which
// [configfile.Decode] reads: the same keys, checks and messages in either
// format.
func Read(path string) (*Config, error) {
	if strings.HasSuffix(path, ".json") {
		c, err := configfile.ReadJSON(path)
		return (*Config)(c), err
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read the leakhound configuration: %w", err)
	}
	doc, err := parseYAML(path, data)
	if err != nil {
		return nil, err
	}
	c, err := configfile.Decode(path, doc)
	return (*Config)(c), err
}
