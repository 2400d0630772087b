package journey

import (
	"fmt"
	"sort"
	"strconv"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/beckonhq/beckon/rules"
)

// decoder reads journey and rule-test files node by node, as rules reads
// rule files: every problem at once, each with file:line:col, in plain
// words, with a did-you-mean.
type decoder struct {
	file  string
	diags rules.Diagnostics
}

func (d *decoder) errorf(n *yaml.Node, ctx, field, format string, args ...any) {
	line, col := 1, 1
	if n != nil {
		line, col = n.Line, n.Column
	}
	d.diags = append(d.diags, rules.Diagnostic{File: d.file, Line: line, Col: col, Context: ctx, Field: field,
		Msg: fmt.Sprintf(format, args...)})
}

// sorted returns the diagnostics in file order.
func (d *decoder) sorted() rules.Diagnostics {
	sort.SliceStable(d.diags, func(i, j int) bool {
		a, b := d.diags[i], d.diags[j]
		return a.Line < b.Line || a.Line == b.Line && a.Col < b.Col
	})
	return d.diags
}

type field struct {
	key         string
	knode, node *yaml.Node
}

func resolve(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	return n
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// mapping returns n's pairs, reporting unknown keys and keys given twice.
func (d *decoder) mapping(n *yaml.Node, ctx, path string, known []string) []field {
	n = resolve(n)
	if n.Kind != yaml.MappingNode {
		if n.Kind != yaml.ScalarNode || n.Tag != "!!null" {
			d.errorf(n, ctx, path, "expected a mapping (key: value), got %s", rules.DescribeNode(n))
		}
		return nil
	}
	var out []field
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i]
		switch {
		case seen[k.Value]:
			d.errorf(k, ctx, join(path, k.Value), "key given twice")
		case !contains(known, k.Value):
			d.errorf(k, ctx, "", "unknown key %s%s", join(path, k.Value), rules.OrChoices(k.Value, known))
		default:
			seen[k.Value] = true
			out = append(out, field{key: k.Value, knode: k, node: n.Content[i+1]})
		}
	}
	return out
}

func (d *decoder) str(n *yaml.Node, ctx, path string) string {
	n = resolve(n)
	if n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		d.errorf(n, ctx, path, "expected text, got %s", rules.DescribeNode(n))
		return ""
	}
	return n.Value
}

func (d *decoder) number(n *yaml.Node, ctx, path string) float64 {
	n = resolve(n)
	v, err := strconv.ParseFloat(n.Value, 64)
	if n.Kind != yaml.ScalarNode || (n.Tag != "!!int" && n.Tag != "!!float") || err != nil {
		d.errorf(n, ctx, path, "expected a number, got %s", rules.DescribeNode(n))
	}
	return v
}

func (d *decoder) integer(n *yaml.Node, ctx, path string) int {
	n = resolve(n)
	v, err := strconv.Atoi(n.Value)
	if n.Kind != yaml.ScalarNode || n.Tag != "!!int" || err != nil || v < 0 {
		d.errorf(n, ctx, path, "expected a whole number, 0 or more, got %s", rules.DescribeNode(n))
	}
	return v
}

// duration reads a Go duration: 45s, 1m30s.
func (d *decoder) duration(n *yaml.Node, ctx, path string) (Duration, bool) {
	s := d.str(n, ctx, path)
	v, err := time.ParseDuration(s)
	switch {
	case s == "":
		return 0, false
	case err != nil:
		if _, nerr := strconv.ParseFloat(s, 64); nerr == nil {
			d.errorf(n, ctx, path, "%s has no unit: write %ss, %sm or %sh", s, s, s, s)
		} else {
			d.errorf(n, ctx, path, "%q is not a duration: write it like 45s or 1m30s", s)
		}
		return 0, false
	case v < 0:
		d.errorf(n, ctx, path, "duration %q must not be negative", s)
		return 0, false
	}
	return Duration(v), true
}

// timestamp reads an RFC 3339 time, like 2026-01-20T14:29:00Z.
func (d *decoder) timestamp(n *yaml.Node, ctx, path string) time.Time {
	s := d.str(n, ctx, path)
	if s == "" {
		return time.Time{}
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		d.errorf(n, ctx, path, "%q is not a time: write it like 2026-01-20T14:29:00Z (a date, T, a time and a zone: Z for UTC, or like -06:00)", s)
	}
	return t
}

func (d *decoder) strings(n *yaml.Node, ctx, path string) []string {
	n = resolve(n)
	if n.Kind != yaml.SequenceNode {
		d.errorf(n, ctx, path, "expected a list, got %s", rules.DescribeNode(n))
		return nil
	}
	out := []string{}
	for i, c := range n.Content {
		out = append(out, d.str(c, ctx, fmt.Sprintf("%s[%d]", path, i)))
	}
	return out
}

// items returns a list's items.
func (d *decoder) items(n *yaml.Node, ctx, path string) []*yaml.Node {
	n = resolve(n)
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return nil
	}
	if n.Kind != yaml.SequenceNode {
		d.errorf(n, ctx, path, "expected a list, got %s (start each item with \"- \")", rules.DescribeNode(n))
		return nil
	}
	return n.Content
}

// anyMap decodes free-form attributes with yaml's own rules.
func (d *decoder) anyMap(n *yaml.Node, ctx, path string) map[string]any {
	if resolve(n).Kind != yaml.MappingNode {
		d.mapping(n, ctx, path, nil) // reports what it is instead
		return nil
	}
	var m map[string]any
	if err := n.Decode(&m); err != nil {
		d.errorf(n, ctx, path, "%v", err)
	}
	return m
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
