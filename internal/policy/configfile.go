package policy

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/leakhound/leakhound/report"
)

// ReadConfigJSON returns the policy that ignores what the ignore rules of
// the configuration file at path ignore (docs/config.md): its top-level
// rules, and those of its packages entries, each limited to its entry's
// packages. The file must be JSON (.leakhound.json): this reader serves
// the programs that must not depend on a YAML parser, the agent and the
// library, so a YAML file is an error that says so. Thresholds and the vet
// section are accepted and left to the commands. Each rule's Where names
// the file and the rule's place in it.
func ReadConfigJSON(path string) (*Policy, error) {
	switch filepath.Ext(path) {
	case ".yaml", ".yml":
		return nil, fmt.Errorf("read the leakhound configuration %s: YAML is not supported yet here, only by the leakhound command (a production program does not take a YAML parser as a dependency): write the same keys as JSON in .leakhound.json and name that file", path)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read the leakhound configuration: %w", err)
	}
	var file struct {
		Schema     string          `json:"$schema"`
		Version    int             `json:"version"`
		Ignore     []Rule          `json:"ignore"`
		Thresholds json.RawMessage `json:"thresholds"`
		Vet        json.RawMessage `json:"vet"`
		Packages   []struct {
			Path       string          `json:"path"`
			Ignore     []Rule          `json:"ignore"`
			Thresholds json.RawMessage `json:"thresholds"`
			Vet        json.RawMessage `json:"vet"`
		} `json:"packages"`
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&file); err != nil {
		var syn *json.SyntaxError
		if errors.As(err, &syn) {
			return nil, fmt.Errorf("%s:%d: %v", path, 1+bytes.Count(data[:syn.Offset], []byte("\n")), err)
		}
		return nil, fmt.Errorf("%s: %w (see docs/config.md)", path, err)
	}
	if file.Version != 0 && file.Version != 1 {
		return nil, fmt.Errorf("%s: version %d: this leakhound reads version 1", path, file.Version)
	}
	var rules []Rule
	var errs []error
	for i, r := range file.Ignore {
		r.Where = fmt.Sprintf("%s: ignore rule %d", path, i+1)
		rules = append(rules, r)
	}
	for i, e := range file.Packages {
		if e.Path == "" {
			errs = append(errs, fmt.Errorf("%s: packages entry %d has no path: give an import path, or path/... for path and every package below it", path, i+1))
		}
		for j, r := range e.Ignore {
			r.Where = fmt.Sprintf("%s: packages entry %d (%s), ignore rule %d", path, i+1, e.Path, j+1)
			if r.Package != "" {
				errs = append(errs, fmt.Errorf("%s: package in a rule of a packages entry: the entry's path says the packages", r.Where))
			}
			r.Package = e.Path
			rules = append(rules, r)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return New(nil, rules)
}

// Ignores reports whether a rule of p ignores f. A nil policy ignores
// nothing.
func (p *Policy) Ignores(f *report.Finding) bool {
	return p != nil && p.ignoredBy(f) >= 0
}
