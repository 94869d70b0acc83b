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

// Mode is where ignore rules are applied: one configuration file serves
// every leakhound command, the agent and the library, and each of them
// reports its own kinds of findings. [Rule.CanMatch] says whether a rule
// can match there, so that a rule is reported stale only where it could
// have matched.
type Mode string

// The modes. Their findings are those documented in docs/report.md and
// docs/config.md.
const (
	ModeTest    Mode = "test"    // leakhound test
	ModeRun     Mode = "run"     // leakhound run
	ModeVet     Mode = "vet"     // leakhound vet
	ModeInspect Mode = "inspect" // leakhound inspect
	ModeAgent   Mode = "agent"   // the agent package
	ModeLibrary Mode = "library" // Check, VerifyNone, VerifyTestMain and Find
)

// yield describes the findings a mode reports.
type yield struct {
	// reasons are the kinds of findings, each with its reasons (a static
	// finding's reason is the name of an analyzer).
	reasons map[report.Kind][]report.Reason
	// resources are the resources of the findings; nil: any.
	resources []string
	// tests: findings are attributed to tests; packages: they carry the
	// package they were found in.
	tests, packages bool
}

// StaticReasons are the reasons of leakhound vet's findings: the names of
// its analyzers (this package cannot import them: the tracker carries it;
// internal/vetcmd's tests check the list against passes.Analyzers).
var StaticReasons = []report.Reason{"unclosed", "rawfd", "finalizer", "goroutineleak", "ignore"}

// yields lists what each mode reports. leakhound run's goroutine verdict
// at exit is proven only (no still-running); the agent and inspect rank
// long-blocked sites; the library checks goroutines only; no tool reports
// finalizer unrunnable yet.
var yields = map[Mode]yield{
	ModeTest: {reasons: map[report.Kind][]report.Reason{
		report.KindGoroutine: {report.ReasonUnreachableWait, report.ReasonStillRunning},
		report.KindResource:  {report.ReasonClosedByGC, report.ReasonOpenAtEnd, report.ReasonFDUsedAfterGC, report.ReasonHeldTooLong},
		report.KindFinalizer: {report.ReasonBlocked, report.ReasonBacklog},
	}, tests: true, packages: true},
	ModeRun: {reasons: map[report.Kind][]report.Reason{
		report.KindGoroutine: {report.ReasonUnreachableWait},
		report.KindResource:  {report.ReasonClosedByGC, report.ReasonOpenAtEnd, report.ReasonFDUsedAfterGC, report.ReasonHeldTooLong},
		report.KindFinalizer: {report.ReasonBlocked, report.ReasonBacklog},
	}},
	ModeVet: {reasons: map[report.Kind][]report.Reason{report.KindStatic: StaticReasons}, packages: true},
	ModeInspect: {reasons: map[report.Kind][]report.Reason{
		report.KindGoroutine: {report.ReasonUnreachableWait, report.ReasonLongBlocked},
	}, resources: []string{"goroutine"}},
	ModeAgent: {reasons: map[report.Kind][]report.Reason{
		report.KindGoroutine: {report.ReasonUnreachableWait, report.ReasonLongBlocked},
		report.KindFinalizer: {report.ReasonBlocked, report.ReasonBacklog},
	}, resources: []string{"goroutine", "finalizer", "cleanup"}},
	ModeLibrary: {reasons: map[report.Kind][]report.Reason{
		report.KindGoroutine: {report.ReasonUnreachableWait, report.ReasonStillRunning},
	}, resources: []string{"goroutine"}, tests: true},
}

// CanMatch reports whether r can match a finding of mode m: whether m
// reports findings of r's kind and finding_reason, of its resource, and
// attributed to a test or a package when r names one. A rule that cannot
// match in m is not stale there (a test rule under leakhound run, a
// runtime reason under vet). Function matchers can match in every mode.
// CanMatch is true for a mode it does not know.
func (r *Rule) CanMatch(m Mode) bool {
	y, ok := yields[m]
	switch {
	case !ok:
		return true
	case r.Test != "" && !y.tests,
		r.Package != "" && !y.packages,
		r.Resource != "" && y.resources != nil && !slices.Contains(y.resources, r.Resource):
		return false
	}
	for kind, reasons := range y.reasons {
		if r.Kind != "" && string(kind) != r.Kind {
			continue
		}
		if r.FindingReason == "" || slices.Contains(reasons, report.Reason(r.FindingReason)) {
			return true
		}
	}
	return false
}

// Stale returns the rules that ignored nothing in a run of mode m although
// they could match there: hits[i] counts the findings rules[i] ignored
// ([Policy.Apply]). With no hits (no policy applied), none is stale.
func Stale(rules []Rule, hits []int, m Mode) []Rule {
	var out []Rule
	for i, n := range hits {
		if n == 0 && i < len(rules) && rules[i].CanMatch(m) {
			out = append(out, rules[i])
		}
	}
	return out
}
