package leakhound

import (
	"fmt"
	"io"
	"path/filepath"
	"sync"

	"github.com/leakhound/leakhound/internal/configfile"
	"github.com/leakhound/leakhound/internal/policy"
)

// ConfigFile excuses the goroutines that the ignore rules of the leakhound
// configuration file at path (docs/config.md) ignore, as the leakhound
// command does: the file's top-level rules and those of its packages
// entries. The file must be JSON (.leakhound.json): this package imports
// only the standard library, so YAML is an error that says so. A path is
// relative to the package directory, where go test runs. The file is read
// when ConfigFile is called. The findings of Check, VerifyTestMain and Find
// have no package, so a rule with a package matcher (or of a packages
// entry) never matches here.
//
// Given to [VerifyTestMain], it also prints on stderr, after the tests
// passed, each rule of the file that excused no goroutine in the whole
// test binary (in VerifyTestMain's verdict or in a [Check] given the same
// file): a stale rule.
func ConfigFile(path string) Option {
	abs, err := filepath.Abs(path)
	var cfg *configfile.Config
	if err == nil {
		cfg, err = configfile.ReadJSON(abs)
	}
	return optionFunc(func(o *options) {
		if err != nil {
			o.errs = append(o.errs, fmt.Errorf("ConfigFile: %w", err))
			return
		}
		o.IgnoreRules = append(o.IgnoreRules, cfg.Ignore...)
		o.RuleMatched = ruleUse.note
	})
}

// ruleUse remembers, for the whole test binary, which ignore rules of
// configuration files excused a goroutine, by where they were written.
var ruleUse = usedRules{used: map[string]bool{}}

type usedRules struct {
	mu   sync.Mutex
	used map[string]bool
}

func (u *usedRules) note(r *policy.Rule) {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.used[r.Where] = true
}

// stale returns the rules of rules that excused nothing so far, of those
// that can match a finding of the library ([policy.Rule.CanMatch]).
func (u *usedRules) stale(rules []policy.Rule) []policy.Rule {
	u.mu.Lock()
	defer u.mu.Unlock()
	var out []policy.Rule
	for _, r := range rules {
		if !u.used[r.Where] && r.CanMatch(policy.ModeLibrary) {
			out = append(out, r)
		}
	}
	return out
}

// printStaleRules prints on w the rules of rules that excused no goroutine
// in this test binary.
func printStaleRules(w io.Writer, rules []policy.Rule) {
	for _, r := range ruleUse.stale(rules) {
		fmt.Fprintf(w, "leakhound: %s: stale ignore rule: it excused no goroutine in this test binary (%q): remove it, or run the tests it is for\n", r.Where, r.Reason)
	}
}
