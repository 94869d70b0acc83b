package configfile

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/leakhound/leakhound/internal/policy"
)

// Config is a configuration file, read.
type Config struct {
	// Path is the file read; "" when there was none (an empty Config).
	Path string
	// Ignore are the ignore rules, each with the file:line it was written
	// at, checked and compiled ([policy.New]).
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

// ReadJSON reads the configuration file at path, which must be JSON: the
// reader of the programs that must not depend on a YAML parser (the agent,
// the library), so a .yaml or .yml file is an error that says so.
func ReadJSON(path string) (*Config, error) {
	switch filepath.Ext(path) {
	case ".yaml", ".yml":
		return nil, fmt.Errorf("read the leakhound configuration %s: YAML is not supported yet here, only by the leakhound command (a program does not take a YAML parser as a dependency): write the same keys as JSON in .leakhound.json and name that file", path)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read the leakhound configuration: %w", err)
	}
	doc, err := ParseJSON(path, data)
	if err != nil {
		return nil, err
	}
	return Decode(path, doc)
}

// Decode reads the configuration from doc, the tree of the file at path
// (nil: an empty document). Every error names path and a line: an unknown
// or repeated key, a value of the wrong type, a rule that policy.New
// rejects.
func Decode(path string, doc *Node) (*Config, error) {
	w := &walker{path: path, cfg: &Config{Path: path}}
	if doc != nil {
		w.top(doc)
	}
	if err := errors.Join(w.errs...); err != nil {
		return nil, err
	}
	if _, err := policy.New(nil, w.cfg.Ignore); err != nil {
		return nil, err
	}
	return w.cfg, nil
}

// walker walks a document tree, collecting errors with their lines.
type walker struct {
	path string
	cfg  *Config
	errs []error
}

func (w *walker) where(line int) string { return fmt.Sprintf("%s:%d", w.path, line) }

func (w *walker) errorf(line int, format string, args ...any) {
	w.errs = append(w.errs, fmt.Errorf("%s: %s", w.where(line), fmt.Sprintf(format, args...)))
}

// fields calls do for each key of the mapping n that is one of keys, and
// reports the others and those given twice.
func (w *walker) fields(n *Node, what string, keys []string, do func(key string, v *Node)) {
	if n.Kind != Mapping {
		w.errorf(n.Line, "%s must be a mapping of %s, not %s", what, strings.Join(keys, ", "), describe(n))
		return
	}
	seen := map[string]bool{}
	for _, e := range n.Entries {
		switch {
		case !slices.Contains(keys, e.Key):
			w.errorf(e.Line, "unknown key %q in %s: use one of %s", e.Key, what, strings.Join(keys, ", "))
		case seen[e.Key]:
			w.errorf(e.Line, "%q given twice in %s", e.Key, what)
		default:
			seen[e.Key] = true
			do(e.Key, e.Value)
		}
	}
}

// The keys of the file, by section (docs/leakhound.schema.json lists the
// same: TestSchemaMatchesParser).
var (
	topKeys       = []string{"version", "ignore", "thresholds", "vet", "packages", "$schema"}
	ruleKeys      = []string{"top_function", "created_by", "any_function", "kind", "resource", "finding_reason", "test", "package", "reason"}
	thresholdKeys = []string{"held", "retained"}
	vetKeys       = []string{"enable", "disable", "skip"}
	packageKeys   = []string{"path", "ignore", "thresholds", "vet"}
)

func (w *walker) top(n *Node) {
	w.fields(n, "the configuration", topKeys, func(key string, v *Node) {
		switch key {
		case "$schema":
			w.str(key, v) // for editors only
		case "version":
			if v.Kind != Number || v.Value != "1" {
				w.errorf(v.Line, "version %s: this leakhound reads version 1", describe(v))
			}
		case "ignore":
			w.rules(v, "")
		case "thresholds":
			w.cfg.Held, w.cfg.Retained = w.thresholds(v)
		case "vet":
			w.cfg.Vet = w.vet(v)
		case "packages":
			if v.Kind != Sequence {
				w.errorf(v.Line, "packages must be a list of entries, each with a path, not %s", describe(v))
				return
			}
			for _, e := range v.Items {
				w.pkg(e)
			}
		}
	})
}

// pkg reads an entry of the packages section.
func (w *walker) pkg(n *Node) {
	e := Package{Where: w.where(n.Line)}
	var ignore *Node
	w.fields(n, "a packages entry", packageKeys, func(key string, v *Node) {
		switch key {
		case "path":
			e.Path, _ = w.str(key, v)
		case "ignore":
			ignore = v // read once the path is known
		case "thresholds":
			e.Held, e.Retained = w.thresholds(v)
		case "vet":
			e.Vet = w.vet(v)
		}
	})
	if n.Kind != Mapping {
		return
	}
	if e.Path == "" {
		w.errorf(n.Line, "the packages entry has no path: give an import path, or path/... for path and every package below it")
		return
	}
	if ignore != nil {
		w.rules(ignore, e.Path)
	}
	w.cfg.Packages = append(w.cfg.Packages, e)
}

// rules reads a list of ignore rules; those of a packages entry (pkg, its
// path) are limited to its packages.
func (w *walker) rules(n *Node, pkg string) {
	if n.Kind != Sequence {
		w.errorf(n.Line, "ignore must be a list of rules, not %s", describe(n))
		return
	}
	for _, r := range n.Items {
		w.rule(r, pkg)
	}
}

func (w *walker) rule(n *Node, pkg string) {
	r := policy.Rule{Where: w.where(n.Line), Package: pkg}
	// The field of each key of ruleKeys; policy.New checks the values of
	// kind and finding_reason, and compiles test.
	field := map[string]*string{
		"top_function": &r.TopFunction, "created_by": &r.CreatedBy, "any_function": &r.AnyFunction,
		"kind": &r.Kind, "resource": &r.Resource, "finding_reason": &r.FindingReason,
		"test": &r.Test, "package": &r.Package, "reason": &r.Reason,
	}
	w.fields(n, "an ignore rule", ruleKeys, func(key string, v *Node) {
		if key == "package" && pkg != "" {
			w.errorf(v.Line, "package in a rule of a packages entry: the entry's path (%s) says the packages; move the rule to the top-level ignore list or to an entry of its own", pkg)
			return
		}
		if s, ok := w.str(key, v); ok {
			*field[key] = s
		}
	})
	if n.Kind == Mapping {
		w.cfg.Ignore = append(w.cfg.Ignore, r)
	}
}

func (w *walker) thresholds(n *Node) (held *time.Duration, retained *bool) {
	w.fields(n, "thresholds", thresholdKeys, func(key string, v *Node) {
		switch key {
		case "held":
			d, err := time.ParseDuration(v.Value)
			if err != nil || d < 0 || v.Kind != String {
				w.errorf(v.Line, "held %s is not a duration such as \"30s\" or \"1m\" (\"0s\" turns the check off)", describe(v))
				return
			}
			held = &d
		case "retained":
			if v.Kind != Bool {
				w.errorf(v.Line, "retained %s: use true or false", describe(v))
				return
			}
			b := v.Value == "true"
			retained = &b
		}
	})
	return held, retained
}

func (w *walker) vet(n *Node) (out Vet) {
	w.fields(n, "vet", vetKeys, func(key string, v *Node) {
		if v.Kind != Sequence {
			w.errorf(v.Line, "vet %s must be a list, not %s", key, describe(v))
			return
		}
		items := []Item{} // given, even empty: an entry's empty list replaces the file's
		for _, e := range v.Items {
			if s, ok := w.str(key, e); ok {
				items = append(items, Item{Value: s, Where: w.where(e.Line)})
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

// str returns the value of v, which must be a non-empty string.
func (w *walker) str(key string, v *Node) (string, bool) {
	if v.Kind != String || v.Value == "" {
		w.errorf(v.Line, "%s must be a non-empty string, not %s", key, describe(v))
		return "", false
	}
	return v.Value, true
}
