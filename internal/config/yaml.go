package config

import (
	"bytes"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/leakhound/leakhound/internal/configfile"
)

// parseYAML returns the document tree of data, a configuration written as
// YAML, with the lines of its values and keys; nil for an empty document.
// A syntax error names path and its line.
func parseYAML(path string, data []byte) (*configfile.Node, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		line, msg := yamlErrorLine(err, data)
		return nil, fmt.Errorf("%s:%d: syntax error: %s", path, line, msg)
	}
	if len(doc.Content) == 0 {
		return nil, nil
	}
	return fromYAML(path, doc.Content[0], 0)
}

// fromYAML converts the YAML node n, depth levels below the top, to a
// document node.
func fromYAML(path string, n *yaml.Node, depth int) (*configfile.Node, error) {
	if depth >= configfile.MaxDepth {
		return nil, fmt.Errorf("%s:%d: values nested deeper than %d levels", path, n.Line, configfile.MaxDepth)
	}
	out := &configfile.Node{Line: n.Line}
	switch n.Kind {
	case yaml.AliasNode:
		v, err := fromYAML(path, n.Alias, depth+1)
		if v != nil {
			v2 := *v
			v2.Line = n.Line // where the alias is used
			v = &v2
		}
		return v, err
	case yaml.MappingNode:
		out.Kind = configfile.Mapping
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if k.Kind != yaml.ScalarNode {
				return nil, fmt.Errorf("%s:%d: a key must be a string", path, k.Line)
			}
			val, err := fromYAML(path, v, depth+1)
			if err != nil {
				return nil, err
			}
			out.Entries = append(out.Entries, configfile.Entry{Key: k.Value, Line: k.Line, Value: val})
		}
	case yaml.SequenceNode:
		out.Kind = configfile.Sequence
		for _, v := range n.Content {
			val, err := fromYAML(path, v, depth+1)
			if err != nil {
				return nil, err
			}
			out.Items = append(out.Items, val)
		}
	case yaml.ScalarNode:
		out.Value = n.Value
		switch n.ShortTag() {
		case "!!int", "!!float":
			out.Kind = configfile.Number
		case "!!bool":
			b, err := strconv.ParseBool(strings.ToLower(n.Value))
			if err != nil {
				return nil, fmt.Errorf("%s:%d: %q is not a boolean: use true or false", path, n.Line, n.Value)
			}
			out.Kind, out.Value = configfile.Bool, strconv.FormatBool(b)
		case "!!null":
			out.Kind, out.Value = configfile.Null, ""
		default: // strings, and timestamps or other tags read as text
			out.Kind = configfile.String
		}
	default:
		return nil, fmt.Errorf("%s:%d: a YAML node of kind %v is not supported", path, n.Line, n.Kind)
	}
	return out, nil
}

// yamlLine is the position the YAML parser writes in its errors:
// "yaml: line 3: mapping values are not allowed in this context".
var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// yamlParserProblems are the messages of the YAML parser (as opposed to
// its scanner) of go.yaml.in/yaml/v3: it writes their line counting from
// 0, the line of the collection the problem is in, where the scanner's
// count from 1. A line 0 is not written at all.
var yamlParserProblems = []string{
	"did not find expected <stream-start>",
	"did not find expected <document start>",
	"found undefined tag handle",
	"did not find expected node content",
	"did not find expected '-' indicator",
	"did not find expected key",
	"did not find expected ',' or ']'",
	"did not find expected ',' or '}'",
	"found duplicate %YAML directive",
	"found incompatible YAML document",
	"found duplicate %TAG directive",
}

// yamlErrorLine returns the line a YAML syntax error of data is at, and
// its message without the position.
func yamlErrorLine(err error, data []byte) (int, string) {
	text := err.Error()
	if m := yamlLine.FindStringSubmatch(text); m != nil {
		line, _ := strconv.Atoi(m[1])
		if slices.Contains(yamlParserProblems, m[2]) {
			line++
		}
		return line, m[2]
	}
	msg := strings.TrimPrefix(text, "yaml: ")
	// Errors without a position: find what they name.
	var at int
	switch {
	case strings.HasPrefix(msg, "unknown anchor '"):
		name := strings.TrimSuffix(strings.TrimPrefix(msg, "unknown anchor '"), "' referenced")
		at = bytes.Index(data, []byte("*"+name))
	case strings.HasPrefix(msg, "control characters are not allowed"):
		at = bytes.IndexFunc(data, func(r rune) bool { return r < ' ' && r != '\t' && r != '\n' && r != '\r' })
	}
	return 1 + bytes.Count(data[:max(at, 0)], []byte("\n")), msg
}
