// Package vetcmd implements `leakhound vet`, and the same analyzers when the
// leakhound binary is used as `go vet -vettool`.
package vetcmd

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"sort"
	"strings"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/analysis/checker"
	"golang.org/x/tools/go/analysis/unitchecker"
	"golang.org/x/tools/go/packages"

	"github.com/leakhound/leakhound/internal/cmdutil"
	"github.com/leakhound/leakhound/internal/config"
	"github.com/leakhound/leakhound/internal/policy"
	"github.com/leakhound/leakhound/passes"
)

// IsVetTool reports whether args look like an invocation by `go vet -vettool`
// (a single *.cfg file, or the -V=full and -flags handshakes).
func IsVetTool(args []string) bool {
	if len(args) == 0 {
		return false
	}
	switch args[0] {
	case "-V=full", "-V", "-flags", "--flags":
		return true
	}
	return len(args) >= 1 && args[0] != "vet" && strings.HasSuffix(args[len(args)-1], ".cfg")
}

// Main runs `leakhound vet` with args (the words after "vet"). When args come
// from `go vet -vettool`, it runs as the vet tool and exits the process itself,
// as the vet protocol requires.
func Main(args []string, stdout, stderr io.Writer) error {
	tuneGC()
	if IsVetTool(args) {
		os.Args = append([]string{os.Args[0]}, args...)
		unitchecker.Main(passes.Analyzers...) // exits
		return nil
	}
	fs := flag.NewFlagSet("vet", flag.ContinueOnError)
	jsonFile := fs.String("json", "", "write the JSON report (leakhound.report/v1) to `FILE`; \"-\" for stdout")
	sarifFile := fs.String("sarif", "", "write a SARIF 2.1.0 log to `FILE`; \"-\" for stdout")
	htmlFile := fs.String("html", "", "write the HTML report to `FILE`; \"-\" for stdout")
	tests := fs.Bool("tests", true, "also check the packages' test files")
	fix := fs.Bool("fix", false, "apply the suggested fixes of the findings printed, gofmt the files changed, and print only the findings left")
	set := config.AddFlags(fs, policy.ModeVet)
	for _, a := range passes.Analyzers {
		a.Flags.VisitAll(func(f *flag.Flag) {
			fs.Var(f.Value, a.Name+"."+f.Name, f.Usage)
		})
	}
	if helped, err := cmdutil.Parse(fs, args, usage(), stdout); helped || err != nil {
		return err
	}
	if err := cmdutil.CheckStdout(
		cmdutil.Output{Flag: "-json", Path: *jsonFile},
		cmdutil.Output{Flag: "-html", Path: *htmlFile},
		cmdutil.Output{Flag: "-sarif", Path: *sarifFile},
		cmdutil.Output{Flag: "-write-baseline", Path: set.Baseline.Write},
	); err != nil {
		return cmdutil.Usagef("vet: %v", err)
	}
	if *fix && set.Baseline.Write != "" {
		return cmdutil.Usagef("vet: -fix and -write-baseline do not go together: fix first, then write the baseline")
	}
	patterns := fs.Args()
	if len(patterns) == 0 {
		patterns = []string{"."}
	}
	err := set.Load(config.StartDir(patterns))
	if err == nil {
		err = checkVetConfig(set.Config)
	}
	if err != nil {
		return cmdutil.Usagef("vet: %s", strings.ReplaceAll(err.Error(), "\n", "; "))
	}
	all, err := Run(patterns, *tests)
	if err != nil {
		return err
	}
	all = configured(all, set.Config)
	rep := Report(all)
	applyPolicy(set, rep, all)
	set.PrintApplied(stderr)
	findings := failing(all, rep)
	if *fix {
		if findings, err = applyFixes(findings, stderr); err != nil {
			return err
		}
	}
	// A report on stdout stays parseable: the diagnostics go to stderr then.
	textOut := stdout
	if *jsonFile == "-" || *sarifFile == "-" || *htmlFile == "-" || set.Baseline.Write == "-" {
		textOut = stderr
	}
	if err := writeText(textOut, findings); err != nil {
		return err
	}
	if err := cmdutil.WriteTo(*sarifFile, stdout, func(w io.Writer) error { return writeSARIF(w, findings) }); err != nil {
		return fmt.Errorf("vet: %w", err)
	}
	if err := cmdutil.WriteReports(*jsonFile, *htmlFile, rep, stdout); err != nil {
		return fmt.Errorf("vet: %w", err)
	}
	if err := set.Finish(rep, stdout, stderr); err != nil {
		return fmt.Errorf("vet: %w", err)
	}
	if len(findings) > 0 {
		return cmdutil.ErrFindings
	}
	return nil
}

