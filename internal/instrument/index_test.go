package instrument

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"
)

// TestBuildIndex checks that a second Build finds the GOROOT through the
// index, and that an index entry whose GOROOT is gone is not trusted.
func TestBuildIndex(t *testing.T) {
	c := testConfig(t, runtime.GOROOT(), runtime.Version())
	first, err := Build(c)
	if err != nil {
		t.Fatal(err)
	}
	key, err := inputKey(c)
	if err != nil {
		t.Fatal(err)
	}
	if dir, ok := lookupIndex(c.CacheDir, key); !ok || dir != first.Dir {
		t.Fatalf("index holds %q, %v; want %s", dir, ok, first.Dir)
	}
	second, err := Build(c)
	if err != nil || second.Dir != first.Dir {
		t.Fatalf("second Build = %v, %v; want %s", second, err, first.Dir)
	}
	if err := os.RemoveAll(first.Dir); err != nil {
		t.Fatal(err)
	}
	if _, ok := lookupIndex(c.CacheDir, key); ok {
		t.Fatal("the index names a GOROOT that is gone")
	}
	third, err := Build(c)
	if err != nil || third.Dir != first.Dir {
		t.Fatalf("Build after removal = %v, %v; want %s made again", third, err, first.Dir)
	}
	if _, err := os.Stat(filepath.Join(third.Dir, markerFile)); err != nil {
		t.Fatalf("not made again: %v", err)
	}
}

// TestInputKey checks that the key changes with each thing the GOROOT is
// made from, on a fake GOROOT and a fake tracker source.
func TestInputKey(t *testing.T) {
	goroot, source := t.TempDir(), t.TempDir()
	write := func(path, data string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, p := range stdPatches {
		write(filepath.Join(goroot, "src", p.dir, "a.go"), "package a\n")
	}
	for _, rel := range trackerPackages {
		write(filepath.Join(source, rel, "a.go"), "package a\n")
	}
	c := Config{GOROOT: goroot, GoVersion: "go1.99.0", Source: source, ToolVersion: "test"}
	key := func() string {
		t.Helper()
		k, err := inputKey(c)
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	base := key()
	if key() != base {
		t.Fatal("the key is not stable")
	}
	changes := []struct {
		name   string
		change func()
	}{
		{"tool version", func() { c.ToolVersion = "test2" }},
		{"a tracker source", func() { write(filepath.Join(source, "track", "a.go"), "package b\n") }},
		{"a new standard file", func() { write(filepath.Join(goroot, "src", "os", "b.go"), "package os\n") }},
		{"a standard file's time", func() {
			later := time.Now().Add(time.Hour)
			if err := os.Chtimes(filepath.Join(goroot, "src", "runtime", "a.go"), later, later); err != nil {
				t.Fatal(err)
			}
		}},
	}
	seen := map[string]string{base: "the base"}
	for _, ch := range changes {
		ch.change()
		k := key()
		if prev, ok := seen[k]; ok {
			t.Errorf("after changing %s the key is the one of %s", ch.name, prev)
		}
		seen[k] = ch.name
	}
}
