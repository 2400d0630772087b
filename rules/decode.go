package rules

import (
	"fmt"
	"regexp"
	"strconv"
	"time"

	"gopkg.in/yaml.v3"
)

// decoder walks a rule file's YAML nodes by hand, so that unknown keys,
// wrong types and bad values are all reported, each with its position,
// instead of stopping at the first.
type decoder struct {
	file  string
	lines []string // source lines, to place positions inside block scalars
	diags *Diagnostics
	// via marks the copies of anchored values put in place of aliases.
	via map[*yaml.Node]anchorUse
}

func (d *decoder) errorf(n *yaml.Node, ctx, field, format string, args ...any) {
	line, col := 1, 1
	if n != nil {
		line, col = n.Line, n.Column
		if n.Kind == yaml.ScalarNode {
			col = d.valueColumn(n) // at the value, not its anchor
		}
	}
	d.at(line, col, ctx, field, "%s", fmt.Sprintf(format, args...)+d.viaSuffix(n))
}

func (d *decoder) at(line, col int, ctx, field, format string, args ...any) {
	*d.diags = append(*d.diags, Diagnostic{
		File: d.file, Line: line, Col: col, Context: ctx, Field: field,
		Msg: fmt.Sprintf(format, args...),
	})
}

// field is one key: value pair of a mapping.
type field struct {
	key   string
	knode *yaml.Node
	value *yaml.Node
}

// mapping returns the pairs of a mapping node, reporting keys that are not
// in known (when known is non-nil) and keys given twice.
func (d *decoder) mapping(n *yaml.Node, ctx, path string, known []string) ([]field, bool) {
	n = resolve(n)
	if n.Kind != yaml.MappingNode {
		if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
			return nil, true
		}
		d.errorf(n, ctx, path, "expected a mapping, got %s", DescribeNode(n))
		return nil, false
	}
	var out []field
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		name := k.Value
		switch {
		case seen[name]:
			d.errorf(k, ctx, join(path, name), "key given twice")
			continue
		case known != nil && !contains(known, name):
			hint := suggest(name, known)
			if hint == "" && len(known) <= 6 {
				hint = orChoices(name, known)
			}
			d.errorf(k, ctx, "", "unknown key %s%s", join(path, name), hint)
			continue
		}
		seen[name] = true
		out = append(out, field{key: name, knode: k, value: v})
	}
	return out, true
}

// require reports each key of req that fields lack, except one that an
// unknown key of n looks like a misspelling of: that key's own error (with
// its "did you mean") already says what to fix.
func (d *decoder) require(n *yaml.Node, fields []field, known []string, ctx, path string, req ...string) bool {
	ok := true
	for _, key := range req {
		if hasKey(fields, key) {
			continue
		}
		ok = false
		if !misspelled(n, key, known) {
			d.errorf(n, ctx, path, "%s is required", key)
		}
	}
	return ok
}

func misspelled(n *yaml.Node, key string, known []string) bool {
	n = resolve(n)
	if n.Kind != yaml.MappingNode {
		return false
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i].Value
		if !contains(known, k) && closest(k, known) == key {
			return true
		}
	}
	return false
}

func (d *decoder) str(n *yaml.Node, ctx, field string) (string, bool) {
	n = resolve(n)
	if n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		d.errorf(n, ctx, field, "expected a string, got %s", DescribeNode(n))
		return "", false
	}
	return n.Value, true
}

func (d *decoder) integer(n *yaml.Node, ctx, field string) (int, bool) {
	n = resolve(n)
	v, err := strconv.Atoi(n.Value)
	if n.Kind != yaml.ScalarNode || n.Tag != "!!int" || err != nil {
		d.errorf(n, ctx, field, "expected a whole number, got %s", DescribeNode(n))
		return 0, false
	}
	return v, true
}

func (d *decoder) boolean(n *yaml.Node, ctx, field string) (bool, bool) {
	n = resolve(n)
	v, err := strconv.ParseBool(n.Value)
	if n.Kind != yaml.ScalarNode || n.Tag != "!!bool" || err != nil {
		d.errorf(n, ctx, field, "expected true or false, got %s", DescribeNode(n))
		return true, false
	}
	return v, true
}

func (d *decoder) number(n *yaml.Node, ctx, field string) (float64, bool) {
	n = resolve(n)
	v, err := strconv.ParseFloat(n.Value, 64)
	if n.Kind != yaml.ScalarNode || (n.Tag != "!!int" && n.Tag != "!!float") || err != nil {
		d.errorf(n, ctx, field, "expected a number, got %s", DescribeNode(n))
		return 0, false
	}
	return v, true
}

// duration parses Go duration syntax (30s, 1m30s, 10h); negative is refused.
func (d *decoder) duration(n *yaml.Node, ctx, field string) (time.Duration, bool) {
	s, ok := d.str(n, ctx, field)
	if !ok {
		return 0, false
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		if _, nerr := strconv.ParseFloat(s, 64); nerr == nil {
			d.errorf(n, ctx, field, "duration %s has no unit: write %ss, %sm or %sh", s, s, s, s)
		} else {
			d.errorf(n, ctx, field, "invalid duration %q: use a number with a unit, like 45s, 2m or 1h30m", s)
		}
		return 0, false
	}
	if v < 0 {
		d.errorf(n, ctx, field, "duration %q must not be negative", s)
		return 0, false
	}
	return v, true
}

func (d *decoder) strings(n *yaml.Node, ctx, field string) ([]string, bool) {
	n = resolve(n)
	if n.Kind != yaml.SequenceNode {
		d.errorf(n, ctx, field, "expected a list, got %s", DescribeNode(n))
		return nil, false
	}
	out := make([]string, 0, len(n.Content))
	ok := true
	for i, c := range n.Content {
		s, good := d.str(c, ctx, fmt.Sprintf("%s[%d]", field, i))
		ok = ok && good
		out = append(out, s)
	}
	return out, ok
}

// anyValue decodes a free-form value (options, attributes) with yaml's own rules.
func (d *decoder) anyValue(n *yaml.Node, ctx, field string) (map[string]any, bool) {
	n = resolve(n)
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return nil, true
	}
	if n.Kind != yaml.MappingNode {
		d.errorf(n, ctx, field, "expected a mapping, got %s", DescribeNode(n))
		return nil, false
	}
	var m map[string]any
	if err := n.Decode(&m); err != nil {
		d.errorf(n, ctx, field, "%v", err)
		return nil, false
	}
	return m, true
}

func resolve(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	return n
}

// DescribeNode names what a YAML node holds, for an error: "a mapping",
// "a list", "nothing" or the quoted value.
func DescribeNode(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		if n.Tag == "!!null" {
			return "nothing"
		}
		return strconv.Quote(n.Value)
	}
	return "something else"
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

var (
	ruleNameRe = regexp.MustCompile(`^[a-z0-9-]+$`)
	identRe    = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
)
