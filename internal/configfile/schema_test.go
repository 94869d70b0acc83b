package configfile

import (
	"encoding/json"
	"maps"
	"os"
	"slices"
	"testing"
)

// TestSchemaMatchesParser checks that the JSON Schema editors complete the
// file with has the keys the parser accepts, section by section.
func TestSchemaMatchesParser(t *testing.T) {
	data, err := os.ReadFile("../../docs/leakhound.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	type object struct {
		Properties map[string]json.RawMessage `json:"properties"`
	}
	var schema struct {
		object
		Defs map[string]json.RawMessage `json:"$defs"`
	}
	if err := json.Unmarshal(data, &schema); err != nil {
		t.Fatal(err)
	}
	section := func(raw json.RawMessage) []string {
		var o object
		if err := json.Unmarshal(raw, &o); err != nil {
			t.Fatal(err)
		}
		return slices.Sorted(maps.Keys(o.Properties))
	}
	for _, tt := range []struct {
		name   string
		schema []string
		parser []string
	}{
		{"top", section(data), topKeys},
		{"rule", section(schema.Defs["rule"]), ruleKeys},
		{"thresholds", section(schema.Defs["thresholds"]), thresholdKeys},
		{"vet", section(schema.Defs["vet"]), vetKeys},
		{"packages entry", section(schema.Defs["package"]), packageKeys},
	} {
		if want := slices.Sorted(slices.Values(tt.parser)); !slices.Equal(tt.schema, want) {
			t.Errorf("%s: the schema has %v, the parser %v", tt.name, tt.schema, want)
		}
	}
}
