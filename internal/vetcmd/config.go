package vetcmd

import (
	"errors"
	"fmt"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/leakhound/leakhound/internal/config"
	"github.com/leakhound/leakhound/passes"
	"github.com/leakhound/leakhound/report"
)

// analyzerNames are the names of leakhound's analyzers.
func analyzerNames() []string {
	var names []string
	for _, a := range passes.Analyzers {
		names = append(names, a.Name)
	}
	return names
}

// checkVetConfig reports the analyzers the vet sections of cfg (the
// file's and its packages entries') name that do not exist, with the file
// and line of each.
func checkVetConfig(cfg *config.Config) error {
	names := analyzerNames()
	var errs []error
	vets := []config.Vet{cfg.Vet}
	for _, e := range cfg.Packages {
		vets = append(vets, e.Vet)
	}
	for _, v := range vets {
		for _, it := range slices.Concat(v.Enable, v.Disable) {
			if !slices.Contains(names, it.Value) {
				errs = append(errs, fmt.Errorf("%s: unknown analyzer %q: use one of %s", it.Where, it.Value, strings.Join(names, ", ")))
			}
		}
	}
	return errors.Join(errs...)
}

// configured returns the diagnostics of ds that the configuration keeps:
// those of an analyzer enabled for their package (every one unless enable
// lists some, minus those disable lists; see [config.Config.VetFor]) in a
// file no skip pattern matches.
func configured(ds []Diagnostic, cfg *config.Config) []Diagnostic {
	var out []Diagnostic
	for _, d := range ds {
		v := cfg.VetFor(d.Package)
		listed := func(items []config.Item) bool {
			return slices.ContainsFunc(items, func(it config.Item) bool { return it.Value == d.Analyzer })
		}
		on := (len(v.Enable) == 0 || listed(v.Enable)) && !listed(v.Disable)
		if on && !skipped(d.File, v.Skip, cfg.Dir()) {
			out = append(out, d)
		}
	}
	return out
}

// skipped reports whether file matches one of the skip patterns: a
// path.Match pattern relative to dir (the configuration's), or "dir/..."
// for every file below dir.
func skipped(file string, skip []config.Item, dir string) bool {
	if len(skip) == 0 {
		return false
	}
	rel, err := filepath.Rel(dir, file)
	if err != nil || strings.HasPrefix(rel, "..") {
		return false
	}
	rel = filepath.ToSlash(rel)
	for _, it := range skip {
		if dir, ok := strings.CutSuffix(it.Value, "/..."); ok {
			if rel == dir || strings.HasPrefix(rel, dir+"/") || dir == "." {
				return true
			}
			continue
		}
		if ok, _ := path.Match(it.Value, rel); ok {
			return true
		}
	}
	return false
}

// applyPolicy applies the settings' policy (a baseline's known ids, the
// configuration's ignore rules) to rep, the report [Report] made of ds: the
// findings a rule ignores are dropped, those the baseline lists marked
// known. A rule's package matcher sees the package of the finding's
// diagnostic, which the report does not carry (a static finding's stable
// id is made without it).
func applyPolicy(set *config.Settings, rep *report.Report, ds []Diagnostic) {
	pkgs := map[diagKey]string{}
	for _, d := range ds {
		pkgs[d.key()] = d.Package
	}
	fs := slices.Clone(rep.Findings)
	for i := range fs {
		fs[i].Package = pkgs[findingKey(fs[i])]
	}
	kept := set.Apply(fs)
	for i := range kept {
		kept[i].Package = ""
	}
	rep.Findings = kept
}
