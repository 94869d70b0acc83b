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
	"fmt"
	"os"

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
	return New(p.Known), nil
}

// New returns the policy that knows the stable ids known.
func New(known []string) *Policy {
	p := &Policy{Schema: Schema, Known: known, known: make(map[string]bool, len(known))}
	for _, id := range known {
		p.known[id] = true
	}
	return p
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

// IsKnown reports whether a baseline lists the finding with stableID. A nil
// policy knows nothing. It is safe for concurrent use.
func (p *Policy) IsKnown(stableID string) bool {
	return p != nil && p.known[stableID]
}

// Apply sets [report.Finding.Known] of each finding of fs the policy knows,
// and returns fs. Stable ids must be set ([report.Merge] sets them).
func (p *Policy) Apply(fs []report.Finding) []report.Finding {
	for i := range fs {
		if p.IsKnown(fs[i].StableID) {
			fs[i].Known = true
		}
	}
	return fs
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
