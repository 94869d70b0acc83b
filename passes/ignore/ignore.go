package ignore

import (
	_ "embed"
	"go/ast"
	"go/token"
	"slices"
	"strings"

	"golang.org/x/tools/go/analysis"

	"github.com/leakhound/leakhound/passes/internal/passutil"
)

//go:embed doc.go
var doc string

// Directive starts a comment that suppresses diagnostics:
// //leakhound:ignore <analyzer>[,<analyzer>...] <reason>.
const Directive = "//leakhound:ignore"

// allAnalyzers is the analyzer name that a directive uses for every analyzer.
const allAnalyzers = "all"

// All returns the analyzers wrapped by [Wrap], followed by the analyzer that
// checks the directives against their names ([Checker]).
func All(analyzers ...*analysis.Analyzer) []*analysis.Analyzer {
	out := make([]*analysis.Analyzer, 0, len(analyzers)+1)
	names := make([]string, 0, len(analyzers))
	for _, a := range analyzers {
		out = append(out, Wrap(a))
		names = append(names, a.Name)
	}
	return append(out, Checker(names...))
}

// Wrap returns a copy of a whose diagnostics are dropped when a well-formed
// directive naming a (or "all") is on the line of the diagnostic or on the
// line above it. The copy has the same name, flags, facts and requirements.
func Wrap(a *analysis.Analyzer) *analysis.Analyzer {
	w := *a
	w.Run = func(pass *analysis.Pass) (any, error) {
		var lines map[fileLine][]string // built at the first diagnostic
		filtered := *pass
		filtered.Report = func(d analysis.Diagnostic) {
			if lines == nil {
				lines = directiveLines(pass)
			}
			if !suppressed(lines, pass.Fset.Position(d.Pos), a.Name) {
				pass.Report(d)
			}
		}
		return a.Run(&filtered)
	}
	return &w
}

// fileLine is a line of a file.
type fileLine struct {
	file string
	line int
}

// directiveLines maps each line holding a well-formed directive of the files
// of pass to the analyzer names it lists.
func directiveLines(pass *analysis.Pass) map[fileLine][]string {
	m := map[fileLine][]string{}
	eachDirective(pass, func(c *ast.Comment, d directive) {
		if d.reason == "" {
			return // reported by the checker; it suppresses nothing
		}
		p := pass.Fset.Position(c.Slash)
		k := fileLine{p.Filename, p.Line}
		m[k] = append(m[k], d.analyzers...)
	})
	return m
}

func suppressed(lines map[fileLine][]string, p token.Position, analyzer string) bool {
	for _, line := range []int{p.Line, p.Line - 1} {
		names := lines[fileLine{p.Filename, line}]
		if slices.Contains(names, analyzer) || slices.Contains(names, allAnalyzers) {
			return true
		}
	}
	return false
}

// directive is a parsed //leakhound:ignore comment.
type directive struct {
	analyzers []string
	reason    string
}

// parse parses one comment; ok is false when it is not a directive.
func parse(comment string) (d directive, ok bool) {
	rest, ok := strings.CutPrefix(comment, Directive)
	if !ok || (rest != "" && rest[0] != ' ' && rest[0] != '\t') {
		return directive{}, false
	}
	names, reason, _ := strings.Cut(strings.TrimSpace(rest), " ")
	if names == "" {
		return directive{}, true
	}
	return directive{analyzers: strings.Split(names, ","), reason: strings.TrimSpace(reason)}, true
}

// eachDirective calls f for every directive in the files of pass.
func eachDirective(pass *analysis.Pass, f func(*ast.Comment, directive)) {
	for _, file := range pass.Files {
		for _, group := range file.Comments {
			for _, c := range group.List {
				if d, ok := parse(c.Text); ok {
					f(c, d)
				}
			}
		}
	}
}

// Checker returns the analyzer that reports directives which suppress
// nothing: without a reason, or naming an analyzer other than known or "all".
func Checker(known ...string) *analysis.Analyzer {
	return &analysis.Analyzer{
		Name: "ignore",
		Doc:  passutil.Doc(doc, "ignore"),
		URL:  "https://pkg.go.dev/github.com/leakhound/leakhound/passes/ignore",
		Run: func(pass *analysis.Pass) (any, error) {
			check(pass, known)
			return nil, nil
		},
	}
}

func check(pass *analysis.Pass, known []string) {
	list := strings.Join(known, ", ")
	eachDirective(pass, func(c *ast.Comment, d directive) {
		if len(d.analyzers) == 0 {
			pass.Reportf(c.Slash, "leakhound:ignore names no analyzer: write //leakhound:ignore <analyzer> <reason> (analyzers: %s)", list)
			return
		}
		for _, name := range d.analyzers {
			if name != allAnalyzers && !slices.Contains(known, name) {
				pass.Reportf(c.Slash, "leakhound:ignore names unknown analyzer %q: use one of %s, or all", name, list)
				return
			}
		}
		if d.reason == "" {
			pass.Reportf(c.Slash, "leakhound:ignore %s has no reason and suppresses nothing: say why the finding does not apply", strings.Join(d.analyzers, ","))
		}
	})
}
