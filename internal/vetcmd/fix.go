package vetcmd

import (
	"cmp"
	"errors"
	"fmt"
	"go/format"
	"io"
	"os"
	"slices"
	"strings"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/packages"
)

// Fix is a suggested fix of a [Diagnostic]: edits to apply together.
type Fix struct {
	Message string
	Edits   []Edit
}

// Edit replaces the bytes [Offset, End) of File with NewText.
type Edit struct {
	File        string // absolute path
	Offset, End int
	NewText     string
}

// resolveFixes converts the suggested fixes of d to file offsets; a fix with
// an edit outside the package's files is dropped.
func resolveFixes(pkg *packages.Package, d analysis.Diagnostic) []Fix {
	var out []Fix
next:
	for _, sf := range d.SuggestedFixes {
		fix := Fix{Message: sf.Message}
		for _, te := range sf.TextEdits {
			tf := pkg.Fset.File(te.Pos)
			end := te.End
			if !end.IsValid() {
				end = te.Pos
			}
			if tf == nil || pkg.Fset.File(end) != tf {
				continue next
			}
			fix.Edits = append(fix.Edits, Edit{File: tf.Name(), Offset: tf.Offset(te.Pos), End: tf.Offset(end), NewText: string(te.NewText)})
		}
		out = append(out, fix)
	}
	return out
}

// ApplyFixes applies the first suggested fix of each diagnostic of ds that
// has one, gofmts every file it changes and returns the number of fixes
// applied per file. The same edit offered twice (a package and its test
// variant share files) is applied once. Edits of different fixes that
// overlap are refused with an error before any file is written.
func ApplyFixes(ds []Diagnostic) (map[string]int, error) {
	byFile := map[string][]Edit{}
	counts := map[string]int{}
	seen := map[Edit]bool{}
	for _, d := range ds {
		if len(d.Fixes) == 0 {
			continue
		}
		fresh := false
		for _, e := range d.Fixes[0].Edits {
			if !seen[e] {
				seen[e] = true
				fresh = true
				byFile[e.File] = append(byFile[e.File], e)
			}
		}
		if fresh {
			counts[d.Fixes[0].Edits[0].File]++
		}
	}
	fixed := map[string][]byte{}
	var errs []error
	for file, edits := range byFile {
		src, err := os.ReadFile(file)
		if err == nil {
			src, err = applyEdits(src, edits)
		}
		if err == nil {
			src, err = format.Source(src)
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("fix %s: %w", file, err))
			continue
		}
		fixed[file] = src
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("vet: %w: no file was changed", err)
	}
	for file, src := range fixed {
		info, err := os.Stat(file)
		if err == nil {
			err = os.WriteFile(file, src, info.Mode().Perm())
		}
		if err != nil {
			return nil, fmt.Errorf("vet: write fixed file: %w", err)
		}
	}
	return counts, nil
}

// applyEdits applies edits, which must not overlap, to src.
func applyEdits(src []byte, edits []Edit) ([]byte, error) {
	slices.SortFunc(edits, func(a, b Edit) int { return cmp.Or(cmp.Compare(a.Offset, b.Offset), cmp.Compare(a.End, b.End)) })
	var b strings.Builder
	last := 0
	for i, e := range edits {
		if e.Offset < last || e.End < e.Offset || e.End > len(src) {
			if i > 0 && e.Offset < last {
				return nil, fmt.Errorf("two fixes change offset %d: apply one, then run again", e.Offset)
			}
			return nil, fmt.Errorf("edit [%d,%d) outside the file: the file changed since it was analyzed", e.Offset, e.End)
		}
		b.Write(src[last:e.Offset])
		b.WriteString(e.NewText)
		last = e.End
	}
	b.Write(src[last:])
	return []byte(b.String()), nil
}

// writeFixed prints one line saying how many fixes were applied to which
// files, sorted by file.
func writeFixed(w io.Writer, counts map[string]int) error {
	files := make([]string, 0, len(counts))
	total := 0
	for f, n := range counts {
		files = append(files, f)
		total += n
	}
	slices.Sort(files)
	parts := make([]string, len(files))
	for i, f := range files {
		parts[i] = fmt.Sprintf("%s (%d)", relPath(f), counts[f])
	}
	noun := "fixes"
	if total == 1 {
		noun = "fix"
	}
	_, err := fmt.Fprintf(w, "leakhound vet: applied %d %s: %s\n", total, noun, strings.Join(parts, ", "))
	return err
}

// applyFixes applies the fixes of ds, says on w how many it applied to which
// files, and returns the diagnostics that had none.
func applyFixes(ds []Diagnostic, w io.Writer) ([]Diagnostic, error) {
	counts, err := ApplyFixes(ds)
	if err != nil {
		return nil, err
	}
	if len(counts) > 0 {
		if err := writeFixed(w, counts); err != nil {
			return nil, fmt.Errorf("vet: %w", err)
		}
	}
	return slices.DeleteFunc(ds, func(d Diagnostic) bool { return len(d.Fixes) > 0 }), nil
}
