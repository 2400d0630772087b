package rules

import (
	"fmt"
	"time"

	"gopkg.in/yaml.v3"
)

var (
	topKeys      = []string{"version", "policy", "schedules", "lists", "rules", "scoring"}
	policyKeys   = []string{"min_wait", "max_proactive_per_session", "send_to", "quiet_after_reply"}
	scheduleKeys = []string{"cron", "for", "timezone"}
	ruleKeys     = []string{"name", "description", "when", "for", "during", "priority", "frequency",
		"cooldown", "min_wait", "trigger", "message", "personalization", "quick_replies", "options", "assistant_id", "enabled", "mode"}
	quickReplyKeys = []string{"text", "value", "action"}
	scoringKeys    = []string{"bias", "signals"}
	signalKeys     = []string{"name", "value", "weight"}
	frequencies    = []string{string(OncePerSession), string(OncePerVisitor), string(Always)}
	modes          = []string{ModeLive, ModeShadow}
)

// fileNodes is one rule file split into its top-level sections.
type fileNodes struct {
	dec                                      *decoder
	policy, schedules, lists, rules, scoring *field
}

func (d *decoder) top(doc *yaml.Node) *fileNodes {
	fn := &fileNodes{dec: d}
	if doc.Kind == 0 {
		return fn // an empty file, like one with only comments
	}
	if doc.Kind == yaml.DocumentNode {
		if len(doc.Content) == 0 {
			return fn
		}
		doc = doc.Content[0]
	}
	fields, _ := d.mapping(doc, "", "", topKeys)
	for i := range fields {
		f := &fields[i]
		switch f.key {
		case "version":
			if v, ok := d.integer(f.value, "", "version"); ok && v != 1 {
				d.errorf(f.value, "", "version", "unsupported version %d (this Beckon reads version 1)", v)
			}
		case "policy":
			fn.policy = f
		case "schedules":
			fn.schedules = f
		case "lists":
			fn.lists = f
		case "rules":
			fn.rules = f
		case "scoring":
			fn.scoring = f
		}
	}
	return fn
}

func (d *decoder) policy(n *yaml.Node) Policy {
	p := DefaultPolicy()
	fields, _ := d.mapping(n, "policy", "", policyKeys)
	for _, f := range fields {
		switch f.key {
		case "min_wait":
			if v, ok := d.duration(f.value, "policy", f.key); ok {
				p.MinWait = v
			}
		case "quiet_after_reply":
			if v, ok := d.duration(f.value, "policy", f.key); ok {
				p.QuietAfterReply = v
			}
		case "max_proactive_per_session":
			if v, ok := d.integer(f.value, "policy", f.key); ok {
				if v < 0 {
					d.errorf(f.value, "policy", f.key, "must not be negative")
				}
				p.MaxProactivePerSession = v
			}
		case "send_to":
			if v, ok := d.strings(f.value, "policy", f.key); ok {
				for i, s := range v {
					if !contains(presenceStates, s) {
						d.errorf(resolve(f.value).Content[i], "policy", f.key,
							"unknown visitor status %q%s", s, orChoices(s, presenceStates))
					}
				}
				p.SendTo = v
			}
		}
	}
	return p
}

func (d *decoder) schedule(name string, n *yaml.Node) *Schedule {
	ctx := fmt.Sprintf("schedule %q", name)
	fields, ok := d.mapping(n, ctx, "", scheduleKeys)
	if !ok {
		return nil
	}
	var spec, tz string
	var window time.Duration
	var specNode, tzNode *yaml.Node
	for _, f := range fields {
		switch f.key {
		case "cron":
			spec, _ = d.str(f.value, ctx, f.key)
			specNode = f.value
		case "for":
			window, _ = d.duration(f.value, ctx, f.key)
		case "timezone":
			tz, _ = d.str(f.value, ctx, f.key)
			tzNode = f.value
		}
	}
	if !d.require(n, fields, scheduleKeys, ctx, "", "cron", "for") {
		return nil
	}
	if tzNode != nil && tz == "" && resolve(tzNode).Tag == "!!str" {
		d.errorf(tzNode, ctx, "timezone", "is empty; leave it out for UTC, or name the zone, like America/Chicago")
		return nil
	}
	s, problems := newSchedule(name, spec, window, tz)
	for _, p := range problems {
		at := specNode
		if p.key == "timezone" {
			at = tzNode
		}
		d.errorf(at, ctx, p.key, "%s", p.msg)
	}
	if len(problems) > 0 {
		return nil
	}
	return s
}

func hasKey(fields []field, key string) bool {
	for _, f := range fields {
		if f.key == key {
			return true
		}
	}
	return false
}

func (d *decoder) scoringModel(n *yaml.Node, sc scope) *Scoring {
	fields, _ := d.mapping(n, "scoring", "", scoringKeys)
	s := &Scoring{Bias: -3}
	for _, f := range fields {
		switch f.key {
		case "bias":
			s.Bias, _ = d.number(f.value, "scoring", "bias")
		case "signals":
			seq := resolve(f.value)
			if seq.Kind != yaml.SequenceNode {
				d.errorf(seq, "scoring", "signals", "expected a list, got %s", DescribeNode(seq))
				continue
			}
			seen := map[string]bool{}
			for i, item := range seq.Content {
				if sig, ok := d.signal(item, i, sc); ok {
					if seen[sig.Name] {
						d.errorf(item, "scoring", fmt.Sprintf("signals[%d].name", i), "signal %q is given twice", sig.Name)
					}
					seen[sig.Name] = true
					s.Signals = append(s.Signals, sig)
				}
			}
		}
	}
	if len(s.Signals) == 0 {
		return nil // nothing to replace the built-in model with
	}
	return s
}

func (d *decoder) signal(n *yaml.Node, i int, sc scope) (Signal, bool) {
	ctx := fmt.Sprintf("scoring signal %d", i+1)
	fields, ok := d.mapping(n, ctx, "", signalKeys)
	var sig Signal
	for _, f := range fields {
		if f.key == "name" {
			sig.Name, _ = d.str(f.value, ctx, "name")
			ctx = fmt.Sprintf("scoring signal %q", sig.Name)
		}
	}
	for _, f := range fields {
		switch f.key {
		case "value":
			src, good := d.str(f.value, ctx, "value")
			if !good {
				ok = false
				continue
			}
			e, _, errs := compileExpr(src, kindNumber, sc)
			for _, ee := range errs {
				line, col := d.exprPos(f.value, src, 0, ee.line, ee.col)
				d.at(line, col, ctx, "value", "%s", ee.msg+d.viaSuffix(f.value))
			}
			sig.Value = e
			ok = ok && e != nil
		case "weight":
			w, good := d.number(f.value, ctx, "weight")
			sig.Weight, ok = w, ok && good
		}
	}
	if !d.require(n, fields, signalKeys, ctx, "", signalKeys...) {
		ok = false
	}
	return sig, ok
}
