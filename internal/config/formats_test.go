package config

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

// TestYAMLAndJSONReadTheSame reads each configuration written as YAML and
// as JSON, line for line, and checks that both give the same Config, or
// the same errors at the same lines.
func TestYAMLAndJSONReadTheSame(t *testing.T) {
	tests := []struct {
		name, yaml, json string
		want             string // a part of the error, after the file's name; "" for none
	}{
		{
			name: "every section",
			yaml: `version: 1
ignore:
  - top_function: "example.com/app.worker"
    reason: stopped at exit
  - {kind: resource, resource: os.File, finding_reason: closed-by-gc, test: "^TestOld", package: "example.com/app/...", any_function: "example.com/app.*", reason: old}
thresholds:
  held: 30s
  retained: true
vet:
  enable: [unclosed, rawfd]
  disable: []
  skip: ["gen/..."]
packages:
  - path: example.com/app/legacy/...
    ignore:
      - created_by: "example.com/app/legacy.start"
        reason: replaced in Q3
    thresholds: {held: 5m, retained: false}
    vet: {disable: [rawfd]}
`,
			json: `{"version": 1,
"ignore": [
  {"top_function": "example.com/app.worker",
   "reason": "stopped at exit"},
  {"kind": "resource", "resource": "os.File", "finding_reason": "closed-by-gc", "test": "^TestOld", "package": "example.com/app/...", "any_function": "example.com/app.*", "reason": "old"}],
"thresholds": {
  "held": "30s",
  "retained": true},
"vet": {
  "enable": ["unclosed", "rawfd"],
  "disable": [],
  "skip": ["gen/..."]},
"packages": [
  {"path": "example.com/app/legacy/...",
   "ignore": [
      {"created_by": "example.com/app/legacy.start",
       "reason": "replaced in Q3"}],
   "thresholds": {"held": "5m", "retained": false},
   "vet": {"disable": ["rawfd"]}}]}
`,
		},
		{name: "empty", yaml: "", json: ""},
		{
			name: "where is not a key",
			yaml: "ignore:\n  - kind: goroutine\n    where: x.go:3\n    reason: r\n",
			json: "{\"ignore\": [\n  {\"kind\": \"goroutine\",\n   \"where\": \"x.go:3\",\n   \"reason\": \"r\"}]}\n",
			want: `:3: unknown key "where" in an ignore rule: use one of top_function, created_by, any_function, kind, resource, finding_reason, test, package, reason`,
		},
		{
			name: "unknown top key",
			yaml: "version: 1\nignored: []\n",
			json: "{\"version\": 1,\n\"ignored\": []}\n",
			want: `:2: unknown key "ignored" in the configuration: use one of version, ignore, thresholds, vet, packages, $schema`,
		},
		{
			name: "a key twice",
			yaml: "ignore:\n  - kind: goroutine\n    reason: a\n    reason: b\n",
			json: "{\"ignore\": [\n  {\"kind\": \"goroutine\",\n   \"reason\": \"a\",\n   \"reason\": \"b\"}]}\n",
			want: `:4: "reason" given twice in an ignore rule`,
		},
		{
			name: "rule without reason",
			yaml: "ignore:\n  - kind: goroutine\n",
			json: "{\"ignore\": [\n  {\"kind\": \"goroutine\"}]}\n",
			want: ":2: the rule has no reason",
		},
		{
			name: "rule without matcher",
			yaml: "version: 1\nignore:\n  - reason: why\n",
			json: "{\"version\": 1,\n\"ignore\": [\n  {\"reason\": \"why\"}]}\n",
			want: ":3: the rule matches nothing",
		},
		{
			name: "reason not a string",
			yaml: "ignore:\n  - kind: goroutine\n    reason: 5\n",
			json: "{\"ignore\": [\n  {\"kind\": \"goroutine\",\n   \"reason\": 5}]}\n",
			want: ":3: reason must be a non-empty string, not 5",
		},
		{
			name: "bad kind",
			yaml: "ignore:\n  - kind: thread\n    reason: r\n",
			json: "{\"ignore\": [\n  {\"kind\": \"thread\", \"reason\": \"r\"}]}\n",
			want: `:2: kind "thread": use goroutine, resource, finalizer or static`,
		},
		{
			name: "ignore not a list",
			yaml: "version: 1\nignore: {kind: goroutine}\n",
			json: "{\"version\": 1,\n\"ignore\": {\"kind\": \"goroutine\"}}\n",
			want: ":2: ignore must be a list of rules, not a mapping",
		},
		{
			name: "held not a duration",
			yaml: "thresholds:\n  held: soon\n",
			json: "{\"thresholds\": {\n  \"held\": \"soon\"}}\n",
			want: `:2: held "soon" is not a duration`,
		},
		{
			name: "held a number",
			yaml: "thresholds:\n  held: 30\n",
			json: "{\"thresholds\": {\n  \"held\": 30}}\n",
			want: `:2: held 30 is not a duration`,
		},
		{
			name: "retained a string",
			yaml: "thresholds:\n  retained: \"yes\"\n",
			json: "{\"thresholds\": {\n  \"retained\": \"yes\"}}\n",
			want: `:2: retained "yes": use true or false`,
		},
		{
			name: "version",
			yaml: "\nversion: 2\n",
			json: "{\n\"version\": 2}\n",
			want: ":2: version 2: this leakhound reads version 1",
		},
		{
			name: "version as a string",
			yaml: "version: \"1\"\n",
			json: "{\"version\": \"1\"}\n",
			want: `:1: version "1": this leakhound reads version 1`,
		},
		{
			name: "vet skip not a list",
			yaml: "vet:\n  skip: gen\n",
			json: "{\"vet\": {\n  \"skip\": \"gen\"}}\n",
			want: `:2: vet skip must be a list, not "gen"`,
		},
		{
			name: "packages entry without path",
			yaml: "packages:\n  - thresholds: {held: 1s}\n",
			json: "{\"packages\": [\n  {\"thresholds\": {\"held\": \"1s\"}}]}\n",
			want: ":2: the packages entry has no path",
		},
		{
			name: "package matcher in an entry's rule",
			yaml: "packages:\n  - path: x/...\n    ignore:\n      - package: x/y\n        reason: r\n",
			json: "{\"packages\": [\n  {\"path\": \"x/...\",\n   \"ignore\": [\n      {\"package\": \"x/y\",\n       \"reason\": \"r\"}]}]}\n",
			want: ":4: package in a rule of a packages entry",
		},
		{
			name: "not a mapping",
			yaml: "- kind: goroutine\n",
			json: "[{\"kind\": \"goroutine\"}]\n",
			want: ":1: the configuration must be a mapping of version, ignore, thresholds, vet, packages, $schema, not a list",
		},
		{
			name: "null",
			yaml: "ignore: null\n",
			json: "{\"ignore\": null}\n",
			want: ":1: ignore must be a list of rules, not nothing",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			var got [2]string // the Config as JSON, or the error; file names replaced
			for i, f := range []struct{ name, content string }{{".leakhound.yaml", tt.yaml}, {".leakhound.json", tt.json}} {
				path := write(t, dir, f.name, f.content)
				c, err := Read(path)
				if err != nil {
					got[i] = strings.ReplaceAll(err.Error(), path, "FILE")
					if tt.want == "" || !strings.Contains(got[i], "FILE"+tt.want) {
						t.Errorf("%s: Read = %v, want an error containing %q", f.name, err, "FILE"+tt.want)
					}
					continue
				}
				if tt.want != "" {
					t.Errorf("%s: Read succeeded, want an error containing %q", f.name, tt.want)
				}
				data, err := json.Marshal(c)
				if err != nil {
					t.Fatal(err)
				}
				got[i] = strings.ReplaceAll(string(data), path, "FILE")
			}
			if got[0] != got[1] {
				t.Errorf("YAML and JSON differ:\nYAML: %s\nJSON: %s", got[0], got[1])
			}
		})
	}
}

