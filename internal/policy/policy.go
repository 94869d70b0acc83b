// Package policy is what a leakhound command tells the tracker in the
// programs it builds about the findings to let pass: the stable ids a
// baseline lists (reported as known, not failing) and the ignore rules of a
// configuration file (not reported). The command writes it as a JSON file
// and names the file in the [Env] environment variable; the tracker reads
// it when the program starts, so that a test whose leaks are all known or
// ignored passes inside its test binary. The command applies the same
// policy to the report it builds, which decides its exit status.
//
// It imports only the standard library and the report model, so that the
// tracker can carry it into the instrumented standard library.
package policy

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/leakhound/leakhound/report"
)

// Env names the policy file in the environment of a program built by
// leakhound.
const Env = "LEAKHOUND_POLICY"

// Schema is the value of [Policy.Schema].
const Schema = "leakhound.policy/v1"

// Policy says which findings pass. Make one with [New] or [Read].
type Policy struct {
	Schema string `json:"schema"`
	// Known are the stable ids ([report.StableID]) of the findings a
	// baseline lists: they are reported with known set and do not fail.
	Known []string `json:"known,omitempty"`
	// Ignore are the ignore rules of a configuration file.
	Ignore []Rule `json:"ignore,omitempty"`
	// Packages are the per-package thresholds of a configuration file, in
	// its order: the first whose Path matches the package a test binary
	// tests applies in that binary (see [Policy.ThresholdsFor]).
	Packages []Thresholds `json:"packages,omitempty"`

	known map[string]bool
}

// Read reads the policy file at path.
func Read(path string) (*Policy, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read the leakhound policy: %w", err)
	}
	var p Policy
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		return nil, fmt.Errorf("read the leakhound policy %s: %w", path, err)
	}
	if p.Schema != Schema {
		return nil, fmt.Errorf("read the leakhound policy %s: schema %q, want %q (a tracker of another leakhound version?)", path, p.Schema, Schema)
	}
	q, err := New(p.Known, p.Ignore)
	if err != nil {
		return nil, fmt.Errorf("read the leakhound policy %s: %w", path, err)
	}
	q.Packages = p.Packages
	return q, nil
}

// New returns the policy that knows the stable ids known and ignores what
// the rules ignore. A rule without a reason or a matcher, or with a test
// pattern that does not compile, is an error naming where it was written.
func New(known []string, ignore []Rule) (*Policy, error) {
	p := &Policy{Schema: Schema, Known: known, Ignore: ignore, known: make(map[string]bool, len(known))}
	for _, id := range known {
		p.known[id] = true
	}
	var errs []error
	for i := range p.Ignore {
		if err := p.Ignore[i].compile(); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", cmpOr(p.Ignore[i].Where, fmt.Sprintf("ignore rule %d", i+1)), err))
		}
	}
	return p, errors.Join(errs...)
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// FromEnv reads the policy file named by [Env]; it returns nil and no error
// when the variable is not set.
func FromEnv() (*Policy, error) {
	path := os.Getenv(Env)
	if path == "" {
		return nil, nil
	}
	return Read(path)
}

// Write writes p to path as JSON, with [Schema].
func (p *Policy) Write(path string) error {
	q := *p
	q.Schema = Schema
	data, err := json.Marshal(&q)
	if err != nil {
		return fmt.Errorf("write the leakhound policy: %w", err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		return fmt.Errorf("write the leakhound policy: %w", err)
	}
	return nil
}

// Thresholds are the thresholds of the packages Path matches (an import
// path, or "path/..." for path and every package below it); nil: the
// run's.
type Thresholds struct {
	Path     string         `json:"path"`
	Held     *time.Duration `json:"held,omitempty"`
	Retained *bool          `json:"retained,omitempty"`
}

// ThresholdsFor returns the thresholds for the package pkg: those of the
// first entry of Packages whose path matches pkg, nil where it sets none
// or where none matches. A nil policy has none.
func (p *Policy) ThresholdsFor(pkg string) (held *time.Duration, retained *bool) {
	if p == nil || pkg == "" {
		return nil, nil
	}
	for _, t := range p.Packages {
		if PackageMatches(t.Path, pkg) {
			return t.Held, t.Retained
		}
	}
	return nil, nil
}

// IsKnown reports whether a baseline lists the finding with stableID. A nil
// policy knows nothing. It is safe for concurrent use.
func (p *Policy) IsKnown(stableID string) bool {
	return p != nil && p.known[stableID]
}

// Apply returns the findings of fs that no rule ignores, with
// [report.Finding.Known] set on those the policy knows; hits counts the
// findings each rule ignored (the first rule that matches counts). Stable
// ids must be set first ([report.Merge] sets them): a rule drops findings
// after the ranks were given.
func (p *Policy) Apply(fs []report.Finding) (kept []report.Finding, hits []int) {
	if p == nil {
		return fs, nil
	}
	hits = make([]int, len(p.Ignore))
	kept = fs[:0:0]
	for _, f := range fs {
		if i := p.ignoredBy(&f); i >= 0 {
			hits[i]++
			continue
		}
		f.Known = f.Known || p.IsKnown(f.StableID)
		kept = append(kept, f)
	}
	return kept, hits
}

// ignoredBy returns the index of the first rule that ignores f, or -1.
func (p *Policy) ignoredBy(f *report.Finding) int {
	for i := range p.Ignore {
		if p.Ignore[i].Matches(f) {
			return i
		}
	}
	return -1
}

// Failing returns the findings of fs that are not known: those that fail a
// test or a run.
func Failing(fs []report.Finding) []report.Finding {
	var out []report.Finding
	for _, f := range fs {
		if !f.Known {
			out = append(out, f)
		}
	}
	return out
}
