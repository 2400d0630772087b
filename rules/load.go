package rules

import (
	"fmt"
	"os"
	"strings"

	"gopkg.in/yaml.v3"
)

// Source is one rule file's name (as printed in diagnostics) and content.
type Source struct {
	Name string
	Data []byte
}

// Load reads and parses rule files; see Parse.
func Load(paths ...string) (*Set, Diagnostics) {
	srcs := make([]Source, 0, len(paths))
	var diags Diagnostics
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			diags = append(diags, Diagnostic{File: p, Line: 1, Col: 1, Msg: fmt.Sprintf("cannot read: %v", err)})
			continue
		}
		srcs = append(srcs, Source{Name: p, Data: data})
	}
	set, more := Parse(srcs...)
	diags = append(diags, more...)
	if len(diags.Errors()) > 0 {
		return nil, diags
	}
	return set, diags
}

// Parse decodes, validates, compiles and lints rule files loaded together:
// their schedules and lists are shared, rule names are unique across them,
// and policy and scoring may each be set in one file only. It returns all
// problems found; when any of them is an error, the Set is nil.
func Parse(srcs ...Source) (*Set, Diagnostics) {
	var diags Diagnostics
	set := &Set{Policy: DefaultPolicy(), Schedules: map[string]*Schedule{}, Lists: map[string][]string{}}
	order := map[string]int{}
	var files []*fileNodes
	for i, src := range srcs {
		order[src.Name] = i
		set.Files = append(set.Files, src.Name)
		d := &decoder{file: src.Name, lines: strings.Split(string(src.Data), "\n"), diags: &diags}
		var doc yaml.Node
		if err := yaml.Unmarshal(src.Data, &doc); err != nil {
			line, col, msg := yamlError(src.Data, err)
			d.at(line, col, "", "", "%s", msg)
			continue
		}
		d.expandAliases(&doc)
		files = append(files, d.top(&doc))
	}
	sharedSections(set, files)
	sc := scope{lists: set.Lists, schedules: set.Schedules}
	seen := map[string]string{}
	for _, fn := range files {
		if fn.rules != nil && resolve(fn.rules.value).Kind == yaml.SequenceNode && len(resolve(fn.rules.value).Content) == 0 {
			set.NoRules = append(set.NoRules, fn.dec.file)
		}
		for i, item := range sequence(fn.dec, fn.rules, "rules") {
			before := len(diags)
			r, nodes := fn.dec.rule(item, i, sc)
			if r == nil {
				continue
			}
			if first, dup := seen[r.Name]; dup && r.Name != "" {
				fn.dec.errorf(nodes["name"], fmt.Sprintf("rule %q", r.Name), "name", "duplicate rule name (first defined at %s)", first)
			} else {
				seen[r.Name] = fmt.Sprintf("%s:%d", fn.dec.file, r.Line)
			}
			r.Index = len(set.Rules)
			set.Rules = append(set.Rules, r)
			// A rule with errors is linted once they are fixed: until then
			// a lint would judge values that were not read (a cooldown that
			// did not parse, a when that did not compile).
			if len(diags[before:].Errors()) == 0 {
				lintRule(fn.dec, r, nodes, set.Policy)
			}
		}
	}
	diags.sort(order)
	if len(diags.Errors()) > 0 {
		return nil, diags
	}
	return set, diags
}

// sharedSections decodes what all files share: one policy, one scoring
// model, and the schedules and lists by name.
func sharedSections(set *Set, files []*fileNodes) {
	var policyFrom, scoringFrom string
	for _, fn := range files {
		d := fn.dec
		if fn.policy != nil {
			if policyFrom != "" {
				d.errorf(fn.policy.knode, "policy", "", "already set in %s; set it in one file only", policyFrom)
			} else {
				policyFrom = d.file
				set.Policy = d.policy(fn.policy.value)
			}
		}
		if fn.schedules != nil {
			fields, _ := d.mapping(fn.schedules.value, "", "schedules", nil)
			for _, f := range fields {
				if _, dup := set.Schedules[f.key]; dup {
					d.errorf(f.knode, fmt.Sprintf("schedule %q", f.key), "", "defined twice")
					continue
				}
				// A schedule with errors stays known by name (as nil), so
				// the rules that use it are not reported again; the Set
				// is not returned anyway.
				set.Schedules[f.key] = d.schedule(f.key, f.value)
			}
		}
		if fn.lists != nil {
			fields, _ := d.mapping(fn.lists.value, "", "lists", nil)
			for _, f := range fields {
				ctx := fmt.Sprintf("list %q", f.key)
				if _, dup := set.Lists[f.key]; dup {
					d.errorf(f.knode, ctx, "", "defined twice")
					continue
				}
				if !identRe.MatchString(f.key) {
					d.errorf(f.knode, ctx, "", "name must be letters, digits and _ so that lists.%s can be written", f.key)
				}
				set.Lists[f.key], _ = d.strings(f.value, ctx, "") // known even if wrong, like schedules
			}
		}
	}
	sc := scope{lists: set.Lists, schedules: set.Schedules}
	for _, fn := range files {
		if fn.scoring == nil {
			continue
		}
		if scoringFrom != "" {
			fn.dec.errorf(fn.scoring.knode, "scoring", "", "already set in %s; set it in one file only", scoringFrom)
			continue
		}
		scoringFrom = fn.dec.file
		set.Scoring = fn.dec.scoringModel(fn.scoring.value, sc)
	}
}

func sequence(d *decoder, f *field, name string) []*yaml.Node {
	if f == nil {
		return nil
	}
	n := resolve(f.value)
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return nil
	}
	if n.Kind != yaml.SequenceNode {
		d.errorf(n, "", name, "expected a list, got %s (start each item with \"- \")", DescribeNode(n))
		return nil
	}
	return n.Content
}
