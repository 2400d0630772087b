package rules

import (
	"fmt"

	"gopkg.in/yaml.v3"
)

// ruleNodes remembers where a rule's keys are, for lints.
type ruleNodes map[string]*yaml.Node

// rule decodes the idx'th (0-based) rule of its file.
func (d *decoder) rule(n *yaml.Node, idx int, sc scope) (*Rule, ruleNodes) {
	n = resolve(n)
	ctx := fmt.Sprintf("rule %d", idx+1)
	if name := peekName(n); name != "" {
		ctx = fmt.Sprintf("rule %q", name)
	}
	fields, ok := d.mapping(n, ctx, "", ruleKeys)
	if !ok {
		return nil, nil
	}
	r := &Rule{File: d.file, Line: n.Line, Frequency: OncePerSession, Trigger: "page_visit"}
	nodes := ruleNodes{}
	for _, f := range fields {
		nodes[f.key] = f.value
	}
	sc.personalization = mappingKeys(nodes["personalization"])
	if v, has := nodes["name"]; has {
		if name, good := d.str(v, ctx, "name"); good {
			r.Name = name
			if !ruleNameRe.MatchString(name) {
				d.errorf(v, ctx, "name", "must be lowercase letters, digits and - (like ac-repair-linger)")
			}
		}
	}
	d.require(n, fields, ruleKeys, ctx, "", "name", "when", "message")
	for _, f := range fields {
		d.ruleField(r, f, ctx, sc)
	}
	return r, nodes
}

func (d *decoder) ruleField(r *Rule, f field, ctx string, sc scope) {
	v := f.value
	switch f.key {
	case "description":
		r.Description, _ = d.str(v, ctx, f.key)
	case "when":
		src, ok := d.str(v, ctx, f.key)
		if !ok {
			return
		}
		e, followUp, errs := compileExpr(src, kindBool, sc)
		for _, ee := range errs {
			line, col := d.exprPos(resolve(v), src, 0, ee.line, ee.col)
			d.at(line, col, ctx, f.key, "%s", ee.msg+d.viaSuffix(resolve(v)))
		}
		r.When, r.FollowUp = e, followUp
	case "for":
		r.For, _ = d.duration(v, ctx, f.key)
	case "during":
		name, ok := d.str(v, ctx, f.key)
		if !ok {
			return
		}
		if s, known := sc.schedules[name]; known {
			r.During = s
		} else {
			d.errorf(v, ctx, f.key, "unknown schedule %s%s", name, suggest(name, keys(sc.schedules)))
		}
	case "priority":
		r.Priority, _ = d.integer(v, ctx, f.key)
	case "frequency":
		s, ok := d.str(v, ctx, f.key)
		if ok && !contains(frequencies, s) {
			d.errorf(v, ctx, f.key, "unknown frequency %q%s", s, orChoices(s, frequencies))
			return
		}
		r.Frequency = Frequency(s)
	case "cooldown":
		r.Cooldown, _ = d.duration(v, ctx, f.key)
	case "min_wait":
		if w, ok := d.duration(v, ctx, f.key); ok {
			r.MinWait = &w
		}
	case "trigger":
		r.Trigger, _ = d.str(v, ctx, f.key)
	case "message":
		r.Message = d.template(v, ctx, f.key, sc)
	case "personalization":
		r.Personalization = d.personalization(v, ctx, sc)
	case "quick_replies":
		r.QuickReplies = d.quickReplies(v, ctx, sc)
	case "options":
		r.Options, _ = d.anyValue(v, ctx, f.key)
	case "assistant_id":
		r.AssistantID, _ = d.str(v, ctx, f.key)
	case "enabled":
		enabled, _ := d.boolean(v, ctx, f.key)
		r.Disabled = !enabled
	case "mode":
		s, ok := d.str(v, ctx, f.key)
		if ok && !contains(modes, s) {
			d.errorf(v, ctx, f.key, "unknown mode %q%s", s, orChoices(s, modes))
			return
		}
		r.Shadow = s == ModeShadow
	}
}

func (d *decoder) template(v *yaml.Node, ctx, fieldName string, sc scope) *Template {
	src, ok := d.str(v, ctx, fieldName)
	if !ok {
		return nil
	}
	t, errs := compileTemplate(src, sc)
	for _, te := range errs {
		line, col := d.exprPos(resolve(v), src, te.off, te.line, te.col)
		d.at(line, col, ctx, fieldName, "%s", te.msg+d.viaSuffix(resolve(v)))
	}
	return t
}

func (d *decoder) personalization(v *yaml.Node, ctx string, sc scope) []Personalization {
	fields, _ := d.mapping(v, ctx, "personalization", nil)
	out := make([]Personalization, 0, len(fields))
	for _, f := range fields {
		name := "personalization." + f.key
		val := resolve(f.value)
		if val.Kind != yaml.ScalarNode || val.Tag == "!!null" {
			d.errorf(val, ctx, name, "expected text, got %s", DescribeNode(val))
			continue
		}
		// Personalization values render without personalization itself.
		t := d.template(val, ctx, name, scope{lists: sc.lists, schedules: sc.schedules, inPersonalization: true})
		if t != nil {
			out = append(out, Personalization{Key: f.key, Value: t})
		}
	}
	return out
}

func (d *decoder) quickReplies(v *yaml.Node, ctx string, sc scope) []QuickReply {
	seq := resolve(v)
	if seq.Kind != yaml.SequenceNode {
		d.errorf(seq, ctx, "quick_replies", "expected a list, got %s", DescribeNode(seq))
		return nil
	}
	var out []QuickReply
	for i, item := range seq.Content {
		path := fmt.Sprintf("quick_replies[%d]", i)
		fields, ok := d.mapping(item, ctx, path, quickReplyKeys)
		if !ok {
			continue
		}
		var q QuickReply
		for _, f := range fields {
			switch f.key {
			case "text":
				q.Text = d.template(f.value, ctx, path+".text", sc)
			case "value":
				q.Value, _ = d.str(f.value, ctx, path+".value")
			case "action":
				q.Action, _ = d.str(f.value, ctx, path+".action")
			}
		}
		d.require(item, fields, quickReplyKeys, ctx, path, "text", "value")
		out = append(out, q)
	}
	return out
}

// mappingKeys lists the keys of a mapping node (nil if n is not one).
func mappingKeys(n *yaml.Node) []string {
	n = resolve(n)
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	out := make([]string, 0, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		out = append(out, n.Content[i].Value)
	}
	return out
}

// peekName finds a rule's name before its keys are checked, so every
// problem of the rule can name it.
func peekName(n *yaml.Node) string {
	if n.Kind != yaml.MappingNode {
		return ""
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == "name" && resolve(n.Content[i+1]).Kind == yaml.ScalarNode {
			return resolve(n.Content[i+1]).Value
		}
	}
	return ""
}
