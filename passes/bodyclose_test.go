package passes_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"golang.org/x/tools/go/analysis/checker"
	"golang.org/x/tools/go/packages"

	"github.com/leakhound/leakhound/passes"
)

// bodycloseModule is the version of the bodyclose analyzer whose own test
// corpus (its package "a") leakhound must agree with: every line it wants a
// diagnostic on is reported, and no other line.
const bodycloseModule = "github.com/timakin/bodyclose@v0.0.0-20260723120731-857993a2939c"

// unreachable are the go command's words for a module proxy it cannot reach.
var unreachable = regexp.MustCompile(`dial tcp|no such host|connection refused|i/o timeout|network is unreachable|proxyconnect|module lookup disabled|GOPROXY=off|TLS handshake timeout`)

// downloadBodyclose returns the directory of bodycloseModule, downloading it
// through the module proxy; it skips the test only when the proxy cannot be
// reached.
func downloadBodyclose(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("downloads " + bodycloseModule)
	}
	cmd := exec.Command("go", "mod", "download", "-json", bodycloseModule)
	cmd.Dir = t.TempDir()
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOWORK=off")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	runErr := cmd.Run()
	var mod struct{ Dir, Error string }
	if err := json.Unmarshal(stdout.Bytes(), &mod); err != nil && runErr == nil {
		t.Fatalf("go mod download -json %s: %v\n%s", bodycloseModule, err, stdout.String())
	}
	if runErr != nil || mod.Error != "" {
		msg := strings.TrimSpace(mod.Error + "\n" + stderr.String())
		if unreachable.MatchString(msg) {
			t.Skipf("module proxy cannot be reached, so %s cannot be downloaded: %s", bodycloseModule, msg)
		}
		t.Fatalf("go mod download %s: %v: %s", bodycloseModule, runErr, msg)
	}
	return mod.Dir
}

// wantLines returns "file:line" of every line of the Go files in dir whose
// comment says `// want`, and the number of lines it marks "// OK".
func wantLines(t *testing.T, dir string) (want map[string]bool, ok int) {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no Go files in %s: %v", dir, err)
	}
	want = map[string]bool{}
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for i, line := range strings.Split(string(src), "\n") {
			switch {
			case strings.Contains(line, "// want "):
				want[fmt.Sprintf("%s:%d", filepath.Base(f), i+1)] = true
			case strings.Contains(line, "// OK"):
				ok++
			}
		}
	}
	return want, ok
}

func TestBodycloseCorpus(t *testing.T) {
	testdata := filepath.Join(downloadBodyclose(t), "passes", "bodyclose", "testdata")
	want, okLines := wantLines(t, filepath.Join(testdata, "src", "a"))
	got := analyze(t, testdata, "a")
	var missed, extra []string
	for k := range want {
		if got[k] == nil {
			missed = append(missed, k)
		}
	}
	for k, msgs := range got {
		if !want[k] {
			extra = append(extra, k+": "+strings.Join(msgs, "; "))
		}
	}
	slices.Sort(missed)
	slices.Sort(extra)
	t.Logf("bodyclose's positives reported: %d of %d; lines it marks OK: %d; other lines reported: %d",
		len(want)-len(missed), len(want), okLines, len(extra))
	for _, m := range missed {
		t.Errorf("bodyclose wants a diagnostic at %s: leakhound reports none", m)
	}
	for _, e := range extra {
		t.Errorf("bodyclose wants no diagnostic at %s", e)
	}
}

// analyze runs passes.Analyzers, as leakhound vet does, on the package pkg of
// the GOPATH-layout tree testdata/src, and returns the diagnostics by
// "file:line".
func analyze(t *testing.T, testdata, pkg string) map[string][]string {
	t.Helper()
	cfg := &packages.Config{
		Mode: packages.LoadAllSyntax,
		Dir:  filepath.Join(testdata, "src", pkg),
		Env:  append(os.Environ(), "GOPATH="+testdata, "GO111MODULE=off", "GOWORK=off", "GOFLAGS="),
	}
	pkgs, err := packages.Load(cfg, pkg)
	if err != nil {
		t.Fatalf("load bodyclose's package %s: %v", pkg, err)
	}
	packages.Visit(pkgs, nil, func(p *packages.Package) {
		for _, e := range p.Errors {
			t.Errorf("load %s: %v", p.PkgPath, e)
		}
	})
	graph, err := checker.Analyze(passes.Analyzers, pkgs, nil)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string][]string{}
	for _, act := range graph.Roots {
		if act.Err != nil {
			t.Fatalf("%s on bodyclose's package %s: %v", act.Analyzer.Name, pkg, act.Err)
		}
		for _, d := range act.Diagnostics {
			pos := act.Package.Fset.Position(d.Pos)
			key := fmt.Sprintf("%s:%d", filepath.Base(pos.Filename), pos.Line)
			got[key] = append(got[key], d.Message+" ("+act.Analyzer.Name+")")
		}
	}
	return got
}
