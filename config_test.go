package leakhound

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestConfigFile checks that each kind of ignore rule of a .leakhound.json
// excuses the goroutine it names under Check, and only that one.
func TestConfigFile(t *testing.T) {
	tests := []struct {
		name, rule string
		excused    bool
	}{
		{"top_function", `"top_function": "` + funcName(blockForever) + `"`, true},
		{"created_by", `"created_by": "` + funcName(startBlocked) + `"`, true},
		{"any_function prefix", `"any_function": "github.com/leakhound/leakhound.blockFor*"`, true},
		{"kind and resource", `"kind": "goroutine", "resource": "goroutine"`, true},
		{"test", `"test": "^TestConfig/ru"`, true},
		{"another function", `"top_function": "` + funcName(startBlocked) + `"`, false},
		{"another kind", `"kind": "resource"`, false},
		{"another test", `"test": "^TestOther$"`, false},
		{"a package: the library's findings have none", `"package": "github.com/leakhound/leakhound"`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), ".leakhound.json")
			content := `{"ignore": [{` + tt.rule + `, "reason": "the test"}]}`
			if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
				t.Fatal(err)
			}
			ft := &fakeT{name: "TestConfig/rule"}
			runOnNewGoroutine(func() {
				Check(ft, MaxWait(20*time.Millisecond), ConfigFile(path))
				startBlocked()
				ft.end()
			})
			if excused := len(ft.errs) == 0; excused != tt.excused {
				t.Errorf("excused %v, want %v; errors: %v", excused, tt.excused, ft.errs)
			}
		})
	}
}

func TestConfigFileErrors(t *testing.T) {
	dir := t.TempDir()
	where := filepath.Join(dir, ".leakhound.json")
	if err := os.WriteFile(where, []byte("{\"ignore\": [\n  {\"kind\": \"goroutine\", \"reason\": \"r\",\n   \"where\": \"x.go:1\"}]}"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ name, file, want string }{
		{"YAML", filepath.Join(dir, ".leakhound.yaml"), "YAML is not supported yet here"},
		{"missing", filepath.Join(dir, "missing.json"), "ConfigFile: read the leakhound configuration"},
		{"where", where, where + `:3: unknown key "where" in an ignore rule`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := Find(ConfigFile(tt.file)); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Find(ConfigFile(%s)) = %v, want an error containing %q", tt.file, err, tt.want)
			}
		})
	}
}

// TestStaleRulesAtTheEndOfTheBinary runs testdata/configstale, whose
// configuration has a rule that a Check uses, one that VerifyTestMain's
// verdict uses, one that nothing uses, and one for files, which the library
// never reports, and checks that VerifyTestMain prints the stale rules of
// the whole binary, with their lines, once (not the rule for files).
func TestStaleRulesAtTheEndOfTheBinary(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "configstale.test")
	if out, err := goCommand(t, nil, "test", "-c", "-o", bin, "./testdata/configstale"); err != nil {
		t.Fatalf("build testdata/configstale: %v\n%s", err, out)
	}
	dir, err := filepath.Abs(filepath.Join("testdata", "configstale"))
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, ".leakhound.json")
	for _, tt := range []struct {
		name      string
		run       string
		wantLines []int // of the rules printed stale, in order
	}{
		{"every test", ".", []int{3}},
		{"without the test whose Check uses a rule", "TestBackground", []int{2, 3}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			cmd := exec.CommandContext(ctx, bin, "-test.run", tt.run)
			cmd.Dir = dir
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("the binary failed: %v\n%s", err, out)
			}
			var got []int
			for line := range strings.Lines(string(out)) {
				rest, ok := strings.CutPrefix(line, "leakhound: "+file+":")
				if !ok || !strings.Contains(rest, ": stale ignore rule: it excused no goroutine in this test binary") {
					continue
				}
				n, err := strconv.Atoi(rest[:strings.Index(rest, ":")])
				if err != nil {
					t.Fatalf("no line in %q", line)
				}
				got = append(got, n)
			}
			if !slices.Equal(got, tt.wantLines) {
				t.Errorf("stale rules at lines %v, want %v:\n%s", got, tt.wantLines, out)
			}
		})
	}
}
