package configfile

import (
	"fmt"
	"strings"
	"testing"
)

// show prints a tree on one line: each node as kind@line, with its value,
// items or entries.
func show(n *Node) string {
	switch n.Kind {
	case Mapping:
		var parts []string
		for _, e := range n.Entries {
			parts = append(parts, fmt.Sprintf("%s@%d=%s", e.Key, e.Line, show(e.Value)))
		}
		return fmt.Sprintf("{@%d %s}", n.Line, strings.Join(parts, " "))
	case Sequence:
		var parts []string
		for _, v := range n.Items {
			parts = append(parts, show(v))
		}
		return fmt.Sprintf("[@%d %s]", n.Line, strings.Join(parts, " "))
	}
	return fmt.Sprintf("%s@%d", describe(n), n.Line)
}

func TestParseJSON(t *testing.T) {
	for _, tt := range []struct{ name, give, want string }{
		{"scalars", "{\"s\": \"x\",\n \"n\": 1.5,\n\n \"b\": false, \"z\": null}", `{@1 s@1="x"@1 n@2=1.5@2 b@4=false@4 z@4=nothing@4}`},
		{"lists and objects", "[\n  {\"a\":\n    [1,\n     2]},\n  []\n]", `[@1 {@2 a@2=[@3 1@3 2@4]} [@5 ]]`},
		{"separators on their own lines", "{\"a\"\n:\n1\n,\n\"b\"\n:\n2}", `{@1 a@1=1@3 b@5=2@7}`},
		{"a key twice is kept twice", "{\"a\": 1, \"a\": 2}", `{@1 a@1=1@1 a@1=2@1}`},
		{"CRLF", "{\r\n\"a\": 1}", `{@1 a@2=1@2}`},
		{"escapes", `{"a\"b": "\u00e9\n"}`, `{@1 a"b@1="é\n"@1}`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			n, err := ParseJSON("f.json", []byte(tt.give))
			if err != nil {
				t.Fatal(err)
			}
			if got := show(n); got != tt.want {
				t.Errorf("ParseJSON = %s, want %s", got, tt.want)
			}
		})
	}
	if n, err := ParseJSON("f.json", []byte(" \n\t")); n != nil || err != nil {
		t.Errorf("an empty document: %v, %v; want nil, nil", n, err)
	}
}

func TestParseJSONErrors(t *testing.T) {
	for _, tt := range []struct{ name, give, want string }{
		{"bad token", "{\n\"a\": [}", "f.json:2: syntax error: invalid character '}'"},
		{"cut short", "{\n\"a\": [\n\n", "f.json:2: syntax error: the file ends before the JSON value does"},
		{"cut after a key", "{\"a\"", "f.json:1: syntax error: the file ends before the JSON value does"},
		{"more after the end", "{}\n\n[]", "f.json:3: syntax error: more after the end of the JSON value"},
		{"a bare word", "{\"a\":\n yes}", "f.json:2: syntax error: invalid character 'y'"},
		{"a bare word in a list", "{\"a\":\n\n   [1,\n  yes]}", "f.json:4: syntax error: invalid character 'y'"},
		{"a line break in a string", "{\"a\":   \n\"x\n\"}", "f.json:2: syntax error: invalid character '\\n' in string"},
		{"a missing comma", "{\"a\": 1\n\n\"b\": 2}", "f.json:3: syntax error: invalid character '\"' after object key:value pair"},
		{"too deep", strings.Repeat("[", MaxDepth) + "\n[]" + strings.Repeat("]", MaxDepth+1), fmt.Sprintf("f.json:2: values nested deeper than %d levels", MaxDepth)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseJSON("f.json", []byte(tt.give))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("ParseJSON = %v, want an error containing %q", err, tt.want)
			}
		})
	}
	if _, err := ParseJSON("f.json", []byte(strings.Repeat("[", MaxDepth)+strings.Repeat("]", MaxDepth))); err != nil {
		t.Errorf("%d levels: %v, want them accepted", MaxDepth, err)
	}
}
