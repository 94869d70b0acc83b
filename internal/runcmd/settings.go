package runcmd

import (
	"flag"
	"io"
	"strings"
	"time"

	"github.com/leakhound/leakhound/internal/baseline"
	"github.com/leakhound/leakhound/internal/cmdutil"
	"github.com/leakhound/leakhound/internal/config"
	"github.com/leakhound/leakhound/internal/policy"
	"github.com/leakhound/leakhound/report"
)

// settings are what a run or test takes beyond its packages: the baseline,
// the configuration file, and the policy made of both for the tracker.
type settings struct {
	bl     *baseline.Flags
	base   *baseline.File
	cfg    *config.Config
	pol    *policy.Policy
	config *string // -config
}

// settingsFlags defines -baseline, -write-baseline and -config on fs.
func settingsFlags(fs *flag.FlagSet) *settings {
	return &settings{
		bl:     baseline.AddFlags(fs),
		config: fs.String("config", "", "read the configuration `FILE` (default: .leakhound.yaml or .leakhound.json found from the package directory up to the module root)"),
	}
}

// load reads the baseline and the configuration (searched from dir), and
// sets held and retained from the configuration where the command line
// did not set them. Errors are usage errors: nothing ran yet.
func (s *settings) load(fs *flag.FlagSet, dir string, held *time.Duration, retained *bool) error {
	var err error
	if s.base, err = s.bl.Load(); err != nil {
		return err
	}
	if s.cfg, err = config.Load(*s.config, dir); err != nil {
		return cmdutil.Usagef("%s", strings.ReplaceAll(err.Error(), "\n", "; "))
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if s.cfg.Held != nil && !set["held"] {
		*held = *s.cfg.Held
	}
	if s.cfg.Retained != nil && !set["retained"] {
		*retained = *s.cfg.Retained
	}
	if len(s.cfg.Ignore) > 0 || len(s.cfg.Packages) > 0 || s.base != nil {
		if s.pol, err = policy.New(s.base.IDs(), s.cfg.Ignore); err != nil {
			return cmdutil.Usagef("%v", err)
		}
		s.pol.Packages = packageThresholds(s.cfg, set)
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
	kept, hits := s.pol.Apply(res.report.Findings)
	s.cfg.PrintApplied(w, hits, len(res.report.Findings)-len(kept))
	res.report.Findings = kept
	return policy.Failing(kept)
}
