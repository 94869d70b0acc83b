// Package golangci is a golangci-lint module plugin that runs leakhound's
// analyzers, with //leakhound:ignore directives honoured as in leakhound vet.
//
// Build a golangci-lint with it (golangci-lint custom, with this module in
// .custom-gcl.yml) and enable it in .golangci.yml:
//
//	linters:
//	  enable:
//	    - leakhound
//	  settings:
//	    custom:
//	      leakhound:
//	        type: module
//	        description: leaks found before the code runs
//	        settings:
//	          analyzers: [unclosed, rawfd, finalizer] # default: all
//	          closable-types: [example.com/pool.Conn]  # -unclosed.types
//	          finalizer-locks: true                    # -finalizer.locks
package golangci

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/golangci/plugin-module-register/register"
	"golang.org/x/tools/go/analysis"

	"github.com/leakhound/leakhound/passes"
)

// Name is the name of the plugin, and the key of its settings in
// .golangci.yml.
const Name = "leakhound"

func init() {
	register.Plugin(Name, New)
}

// Settings are the plugin's settings in .golangci.yml.
type Settings struct {
	// Analyzers names the analyzers to run; all of them when empty. The
	// checker of //leakhound:ignore directives always runs.
	Analyzers []string `json:"analyzers"`
	// ClosableTypes are user types whose values must be closed, as
	// "pkgpath.Type" (the -unclosed.types flag of leakhound vet).
	ClosableTypes []string `json:"closable-types"`
	// FinalizerLocks also reports finalizers and cleanups that lock a mutex
	// (the -finalizer.locks flag of leakhound vet).
	FinalizerLocks bool `json:"finalizer-locks"`
}

// New returns the plugin configured by settings, the value of
// linters.settings.custom.leakhound.settings in .golangci.yml.
func New(settings any) (register.LinterPlugin, error) {
	s, err := register.DecodeSettings[Settings](settings)
	if err != nil {
		return nil, fmt.Errorf("leakhound: %w: see the settings in the package documentation", err)
	}
	return &plugin{settings: s}, nil
}

type plugin struct {
	settings Settings
}

// directiveChecker is the name of the analyzer that checks
// //leakhound:ignore directives.
const directiveChecker = "ignore"

// BuildAnalyzers returns the analyzers the settings select.
func (p *plugin) BuildAnalyzers() ([]*analysis.Analyzer, error) {
	var names []string
	for _, a := range passes.Analyzers {
		names = append(names, a.Name)
	}
	for _, n := range p.settings.Analyzers {
		if !slices.Contains(names, n) {
			return nil, fmt.Errorf("leakhound: unknown analyzer %q in settings: use one of %s", n, strings.Join(names, ", "))
		}
	}
	var out []*analysis.Analyzer
	for _, a := range passes.Analyzers {
		if len(p.settings.Analyzers) == 0 || a.Name == directiveChecker || slices.Contains(p.settings.Analyzers, a.Name) {
			out = append(out, a)
		}
		if err := p.setFlags(a); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// setFlags sets the flags of analyzer a that the settings give.
func (p *plugin) setFlags(a *analysis.Analyzer) error {
	switch {
	case a.Name == "unclosed" && len(p.settings.ClosableTypes) > 0:
		if err := a.Flags.Set("types", strings.Join(p.settings.ClosableTypes, ",")); err != nil {
			return fmt.Errorf("leakhound: closable-types: %w", err)
		}
	case a.Name == "finalizer":
		if err := a.Flags.Set("locks", strconv.FormatBool(p.settings.FinalizerLocks)); err != nil {
			return fmt.Errorf("leakhound: finalizer-locks: %w", err)
		}
	}
	return nil
}

// GetLoadMode says the analyzers need type information.
func (p *plugin) GetLoadMode() string {
	return register.LoadModeTypesInfo
}