// gcPercent is the garbage collector's target percentage while vet runs,
// unless the GOGC environment variable sets one: most of vet's heap is the
// syntax, types and facts of the packages loaded, which stay live to the
// end, so at the default of 100 the collector keeps tracing them again as
// the heap grows. At 400, vet spends about a fifth less CPU for about a
// quarter more memory (measured on a few modules of bench/vet's corpus).
const gcPercent = 400

// tuneGC sets the garbage collector's target to gcPercent unless GOGC is
// set.
func tuneGC() {
	if _, set := os.LookupEnv("GOGC"); !set {
		debug.SetGCPercent(gcPercent)
	}
}

// usage is the help text of `leakhound vet`, before its flags.
func usage() string {
	var b strings.Builder
	b.WriteString("usage: leakhound vet [flags] [packages]\n\nAnalyzers:\n")
	for _, a := range passes.Analyzers {
		title, _, _ := strings.Cut(a.Doc, "\n")
		fmt.Fprintf(&b, "  %s\n", title)
	}
	b.WriteString("\nFlags:\n")
	return b.String()
}

// Diagnostic is one finding of an analyzer, with its resolved position.
type Diagnostic struct {
	Analyzer string
	Category string // the resource the analyzer is about, e.g. "os.File"
	Message  string
	File     string // absolute path
	Line     int
	Column   int
	Func     string // enclosing function, e.g. "example.com/p.(*T).M"
	// Package is the import path of the package of the file; an external
	// test package ("p_test") counts as the package it tests.
	Package string
	Related []Related
	Fixes   []Fix // suggested fixes, most likely first
}

// Related is a position that explains a [Diagnostic], such as the return a
// resource leaks through.
type Related struct {
	Message string
	File    string
	Line    int
	Column  int
}

// Run loads the packages matching patterns and runs [passes.Analyzers] on
// them. It returns the diagnostics sorted by position, without duplicates (a
// package and its test variant share files).
func Run(patterns []string, tests bool) ([]Diagnostic, error) {
	pkgs, err := loadPackages(patterns, tests)
	if err != nil {
		return nil, fmt.Errorf("vet: load packages: %w", err)
	}
	if len(pkgs) == 0 {
		return nil, cmdutil.Usagef("vet: no packages match %s: check the patterns", strings.Join(patterns, " "))
	}
	var loadErrs []string
	packages.Visit(pkgs, nil, func(p *packages.Package) {
		for _, e := range p.Errors {
			loadErrs = append(loadErrs, e.Error())
		}
	})
	if len(loadErrs) > 0 {
		more := ""
		if len(loadErrs) > 1 {
			more = fmt.Sprintf(" (and %d more)", len(loadErrs)-1)
		}
		return nil, fmt.Errorf("vet: load packages: %s%s: fix the build first", loadErrs[0], more)
	}
	graph, err := checker.Analyze(passes.Analyzers, pkgs, nil)
	if err != nil {
		return nil, fmt.Errorf("vet: %w", err)
	}
	var errs []error
	seen := map[string]bool{}
	var out []Diagnostic
	for _, act := range graph.Roots {
		if act.Err != nil {
			errs = append(errs, fmt.Errorf("%s on %s: %w", act.Analyzer.Name, act.Package.PkgPath, act.Err))
			continue
		}
		for _, d := range act.Diagnostics {
			diag := resolve(act.Package, act.Analyzer.Name, d)
			key := fmt.Sprintf("%s:%d:%d:%s:%s", diag.File, diag.Line, diag.Column, diag.Analyzer, diag.Message)
			if !seen[key] {
				seen[key] = true
				out = append(out, diag)
			}
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("vet: %w", err)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		if a.Column != b.Column {
			return a.Column < b.Column
		}
		return a.Analyzer < b.Analyzer
	})
	return out, nil
}

func resolve(pkg *packages.Package, analyzer string, d analysis.Diagnostic) Diagnostic {
	pos := pkg.Fset.Position(d.Pos)
	out := Diagnostic{Analyzer: analyzer, Category: d.Category, Message: d.Message,
		File: pos.Filename, Line: pos.Line, Column: pos.Column, Func: enclosingFunc(pkg, d),
		Package: strings.TrimSuffix(pkg.PkgPath, "_test")}
	out.Fixes = resolveFixes(pkg, d)
	for _, r := range d.Related {
		if !r.Pos.IsValid() {
			continue
		}
		rp := pkg.Fset.Position(r.Pos)
		out.Related = append(out.Related, Related{Message: r.Message, File: rp.Filename, Line: rp.Line, Column: rp.Column})
	}
	return out
}

// relPath returns file relative to the working directory when it is inside it.
func relPath(file string) string {
	wd, err := os.Getwd()
	if err != nil {
		return file
	}
	rel, err := filepath.Rel(wd, file)
	if err != nil || strings.HasPrefix(rel, "..") {
		return file
	}
	return rel
}
