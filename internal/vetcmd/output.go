package vetcmd

import (
	"fmt"
	"go/ast"
	"go/types"
	"io"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/packages"

	"github.com/leakhound/leakhound/report"
)

// writeText prints one line per diagnostic: file:line:col: message (analyzer).
func writeText(w io.Writer, ds []Diagnostic) error {
	for _, d := range ds {
		if _, err := fmt.Fprintf(w, "%s:%d:%d: %s (%s)\n", relPath(d.File), d.Line, d.Column, d.Message, d.Analyzer); err != nil {
			return fmt.Errorf("vet: write diagnostics: %w", err)
		}
	}
	return nil
}

// Report converts diagnostics to the leakhound report model: kind static,
// certainty suspected, reason the analyzer name.
func Report(ds []Diagnostic) *report.Report {
	var fs []report.Finding
	for _, d := range ds {
		frame := report.Frame{Func: d.Func, File: d.File, Line: d.Line}
		origin := []report.Frame{frame}
		fs = append(fs, report.Finding{
			ID:        report.FindingID(report.KindStatic, report.Reason(d.Analyzer), origin),
			Kind:      report.KindStatic,
			Certainty: report.Suspected,
			Reason:    report.Reason(d.Analyzer),
			Resource:  d.Category,
			Count:     1,
			Message:   d.Message,
			Stack:     []report.Frame{frame},
			Origin:    origin,
			Pos:       d.pos(),
		})
	}
	return report.New(report.ModeVet, fs)
}

// failing returns the diagnostics of ds whose findings are in rep, made by
// [Report] from ds and then filtered by [applyPolicy], and not known to a
// baseline: those an ignore rule dropped or a baseline lists do not fail.
func failing(ds []Diagnostic, rep *report.Report) []Diagnostic {
	fails := map[diagKey]bool{}
	for _, f := range rep.Findings {
		if !f.Known {
			fails[findingKey(f)] = true
		}
	}
	var out []Diagnostic
	for _, d := range ds {
		if fails[d.key()] {
			out = append(out, d)
		}
	}
	return out
}

// diagKey identifies a diagnostic and the finding [Report] makes of it.
type diagKey struct{ pos, analyzer, message string }

func (d Diagnostic) key() diagKey { return diagKey{d.pos(), d.Analyzer, d.Message} }

func findingKey(f report.Finding) diagKey { return diagKey{f.Pos, string(f.Reason), f.Message} }

// pos is the position of d as a finding gives it: "file:line:col".
func (d Diagnostic) pos() string { return fmt.Sprintf("%s:%d:%d", d.File, d.Line, d.Column) }

// enclosingFunc names the function declaration that contains d, as the
// runtime would ("pkg.F", "pkg.(*T).M"), or the package path outside any.
func enclosingFunc(pkg *packages.Package, d analysis.Diagnostic) string {
	for _, f := range pkg.Syntax {
		if d.Pos < f.FileStart || d.Pos > f.FileEnd {
			continue
		}
		for _, decl := range f.Decls {
			fd, ok := decl.(*ast.FuncDecl)
			if !ok || d.Pos < fd.Pos() || d.Pos > fd.End() {
				continue
			}
			obj, _ := pkg.TypesInfo.Defs[fd.Name].(*types.Func)
			if obj == nil {
				return pkg.PkgPath + "." + fd.Name.Name
			}
			return obj.FullName()
		}
	}
	return pkg.PkgPath
}
