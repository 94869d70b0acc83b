package stack

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/*/*.golden.json from the parser's output")

// fixtures returns the real runtime outputs written by testdata/gen.go.
func fixtures(t testing.TB) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", "go1.*", "*.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no fixtures in testdata/go1.*: run go generate in testdata (go run gen.go)")
	}
	return files
}

// TestGolden parses every fixture and compares the result, as JSON, with its
// golden file.
func TestGolden(t *testing.T) {
	for _, file := range fixtures(t) {
		name := strings.TrimSuffix(file, ".txt")
		t.Run(strings.TrimPrefix(name, "testdata"+string(filepath.Separator)), func(t *testing.T) {
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			var got any
			switch f := Detect(data); f {
			case FormatDump:
				d, err := ParseDump(data)
				if err != nil {
					t.Fatalf("ParseDump: %v", err)
				}
				got = d
			case FormatProfileText:
				p, err := ParseProfile(data)
				if err != nil {
					t.Fatalf("ParseProfile: %v", err)
				}
				got = p
			default:
				t.Fatalf("Detect = %d, want a dump or a text profile", f)
			}
			b, err := json.MarshalIndent(got, "", "\t")
			if err != nil {
				t.Fatal(err)
			}
			b = append(b, '\n')
			golden := name + ".golden.json"
			if *update {
				if err := os.WriteFile(golden, b, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if !bytes.Equal(b, want) {
				t.Errorf("parse of %s differs from %s (run go test -update and review the diff):\n%s", file, golden, firstDiff(b, want))
			}
		})
	}
}

// firstDiff shows the first differing line of got and want.
func firstDiff(got, want []byte) string {
	g, w := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
	for i := 0; i < len(g) && i < len(w); i++ {
		if g[i] != w[i] {
			return "line " + itoa(int64(i+1)) + ":\n got: " + g[i] + "\nwant: " + w[i]
		}
	}
	return "lengths differ"
}