// TestEveryLineIsRead checks the lines of the first example: the rules, the
// packages entry and the vet items are where the file says.
func TestEveryLineIsRead(t *testing.T) {
	for _, name := range []string{".leakhound.yaml", ".leakhound.json"} {
		content := "ignore:\n  - kind: goroutine\n    reason: a\n  - kind: resource\n    reason: b\nvet:\n  disable:\n    - rawfd\npackages:\n  - path: x/...\n"
		if strings.HasSuffix(name, ".json") {
			content = "{\"ignore\": [\n  {\"kind\": \"goroutine\",\n    \"reason\": \"a\"},\n  {\"kind\": \"resource\",\n    \"reason\": \"b\"}],\n\"vet\": {\n  \"disable\": [\n    \"rawfd\"]},\n\"packages\": [\n  {\"path\": \"x/...\"}]}\n"
		}
		path := write(t, t.TempDir(), name, content)
		c, err := Read(path)
		if err != nil {
			t.Fatal(err)
		}
		got := []string{c.Ignore[0].Where, c.Ignore[1].Where, c.Vet.Disable[0].Where, c.Packages[0].Where}
		want := []string{path + ":2", path + ":4", path + ":8", path + ":10"}
		if strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("%s: lines %v, want %v", name, got, want)
		}
	}
}

