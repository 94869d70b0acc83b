package runcmd

import (
	"flag"
	"io"
	"time"

	"github.com/leakhound/leakhound/internal/cmdutil"
	"github.com/leakhound/leakhound/internal/config"
	"github.com/leakhound/leakhound/internal/policy"
	"github.com/leakhound/leakhound/report"
)

// settings are what a run or test takes beyond its packages: the baseline
// and the configuration file ([config.Settings]), with the per-package
// thresholds of the configuration in the policy for the tracker.
type settings struct {
	*config.Settings
}

// settingsFlags defines -baseline, -write-baseline and -config on fs, for
// a command of mode m.
func settingsFlags(fs *flag.FlagSet, m policy.Mode) *settings {
	return &settings{config.AddFlags(fs, m)}
}

// load reads the baseline and the configuration (searched from dir), and
// sets held and retained from the configuration where the command line
// did not set them. Errors are usage errors: nothing ran yet.
func (s *settings) load(fs *flag.FlagSet, dir string, held *time.Duration, retained *bool) error {
	if err := s.Load(dir); err != nil {
		return cmdutil.Usagef("%v", err)
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if s.Config.Held != nil && !set["held"] {
		*held = *s.Config.Held
	}
	if s.Config.Retained != nil && !set["retained"] {
		*retained = *s.Config.Retained
	}
	if s.Policy != nil {
		s.Policy.Packages = packageThresholds(s.Config, set)
	}
	return nil
}

// packageThresholds are the thresholds of the configuration's packages
// entries, for the tracker; a flag given on the command line holds for
// every package.
func packageThresholds(cfg *config.Config, set map[string]bool) []policy.Thresholds {
	var out []policy.Thresholds
	for _, e := range cfg.Packages {
		t := policy.Thresholds{Path: e.Path, Held: e.Held, Retained: e.Retained}
		if set["held"] {
			t.Held = nil
		}
		if set["retained"] {
			t.Retained = nil
		}
		out = append(out, t)
	}
	return out
}

// apply applies the policy to the report of res, and prints on w how many
// findings the rules ignored and which rules matched none (stale rules).
// It returns the findings that fail the run.
func (s *settings) apply(res *result, w io.Writer) []report.Finding {
	res.report.Findings = s.Apply(res.report.Findings)
	s.PrintApplied(w)
	return policy.Failing(res.report.Findings)
}
