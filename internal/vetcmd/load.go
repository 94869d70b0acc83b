package vetcmd

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os/exec"
	"path/filepath"
	"strings"

	"golang.org/x/tools/go/packages"
)

// The analyzers need the packages they check, and those they import outside
// the standard library, from source: facts about a dependency come from its
// function bodies. The standard library is described by the analyzers'
// tables and never analyzed (passutil.InGOROOT), yet loading it from source
// type-checks every body of every standard package a module imports, most
// of the time of a run. So the standard library's function bodies are
// dropped as its files are parsed: its declarations, which the packages
// that import it need, are type-checked as before.

// loadPackages loads the packages matching patterns, with their test
// variants if tests is set, every package from source, the function bodies
// of the standard library's packages left out (unless a pattern may name a
// standard package: then it loads everything whole).
func loadPackages(patterns []string, tests bool) ([]*packages.Package, error) {
	cfg := &packages.Config{Mode: packages.LoadAllSyntax | packages.NeedModule, Tests: tests}
	goroot := ""
	if !mayNameStd(patterns) {
		goroot = goRoot()
	}
	if goroot != "" {
		cfg.ParseFile = func(fset *token.FileSet, filename string, src []byte) (*ast.File, error) {
			if inDir(filename, goroot) {
				return parseDeclarations(fset, filename, src)
			}
			return parser.ParseFile(fset, filename, src, parser.AllErrors|parser.ParseComments)
		}
	}
	pkgs, err := packages.Load(cfg, patterns...)
	if err != nil || goroot == "" {
		return pkgs, err
	}
	forgiveUnusedImports(pkgs, goroot)
	return pkgs, nil
}

// mayNameStd reports whether one of patterns may match a standard library
// package: a pattern that is not a file system path and whose first element
// has no dot ("std", "net/http", "cmd/..."; also the paths of modules named
// without a dot, which are then loaded whole, only more slowly).
func mayNameStd(patterns []string) bool {
	for _, p := range patterns {
		if p == "." || p == ".." || strings.HasPrefix(p, "./") || strings.HasPrefix(p, "../") ||
			filepath.IsAbs(p) || strings.HasSuffix(p, ".go") {
			continue
		}
		first, _, _ := strings.Cut(p, "/")
		if !strings.Contains(first, ".") {
			return true
		}
	}
	return false
}

// goRoot returns the GOROOT of the go command that loads the packages, or
// "" if it cannot tell (then nothing is left out).
func goRoot() string {
	out, err := exec.Command("go", "env", "GOROOT").Output()
	if err != nil {
		return ""
	}
	root := strings.TrimSpace(string(out))
	if root == "" || !filepath.IsAbs(root) {
		return ""
	}
	return filepath.Clean(root)
}

// inDir reports whether the file path lies below dir.
func inDir(path, dir string) bool {
	return strings.HasPrefix(path, dir+string(filepath.Separator))
}

// parseDeclarations parses a file keeping its declarations and dropping the
// bodies of its functions and methods, except those go/types requires: an
// init function keeps an empty body, generic functions and the methods of
// generic types keep theirs. Comments and object resolution are skipped:
// nothing reads them in the standard library's files.
func parseDeclarations(fset *token.FileSet, filename string, src []byte) (*ast.File, error) {
	f, err := parser.ParseFile(fset, filename, src, parser.SkipObjectResolution)
	if f == nil {
		return nil, err
	}
	for _, decl := range f.Decls {
		fd, ok := decl.(*ast.FuncDecl)
		if !ok || fd.Body == nil || isGeneric(fd) {
			continue
		}
		if fd.Recv == nil && fd.Name.Name == "init" {
			fd.Body = &ast.BlockStmt{Lbrace: fd.Body.Lbrace, Rbrace: fd.Body.Rbrace}
		} else {
			fd.Body = nil
		}
	}
	return f, err
}

// isGeneric reports whether fd declares a generic function or a method of a
// generic type.
func isGeneric(fd *ast.FuncDecl) bool {
	if fd.Type.TypeParams != nil {
		return true
	}
	if fd.Recv == nil || len(fd.Recv.List) == 0 {
		return false
	}
	recv := fd.Recv.List[0].Type
	for {
		switch t := recv.(type) {
		case *ast.StarExpr:
			recv = t.X
		case *ast.ParenExpr:
			recv = t.X
		case *ast.IndexExpr, *ast.IndexListExpr:
			return true
		default:
			return false
		}
	}
}

// forgiveUnusedImports removes, from the standard library's packages, the
// type errors that dropping function bodies causes (an import used only in
// bodies is now unused) and recomputes IllTyped for every package, which a
// package inherits from its imports.
func forgiveUnusedImports(pkgs []*packages.Package, goroot string) {
	packages.Visit(pkgs, nil, func(p *packages.Package) {
		if inGOROOT(p, goroot) {
			kept := p.Errors[:0]
			for _, e := range p.Errors {
				if !(e.Kind == packages.TypeError && isUnusedImport(e.Msg)) {
					kept = append(kept, e)
				}
			}
			p.Errors = kept
		}
		// Visit calls this after it has for every import of p.
		p.IllTyped = len(p.Errors) > 0
		for _, imp := range p.Imports {
			p.IllTyped = p.IllTyped || imp.IllTyped
		}
	})
}

// inGOROOT reports whether p's files lie in the standard library.
func inGOROOT(p *packages.Package, goroot string) bool {
	// GoFiles, not CompiledGoFiles: cgo's generated files lie in the build
	// cache.
	return len(p.GoFiles) > 0 && inDir(p.GoFiles[0], goroot)
}

// isUnusedImport reports whether msg is go/types' error for an unused
// import: `"fmt" imported and not used` or `"fmt" imported as f and not
// used`.
func isUnusedImport(msg string) bool {
	return strings.HasPrefix(msg, `"`) && strings.Contains(msg, `" imported `) && strings.HasSuffix(msg, " and not used")
}
