package journey

import (
	"fmt"

	"gopkg.in/yaml.v3"

	"github.com/beckonhq/beckon/rules"
)

var (
	testFileKeys = []string{"rule_files", "tests"}
	expectKeys   = []string{"at", "rule", "quick_replies", "message", "message_contains"}
)

// testFile decodes a rule test file into tf.
func (d *decoder) testFile(n *yaml.Node, tf *TestFile) {
	fields := d.mapping(n, "", "", testFileKeys)
	for _, f := range fields {
		switch f.key {
		case "rule_files":
			tf.RuleFiles = d.strings(f.node, "", "rule_files")
		case "tests":
			for i, item := range d.items(f.node, "", "tests") {
				t := RuleTest{}
				d.journey(item, &t.Journey, "test", i, map[string]func(field, string){
					"expect": func(f field, ctx string) { t.Expect = d.expects(f.node, ctx) },
				})
				if missing(item, append(journeyKeys[:len(journeyKeys):len(journeyKeys)], "expect"), "expect") {
					d.errorf(item, testContext(item, i), "", "expect is required: the messages the test must get, in order (expect: [] for none)")
				}
				tf.Tests = append(tf.Tests, t)
			}
		}
	}
	if resolve(n).Kind == yaml.MappingNode && len(tf.RuleFiles) == 0 {
		d.errorf(n, "", "rule_files", "is required: the rule files to test, relative to this file, like rule_files: [../rules.yaml]")
	}
}

// expects decodes a test's expected messages; `expect: []` is none.
func (d *decoder) expects(n *yaml.Node, ctx string) []Expect {
	out := []Expect{}
	for i, item := range d.items(n, ctx, "expect") {
		path := fmt.Sprintf("expect[%d]", i)
		var e Expect
		fields := d.mapping(item, ctx, path, expectKeys)
		for _, f := range fields {
			p := path + "." + f.key
			switch f.key {
			case "at":
				e.At, _ = d.duration(f.node, ctx, p)
			case "rule":
				e.Rule = d.str(f.node, ctx, p)
			case "quick_replies":
				e.QuickReplies = d.strings(f.node, ctx, p)
			case "message":
				m := d.str(f.node, ctx, p)
				e.Message = &m
			case "message_contains":
				e.MessageContains = d.str(f.node, ctx, p)
			}
		}
		for _, key := range []string{"at", "rule"} {
			if resolve(item).Kind == yaml.MappingNode && !hasKey(fields, key) {
				d.errorf(item, ctx, path, "%s is required", key)
			}
		}
		out = append(out, e)
	}
	return out
}

// unknownRules reports the expected rules that the rule files do not have.
func (d *decoder) unknownRules(n *yaml.Node, set *rules.Set) {
	names := make([]string, len(set.Rules))
	for i, r := range set.Rules {
		names[i] = r.Name
	}
	tests := valueOf(n, "tests")
	for i, t := range tests {
		ctx := testContext(t, i)
		for j, e := range valueOf(t, "expect") {
			if r := valueNode(e, "rule"); r != nil && !contains(names, resolve(r).Value) {
				d.errorf(r, ctx, fmt.Sprintf("expect[%d].rule", j), "no rule %s in the rule files%s", resolve(r).Value, rules.Suggest(resolve(r).Value, names))
			}
		}
	}
}

// valueNode is the value of key in mapping n, or nil.
func valueNode(n *yaml.Node, key string) *yaml.Node {
	n = resolve(n)
	for i := 0; n != nil && n.Kind == yaml.MappingNode && i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

// valueOf is the items of the list under key in mapping n.
func valueOf(n *yaml.Node, key string) []*yaml.Node {
	if v := resolve(valueNode(n, key)); v != nil && v.Kind == yaml.SequenceNode {
		return v.Content
	}
	return nil
}

// testContext names the i'th test of a file in its diagnostics.
func testContext(n *yaml.Node, i int) string {
	if name := peek(n, "name"); name != "" {
		return fmt.Sprintf("test %q", name)
	}
	return fmt.Sprintf("test %d", i+1)
}
