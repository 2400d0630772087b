package rules

import (
	"encoding/json"
	"os"
	"slices"
	"testing"
)

// The JSON schema for editors must list exactly the keys the decoder takes.
func TestSchemaMatchesDecoder(t *testing.T) {
	data, err := os.ReadFile("../schema/rules.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	type node struct {
		Properties map[string]json.RawMessage `json:"properties"`
		Defs       map[string]json.RawMessage `json:"$defs"`
	}
	var root node
	if err := json.Unmarshal(data, &root); err != nil {
		t.Fatal(err)
	}
	props := func(raw json.RawMessage) []string {
		var n node
		json.Unmarshal(raw, &n)
		var out []string
		for k := range n.Properties {
			out = append(out, k)
		}
		slices.Sort(out)
		return out
	}
	sorted := func(s []string) []string { s = slices.Clone(s); slices.Sort(s); return s }
	check := func(what string, got, want []string) {
		if !slices.Equal(got, sorted(want)) {
			t.Errorf("%s: schema has %v, decoder takes %v", what, got, sorted(want))
		}
	}
	check("top level", props(data), topKeys)
	check("policy", props(root.Properties["policy"]), policyKeys)
	check("scoring", props(root.Properties["scoring"]), scoringKeys)
	check("rule", props(root.Defs["rule"]), ruleKeys)
}
