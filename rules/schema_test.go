package rules

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"gopkg.in/yaml.v3"
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

// The example rule files point editors at the schema on their first line,
// by a path that leads to it, and the schema accepts them.
func TestExampleRuleFilesCarryTheSchema(t *testing.T) {
	const prefix = "# yaml-language-server: $schema="
	c := jsonschema.NewCompiler()
	sch, err := c.Compile("../schema/rules.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"../rules.example.yaml", "../e2e/testdata/rules.yaml"} {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		first, _, _ := strings.Cut(string(data), "\n")
		ref, ok := strings.CutPrefix(first, prefix)
		if !ok {
			t.Errorf("%s: the first line is %q, want %s followed by the schema's path", path, first, prefix)
			continue
		}
		if got, _ := filepath.Abs(filepath.Join(filepath.Dir(path), ref)); got != must(filepath.Abs("../schema/rules.schema.json")) {
			t.Errorf("%s: $schema=%s leads to %s, not to schema/rules.schema.json", path, ref, got)
		}
		var doc any
		if err := yaml.Unmarshal(data, &doc); err != nil {
			t.Fatal(err)
		}
		if err := sch.Validate(doc); err != nil {
			t.Errorf("%s does not match the schema: %v", path, err)
		}
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
