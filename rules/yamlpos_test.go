package rules

import "testing"

// YAML syntax errors point at the token at fault, not at the start of the
// block around it as yaml.v3 does.
func TestYAMLSyntaxPositions(t *testing.T) {
	head := "version: 1\nrules:\n  - name: a\n    when: page.path == \"/\"\n"
	tests := []struct{ src, want string }{
		{head + "    message: Hi: there\n",
			`f:5:16: yaml: mapping values are not allowed in this context (check the indentation, and quote text that contains ": ")`},
		{head + "    quick_replies:\n      - {text: A, value: b\n      - {text: C, value: d}\n",
			`f:6:27: yaml: did not find expected ',' or '}'`},
		{head + "    message: hi\n   priority: 2\n",
			`f:6:4: yaml: did not find expected '-' indicator (check the indentation of the list)`},
		{head + "\tpriority: 2\n",
			`f:5:1: yaml: found a tab character that violates indentation (indent with spaces, not tabs)`},
		{head + "    message: {{ visitor.attributes.first_name }}, hi\n",
			`f:5:49: yaml: did not find expected key (a text that starts with {{ must be in quotes, like message: "{{ … }} …")`},
	}
	for _, tc := range tests {
		_, diags := Parse(Source{Name: "f", Data: []byte(tc.src)})
		if len(diags) != 1 || diags[0].String() != tc.want {
			t.Errorf("%q:\n got %v\nwant %s", tc.src, diags, tc.want)
		}
	}
}
