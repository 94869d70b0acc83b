// Package config reads leakhound's configuration file, .leakhound.yaml or
// .leakhound.json (docs/config.md): ignore rules, thresholds, and what
// leakhound vet checks. A command finds it by walking up from the package
// directory to the module root, or is given one with -config. Errors name
// the file and line.
package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/leakhound/leakhound/internal/policy"
)

// Names are the file names a command looks for, in this order; two of them
// in one directory are an error.
var Names = []string{".leakhound.yaml", ".leakhound.yml", ".leakhound.json"}

// Config is a configuration file, read.
type Config struct {
	// Path is the file read; "" when there was none (an empty Config).
	Path string
	// Ignore are the ignore rules, each with the file:line it was written at.
	Ignore []policy.Rule
	// Held is the held-too-long threshold (nil: not set).
	Held *time.Duration
	// Retained says whether to measure retained memory (nil: not set).
	Retained *bool
	// Vet is what leakhound vet reads.
	Vet Vet
	// Packages are the per-package overrides, in the order written. Their
	// ignore rules are in Ignore, each limited to its entry's packages.
	Packages []Package
}

// Package is an entry of the packages section: thresholds and vet settings
// for the packages Path matches (an import path, or "path/..." for path
// and every package below it).
type Package struct {
	Path  string
	Where string // "file:line" of the entry
	// Held and Retained override the file's thresholds (nil: not set).
	Held     *time.Duration
	Retained *bool
	// Vet's Enable and Disable, when given, replace the file's; its Skip
	// patterns add to the file's.
	Vet Vet
}

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

// Vet is the vet section: analyzers to run and paths to skip.
type Vet struct {
	Enable  []Item // run only these analyzers
	Disable []Item // do not run these
	// Skip are path patterns, relative to the directory of the file
	// (path.Match syntax; "dir/..." for everything below dir): diagnostics
	// in matching files are dropped.
	Skip []Item
}

