package config

import (
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/leakhound/leakhound/internal/baseline"
	"github.com/leakhound/leakhound/internal/policy"
	"github.com/leakhound/leakhound/report"
)

// Settings are what decides which findings of a command pass: the
// configuration file (-config) and the baseline (-baseline,
// -write-baseline), read, and the policy made of both. leakhound test,
// run, vet and inspect share them, so that the four take the same flags
// and print the same lines.
type Settings struct {
	// Mode is the command's, for the stale rules ([policy.Rule.CanMatch]).
	Mode policy.Mode
	// Baseline are the baseline flags.
	Baseline *baseline.Flags
	// Config is the configuration file read by [Settings.Load] (an empty
	// Config when there is none).
	Config *Config
	// Base is the baseline read by Load; nil without -baseline.
	Base *baseline.File
	// Policy knows the baseline's ids and has the configuration's ignore
	// rules; nil when neither has anything to apply.
	Policy *policy.Policy

	file    *string // -config
	hits    []int   // findings each rule ignored, over every Apply
	ignored int
}

// AddFlags defines -config, -baseline and -write-baseline on fs, for a
// command of mode m.
func AddFlags(fs *flag.FlagSet, m policy.Mode) *Settings {
	from := "the package directory"
	if m == policy.ModeInspect {
		from = "the current directory"
	}
	usage := "read the configuration `FILE` (default: .leakhound.yaml or .leakhound.json found from " + from + " up to the module root)"
	if m == policy.ModeVet {
		usage += ": ignore rules, analyzers to enable or disable, paths to skip"
	}
	return &Settings{Mode: m, Baseline: baseline.AddFlags(fs), file: fs.String("config", "", usage)}
}

// Load reads the baseline of -baseline and the configuration: the file of
// -config, else the one found from dir up to the module root ([Load]). It
// makes the policy when either has something to apply. Its errors are one
// line each.
func (s *Settings) Load(dir string) error {
	var err error
	if s.Base, err = s.Baseline.Load(); err != nil {
		return err
	}
	if s.Config, err = Load(*s.file, dir); err != nil {
		return fmt.Errorf("%s", strings.ReplaceAll(err.Error(), "\n", "; "))
	}
	if len(s.Config.Ignore) > 0 || len(s.Config.Packages) > 0 || s.Base != nil {
		if s.Policy, err = policy.New(s.Base.IDs(), s.Config.Ignore); err != nil {
			return fmt.Errorf("%s", strings.ReplaceAll(err.Error(), "\n", "; "))
		}
	}
	return nil
}

// Apply returns the findings of fs that no ignore rule ignores, those the
// baseline lists marked known, and counts what each rule ignored, for
// [Settings.PrintApplied]. A command may apply its findings in several
// groups; stable ids must be set first, over all of them.
func (s *Settings) Apply(fs []report.Finding) []report.Finding {
	kept, hits := s.Policy.Apply(fs)
	if hits != nil && s.hits == nil {
		s.hits = make([]int, len(hits))
	}
	for i, n := range hits {
		s.hits[i] += n
	}
	s.ignored += len(fs) - len(kept)
	return kept
}

// PrintApplied prints on w what the ignore rules did over every
// [Settings.Apply]: how many findings they ignored, and each rule that
// ignored none although it could match in s.Mode (a stale rule), with its
// line.
func (s *Settings) PrintApplied(w io.Writer) {
	if s.ignored > 0 {
		fmt.Fprintf(w, "leakhound: %d finding(s) ignored by the rules of %s\n", s.ignored, s.Config.Path)
	}
	for _, r := range policy.Stale(s.Config.Ignore, s.hits, s.Mode) {
		fmt.Fprintf(w, "leakhound: %s: stale ignore rule: it matched nothing in this run (%q): remove it, or run the packages it is for\n", r.Where, r.Reason)
	}
}

// Finish prints on stderr the summary of the known findings of r and the
// baseline entries it no longer has, and writes the baseline of
// -write-baseline ("-": stdout); see [baseline.Flags.Finish].
func (s *Settings) Finish(r *report.Report, stdout, stderr io.Writer) error {
	return s.Baseline.Finish(s.Base, r, stdout, stderr)
}