// TestSyntaxErrorsNameTheLine checks the line of syntax errors in both
// formats.
func TestSyntaxErrorsNameTheLine(t *testing.T) {
	for _, tt := range []struct{ name, file, content, want string }{
		{"YAML, on the first line", ".leakhound.yaml", "a: b: c\n", ":1: syntax error: mapping values are not allowed"},
		{"YAML, scanner", ".leakhound.yaml", "version: 1\nignore:\n  - kind: `x`\n", ":3: syntax error: found character that cannot start any token"},
		{"YAML, parser", ".leakhound.yaml", "version: 1\nvet:\n  skip: [a,\n\nb\n", ":3: syntax error: did not find expected ',' or ']'"},
		{"YAML, unknown alias", ".leakhound.yaml", "version: 1\n\nignore: *rules\n", ":3: syntax error: unknown anchor 'rules' referenced"},
		{"YAML, a tab", ".leakhound.yaml", "version: 1\nignore:\n\t- kind: goroutine\n", ":3: syntax error: found character that cannot start any token"},
		{"JSON, bad token", ".leakhound.json", "{\"version\": 1,\n\"ignore\": [}\n", ":2: syntax error: invalid character '}'"},
		{"JSON, a missing comma", ".leakhound.json", "{\"version\": 1\n\n\"ignore\": []}\n", ":3: syntax error: invalid character '\"' after object key:value pair"},
		{"JSON, cut short", ".leakhound.json", "{\"version\": 1,\n\"ignore\": [\n", ":2: syntax error: the file ends before the JSON value does"},
		{"JSON, after the end", ".leakhound.json", "{\"version\": 1}\n{}\n", ":2: syntax error: more after the end of the JSON value"},
		{"JSON, too deep", ".leakhound.json", "{\"ignore\":\n" + strings.Repeat("[", 40) + strings.Repeat("]", 40) + "}", ":2: values nested deeper than 32 levels"},
		{"YAML, too deep", ".leakhound.yaml", "ignore:\n  " + strings.Repeat("[", 40) + strings.Repeat("]", 40) + "\n", ":2: values nested deeper than 32 levels"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			path := write(t, t.TempDir(), tt.file, tt.content)
			_, err := Read(path)
			if err == nil || !strings.Contains(err.Error(), path+tt.want) {
				t.Errorf("Read = %v, want an error containing %q", err, filepath.Base(path)+tt.want)
			}
		})
	}
}
