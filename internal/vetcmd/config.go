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
)

// analyzerNames are the names of leakhound's analyzers.
func analyzerNames() []string {
	var names []string
	for _, a := range passes.Analyzers {
		names = append(names, a.Name)
	}
	return names
}

// checkVetConfig reports the analyzers the vet section names that do not
// exist, with the file and line of each.
func checkVetConfig(v config.Vet) error {
	names := analyzerNames()
	var errs []error
	for _, it := range slices.Concat(v.Enable, v.Disable) {
		if !slices.Contains(names, it.Value) {
			errs = append(errs, fmt.Errorf("%s: unknown analyzer %q: use one of %s", it.Where, it.Value, strings.Join(names, ", ")))
		}
	}
	return errors.Join(errs...)
}

// configured returns the diagnostics of ds that the configuration keeps:
// those of an enabled analyzer (every one unless enable lists some, minus
// those disable lists) in a file no skip pattern matches.
func configured(ds []Diagnostic, cfg *config.Config) []Diagnostic {
	on := func(name string) bool {
		listed := func(items []config.Item) bool {
			return slices.ContainsFunc(items, func(it config.Item) bool { return it.Value == name })
		}
		return (len(cfg.Vet.Enable) == 0 || listed(cfg.Vet.Enable)) && !listed(cfg.Vet.Disable)
	}
	var out []Diagnostic
	for _, d := range ds {
		if on(d.Analyzer) && !skipped(d.File, cfg) {
			out = append(out, d)
		}
	}
	return out
}

// skipped reports whether file matches a skip pattern of cfg: a
// path.Match pattern relative to the configuration's directory, or
// "dir/..." for every file below dir.
func skipped(file string, cfg *config.Config) bool {
	if len(cfg.Vet.Skip) == 0 {
		return false
	}
	rel, err := filepath.Rel(cfg.Dir(), file)
	if err != nil || strings.HasPrefix(rel, "..") {
		return false
	}
	rel = filepath.ToSlash(rel)
	for _, it := range cfg.Vet.Skip {
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
