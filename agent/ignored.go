package agent

import "github.com/leakhound/leakhound/internal/policy"

// noteIgnored notes which ignore rules of Options.ConfigFile ignore a
// finding of the current state. It runs after every change of the
// findings (a sample, a proven cycle), with s.mu not held, so that a rule
// is stale only if it matched nothing since the agent started.
func (s *state) noteIgnored() {
	if s.ignore == nil {
		return
	}
	_, hits := s.snapshot().reportWithHits()
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, n := range hits {
		if n > 0 {
			s.matched[i] = true
		}
	}
}

// ignoreStatus is what the page says of the ignore rules of
// Options.ConfigFile.
type ignoreStatus struct {
	Path    string
	Rules   int
	Ignored int // findings of the current report the rules ignore
	// Stale are the rules that matched no finding since the agent started,
	// of those that can match one of its findings ([policy.Rule.CanMatch]).
	Stale []policy.Rule
}

// ignoreStatus returns the state of the ignore rules, whose hits in the
// current report are hits; nil without a configuration file.
func (sn *snapshot) ignoreStatus(hits []int) *ignoreStatus {
	if sn.Ignore == nil {
		return nil
	}
	st := &ignoreStatus{Path: sn.Opts.ConfigFile, Rules: len(sn.Ignore.Ignore)}
	for i := range sn.Ignore.Ignore {
		st.Ignored += hits[i]
		r := &sn.Ignore.Ignore[i]
		if hits[i] == 0 && !sn.Matched[i] && r.CanMatch(policy.ModeAgent) {
			st.Stale = append(st.Stale, *r)
		}
	}
	return st
}
