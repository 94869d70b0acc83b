// Package srcedit makes the edits that baselines must survive, for tests
// and benchmarks:
// a copy of a module whose files get lines inserted above every statement
// they had and are then reformatted, as a person's unrelated edit would.
package srcedit

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/format"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// CopyDir copies the directory tree src into a new temporary directory of
// t and returns it.
func CopyDir(t testing.TB, src string) string {
	t.Helper()
	dst := t.TempDir()
	if err := os.CopyFS(dst, os.DirFS(src)); err != nil {
		t.Fatalf("copy %s: %v", src, err)
	}
	return dst
}

// ShiftLines is [Shift] in a test: it fails t on an error.
func ShiftLines(t testing.TB, dir string) int {
	t.Helper()
	n, err := Shift(dir)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// Shift edits every .go file under dir: a comment after the package
// clause, and a comment and blank lines at the start of every function
// declaration's body, so that every line of code moves down by an amount
// that differs from function to function; then gofmt's formatting. Function
// literals are left alone: a one-line closure stays on one line, and so do
// the //leakhound:ignore comments at its end. It returns how many files it
// changed.
func Shift(dir string) (int, error) {
	n := 0
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") {
			return err
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		out, err := shift(path, src)
		if err != nil {
			return err
		}
		n++
		return os.WriteFile(path, out, 0o644)
	})
	if err != nil {
		return n, fmt.Errorf("edit the files under %s: %w", dir, err)
	}
	return n, nil
}

// shift returns src with the lines ShiftLines inserts, formatted.
func shift(path string, src []byte) ([]byte, error) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, path, src, parser.ParseComments)
	if err != nil {
		return nil, err
	}
	tf := fset.File(f.Pos())
	// Insertion points, by offset: after the package name, and after the
	// opening brace of every function declaration's body.
	at := []int{tf.Offset(f.Name.End())}
	for _, d := range f.Decls {
		if fd, ok := d.(*ast.FuncDecl); ok && fd.Body != nil {
			at = append(at, tf.Offset(fd.Body.Lbrace)+1)
		}
	}
	slices.Sort(at)
	var b bytes.Buffer
	last := 0
	for _, off := range at {
		b.Write(src[last:off])
		b.WriteString("\n\n      // a line an unrelated edit added\n\n")
		last = off
	}
	b.Write(src[last:])
	return format.Source(b.Bytes())
}

// WriteFile writes content to dir/name, making its directory.
func WriteFile(t testing.TB, dir, name, content string) {
	t.Helper()
	path := filepath.Join(dir, filepath.FromSlash(name))
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}