// Item is a value of a list in the file, with where it was written.
type Item struct {
	Value string
	Where string // "file:line"
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
// ends in .json.
func Read(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read the leakhound configuration: %w", err)
	}
	if strings.HasSuffix(path, ".json") {
		if err := checkJSON(data); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		// JSON is YAML, but for tabs, which JSON allows only between
		// tokens (never in a string): spaces keep every line.
		data = bytes.ReplaceAll(data, []byte("\t"), []byte(" "))
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	p := &parser{path: path, cfg: &Config{Path: path}}
	if len(doc.Content) > 0 {
		p.top(doc.Content[0])
	}
	if err := errors.Join(p.errs...); err != nil {
		return nil, err
	}
	if _, err := policy.New(nil, p.cfg.Ignore); err != nil {
		return nil, err
	}
	return p.cfg, nil
}

// checkJSON reports a JSON syntax error with its line.
func checkJSON(data []byte) error {
	var v any
	err := json.Unmarshal(data, &v)
	var syn *json.SyntaxError
	if errors.As(err, &syn) {
		line := 1 + bytes.Count(data[:syn.Offset], []byte("\n"))
		return fmt.Errorf("line %d: %v", line, err)
	}
	return err
}

// parser walks the YAML tree, collecting errors with their lines.
type parser struct {
	path string
	cfg  *Config
	errs []error
}

func (p *parser) where(n *yaml.Node) string { return fmt.Sprintf("%s:%d", p.path, n.Line) }

func (p *parser) errorf(n *yaml.Node, format string, args ...any) {
	p.errs = append(p.errs, fmt.Errorf("%s: %s", p.where(n), fmt.Sprintf(format, args...)))
}

// fields calls do for each key of the mapping n that is one of keys, and
// reports the others.
func (p *parser) fields(n *yaml.Node, what string, keys []string, do func(key string, v *yaml.Node)) {
	if n.Kind != yaml.MappingNode {
		p.errorf(n, "%s must be a mapping of %s", what, strings.Join(keys, ", "))
		return
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		switch {
		case !slices.Contains(keys, k.Value):
			p.errorf(k, "unknown key %q in %s: use one of %s", k.Value, what, strings.Join(keys, ", "))
		case seen[k.Value]:
			p.errorf(k, "%q given twice in %s", k.Value, what)
		default:
			seen[k.Value] = true
			do(k.Value, v)
		}
	}
}

// The keys of the file, by section (docs/leakhound.schema.json lists the
// same: TestSchemaMatchesParser).
var (
	topKeys       = []string{"version", "ignore", "thresholds", "vet", "packages", "$schema"}
	thresholdKeys = []string{"held", "retained"}
	vetKeys       = []string{"enable", "disable", "skip"}
	packageKeys   = []string{"path", "ignore", "thresholds", "vet"}
)

func (p *parser) top(n *yaml.Node) {
	p.fields(n, "the configuration", topKeys, func(key string, v *yaml.Node) {
		switch key {
		case "version":
			if v.Value != "1" {
				p.errorf(v, "version %q: this leakhound reads version 1", v.Value)
			}
		case "ignore":
			p.rules(v, "")
		case "thresholds":
			p.cfg.Held, p.cfg.Retained = p.thresholds(v)
		case "vet":
			p.cfg.Vet = p.vet(v)
		case "packages":
			if v.Kind != yaml.SequenceNode {
				p.errorf(v, "packages must be a list of entries, each with a path")
				return
			}
			for _, e := range v.Content {
				p.pkg(e)
			}
		}
	})
}

// pkg reads an entry of the packages section.
func (p *parser) pkg(n *yaml.Node) {
	e := Package{Where: p.where(n)}
	var ignore *yaml.Node
	p.fields(n, "a packages entry", packageKeys, func(key string, v *yaml.Node) {
		switch key {
		case "path":
			e.Path, _ = p.str(key, v)
		case "ignore":
			ignore = v // read once the path is known
		case "thresholds":
			e.Held, e.Retained = p.thresholds(v)
		case "vet":
			e.Vet = p.vet(v)
		}
	})
	if n.Kind != yaml.MappingNode {
		return
	}
	if e.Path == "" {
		p.errorf(n, "the packages entry has no path: give an import path, or path/... for path and every package below it")
		return
	}
	if ignore != nil {
		p.rules(ignore, e.Path)
	}
	p.cfg.Packages = append(p.cfg.Packages, e)
}

// rules reads a list of ignore rules; those of a packages entry (pkg, its
// path) are limited to its packages.
func (p *parser) rules(n *yaml.Node, pkg string) {
	if n.Kind != yaml.SequenceNode {
		p.errorf(n, "ignore must be a list of rules")
		return
	}
	for _, r := range n.Content {
		p.rule(r, pkg)
	}
}

// ruleKeys are the keys of an ignore rule.
var ruleKeys = []string{"top_function", "created_by", "any_function", "kind", "resource", "finding_reason", "test", "package", "reason"}

func (p *parser) rule(n *yaml.Node, pkg string) {
	r := policy.Rule{Where: p.where(n), Package: pkg}
	p.fields(n, "an ignore rule", ruleKeys, func(key string, v *yaml.Node) {
		s, ok := p.str(key, v)
		if !ok {
			return
		}
		switch key {
		case "top_function":
			r.TopFunction = s
		case "created_by":
			r.CreatedBy = s
		case "any_function":
			r.AnyFunction = s
		case "kind":
			r.Kind = s // checked by policy.New, as the reason below
		case "resource":
			r.Resource = s
		case "finding_reason":
			r.FindingReason = s
		case "test":
			r.Test = s
		case "package":
			if pkg != "" {
				p.errorf(v, "package in a rule of a packages entry: the entry's path (%s) says the packages; move the rule to the top-level ignore list or to an entry of its own", pkg)
				return
			}
			r.Package = s
		case "reason":
			r.Reason = s
		}
	})
	p.cfg.Ignore = append(p.cfg.Ignore, r)
}

func (p *parser) thresholds(n *yaml.Node) (held *time.Duration, retained *bool) {
	p.fields(n, "thresholds", thresholdKeys, func(key string, v *yaml.Node) {
		switch key {
		case "held":
			d, err := time.ParseDuration(v.Value)
			if err != nil || d < 0 || v.Kind != yaml.ScalarNode {
				p.errorf(v, "held %q is not a duration such as 30s or 1m (0 turns the check off)", v.Value)
				return
			}
			held = &d
		case "retained":
			var b bool
			if err := v.Decode(&b); err != nil {
				p.errorf(v, "retained %q: use true or false", v.Value)
				return
			}
			retained = &b
		}
	})
	return held, retained
}

func (p *parser) vet(n *yaml.Node) (out Vet) {
	p.fields(n, "vet", vetKeys, func(key string, v *yaml.Node) {
		if v.Kind != yaml.SequenceNode {
			p.errorf(v, "vet %s must be a list", key)
			return
		}
		items := []Item{} // given, even empty: an entry's empty list replaces the file's
		for _, e := range v.Content {
			if s, ok := p.str(key, e); ok {
				items = append(items, Item{Value: s, Where: p.where(e)})
			}
		}
		switch key {
		case "enable":
			out.Enable = items
		case "disable":
			out.Disable = items
		case "skip":
			out.Skip = items
		}
	})
	return out
}

// str returns the string value of the scalar v.
func (p *parser) str(key string, v *yaml.Node) (string, bool) {
	if v.Kind != yaml.ScalarNode || v.Value == "" {
		p.errorf(v, "%s must be a non-empty string", key)
		return "", false
	}
	return v.Value, true
}
