package leakhound

import (
	"fmt"

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
func ConfigFile(path string) Option {
	p, err := policy.ReadConfigJSON(path)
	return optionFunc(func(o *options) {
		if err != nil {
			o.errs = append(o.errs, fmt.Errorf("ConfigFile: %w", err))
			return
		}
		o.IgnoreRules = append(o.IgnoreRules, p.Ignore...)
	})
}
