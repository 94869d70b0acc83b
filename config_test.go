package leakhound

import (
	"os"
	"path/filepath"
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
	for _, tt := range []struct{ name, file, want string }{
		{"YAML", filepath.Join(dir, ".leakhound.yaml"), "YAML is not supported yet here"},
		{"missing", filepath.Join(dir, "missing.json"), "ConfigFile: read the leakhound configuration"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := Find(ConfigFile(tt.file)); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Find(ConfigFile(%s)) = %v, want an error containing %q", tt.file, err, tt.want)
			}
		})
	}
}
