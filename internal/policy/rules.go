package policy

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/leakhound/leakhound/report"
)

// Rule ignores the findings that match all of its matchers: they are not
// reported and fail nothing. A rule has at least one matcher and a Reason.
//
// A function matcher is a function name as the runtime prints it
// ("net/http.(*Transport).dialConn"); one that ends in "*" matches every
// name it is a prefix of.
type Rule struct {
	// TopFunction matches the innermost frame of the finding's stack (of its
	// origin when it has no stack): where a goroutine is blocked.
	TopFunction string `json:"top_function,omitempty"`
	// CreatedBy matches the function that started a goroutine (the first
	// frame of its origin), or the first function of the program's own code
	// that opened a resource.
	CreatedBy string `json:"created_by,omitempty"`
	// AnyFunction matches any frame of the stack or the origin.
	AnyFunction string `json:"any_function,omitempty"`
	// Kind, Resource and FindingReason match those fields exactly.
	Kind          string `json:"kind,omitempty"`
	Resource      string `json:"resource,omitempty"`
	FindingReason string `json:"finding_reason,omitempty"`
	// Test is a regular expression (Go syntax, unanchored, as go test's
	// -run) matched against the test the finding is attributed to; it never
	// matches a finding of no test.
	Test string `json:"test,omitempty"`
	// Package matches the package of the finding: an import path, or
	// "path/..." for path and every package below it.
	Package string `json:"package,omitempty"`
	// Reason says why the findings may be ignored. Required.
	Reason string `json:"reason"`
	// Where is where the rule was written ("file:line"), for messages.
	Where string `json:"where,omitempty"`

	test *regexp.Regexp
}

// compile checks r and compiles its test pattern.
func (r *Rule) compile() error {
	if r.Reason == "" {
		return errors.New("the rule has no reason: say why these findings may be ignored")
	}
	if r.TopFunction == "" && r.CreatedBy == "" && r.AnyFunction == "" && r.Kind == "" &&
		r.Resource == "" && r.FindingReason == "" && r.Test == "" && r.Package == "" {
		return errors.New("the rule matches nothing: give at least one of top_function, created_by, any_function, kind, resource, finding_reason, test, package")
	}
	if r.Kind != "" && r.Kind != string(report.KindStatic) && report.Reasons(report.Kind(r.Kind)) == nil {
		return fmt.Errorf("kind %q: use goroutine, resource, finalizer or static", r.Kind)
	}
	if r.FindingReason != "" && !isReason(report.Reason(r.FindingReason)) {
		return fmt.Errorf("finding_reason %q is not a reason leakhound reports (see docs/report.md)", r.FindingReason)
	}
	if r.Test != "" {
		re, err := regexp.Compile(r.Test)
		if err != nil {
			return fmt.Errorf("test %q is not a regular expression: %v", r.Test, err)
		}
		r.test = re
	}
	return nil
}

// Matches reports whether r ignores f.
func (r *Rule) Matches(f *report.Finding) bool {
	switch {
	case r.Kind != "" && string(f.Kind) != r.Kind,
		r.Resource != "" && f.Resource != r.Resource,
		r.FindingReason != "" && string(f.Reason) != r.FindingReason,
		r.test != nil && (f.Test == "" || !r.test.MatchString(f.Test)),
		r.Package != "" && !PackageMatches(r.Package, f.Package),
		r.TopFunction != "" && !funcMatches(r.TopFunction, topFunction(f)),
		r.CreatedBy != "" && !funcMatches(r.CreatedBy, createdBy(f)):
		return false
	}
	if r.AnyFunction != "" {
		for _, frames := range [][]report.Frame{f.Stack, f.Origin} {
			for _, fr := range frames {
				if funcMatches(r.AnyFunction, fr.Func) {
					return true
				}
			}
		}
		return false
	}
	return true
}

// isReason reports whether r is the reason of a kind of finding the
// programs report (static findings' reasons are analyzer names).
func isReason(r report.Reason) bool {
	for _, k := range []report.Kind{report.KindGoroutine, report.KindResource, report.KindFinalizer} {
		if slices.Contains(report.Reasons(k), r) {
			return true
		}
	}
	return false
}

func topFunction(f *report.Finding) string {
	switch {
	case len(f.Stack) > 0:
		return f.Stack[0].Func
	case len(f.Origin) > 0:
		return f.Origin[0].Func
	}
	return ""
}

func createdBy(f *report.Finding) string {
	if f.Kind == report.KindGoroutine {
		if len(f.Origin) > 0 {
			return f.Origin[0].Func
		}
		return ""
	}
	fr, _ := report.UserFrame(f.Origin)
	return fr.Func
}

func funcMatches(pattern, fn string) bool {
	if prefix, ok := strings.CutSuffix(pattern, "*"); ok {
		return fn != "" && strings.HasPrefix(fn, prefix)
	}
	return fn == pattern
}

// PackageMatches reports whether the package pattern (an import path, or
// "path/..." for path and every package below it) matches the import path
// pkg.
func PackageMatches(pattern, pkg string) bool {
	if prefix, ok := strings.CutSuffix(pattern, "/..."); ok {
		return pkg == prefix || strings.HasPrefix(pkg, prefix+"/")
	}
	return pkg == pattern
}
