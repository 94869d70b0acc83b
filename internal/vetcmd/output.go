package vetcmd

import (
	"encoding/json"
	"fmt"
	"go/ast"
	"go/types"
	"io"
	"os"
	"runtime"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/packages"

	"github.com/leakhound/leakhound"
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

// writeTo calls write with the file named name ("-" for stdout); it does
// nothing when name is empty.
func writeTo(name string, stdout io.Writer, write func(io.Writer) error) error {
	switch name {
	case "":
		return nil
	case "-":
		return write(stdout)
	}
	f, err := os.Create(name)
	if err != nil {
		return fmt.Errorf("vet: %w: check the output path", err)
	}
	if err := write(f); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("vet: write %s: %w", name, err)
	}
	return nil
}

// Report converts diagnostics to the leakhound report model: kind static,
// certainty suspected, reason the analyzer name.
func Report(ds []Diagnostic) *leakhound.Report {
	r := &leakhound.Report{Schema: leakhound.Schema, Go: runtime.Version(), Mode: "vet", Findings: []leakhound.Finding{}}
	for _, d := range ds {
		frame := leakhound.Frame{Func: d.Func, File: d.File, Line: d.Line}
		origin := []leakhound.Frame{frame}
		r.Findings = append(r.Findings, leakhound.Finding{
			ID:        leakhound.FindingID(leakhound.KindStatic, d.Analyzer, origin),
			Kind:      leakhound.KindStatic,
			Certainty: leakhound.Suspected,
			Reason:    d.Analyzer,
			Resource:  d.Category,
			Count:     1,
			Message:   d.Message,
			Stack:     []leakhound.Frame{frame},
			Origin:    origin,
			Pos:       fmt.Sprintf("%s:%d:%d", d.File, d.Line, d.Column),
		})
	}
	return r
}

func writeJSON(w io.Writer, ds []Diagnostic) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(Report(ds)); err != nil {
		return fmt.Errorf("vet: write JSON report: %w", err)
	}
	return nil
}

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
