package rules

import (
	"fmt"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Lints check a rule against the outbound API's best practices: wait 30-60
// seconds, offer 2-3 quick replies, keep messages short, do not repeat
// without a pause.
const (
	lintMinWait       = 30 * time.Second
	lintMaxWait       = 60 * time.Second
	lintMaxMessageLen = 300
)

func lintRule(d *decoder, r *Rule, nodes ruleNodes, p Policy) {
	ctx := "rule \"" + r.Name + "\""
	warn := func(n *yaml.Node, fieldName, format string, args ...any) {
		d.warnf(n, ctx, fieldName, format, args...)
	}
	at := func(key string) *yaml.Node {
		if n, ok := nodes[key]; ok {
			return n
		}
		return nodes["name"]
	}
	if r.MinWait == nil && !r.FollowUp {
		switch wait := max(r.For, p.MinWait); {
		case wait >= lintMinWait && wait <= lintMaxWait:
		case r.For < p.MinWait:
			warn(at("name"), "", "waits %s (the policy's min_wait) before its message; best practice is 30s to 60s", formatDuration(wait))
		default:
			warn(at("for"), "for", "waits %s before its message; best practice is 30s to 60s", formatDuration(wait))
		}
	}
	n := len(r.QuickReplies)
	if !r.FollowUp && n < 2 {
		warn(at("quick_replies"), "quick_replies", "a proactive message should offer 2 or 3 quick replies, this one has %d", n)
	}
	if n > 3 {
		warn(at("quick_replies"), "quick_replies", "%d quick replies; offer at most 3", n)
	}
	seen := map[string]int{}
	for i, q := range r.QuickReplies {
		if first, dup := seen[q.Value]; dup {
			item := resolve(nodes["quick_replies"]).Content[i]
			warn(valueOf(item, "value"), fmt.Sprintf("quick_replies[%d].value", i),
				"%q is also the value of quick_replies[%d]; give each reply its own value", q.Value, first)
			continue
		}
		seen[q.Value] = i
	}
	if r.Message != nil {
		if l := r.Message.literalLen(); l > lintMaxMessageLen {
			warn(at("message"), "message", "about %d characters; keep messages under %d", l, lintMaxMessageLen)
		}
	}
	if r.Frequency != Always && r.Cooldown > 0 {
		warn(at("cooldown"), "cooldown", "has no effect with frequency %s; it only spaces out the sends of frequency: always", r.Frequency)
	}
	if r.Frequency == Always && r.Cooldown == 0 {
		warn(at("frequency"), "frequency", "always without a cooldown sends again each time the condition becomes true again; set a cooldown, like 24h")
	}
	if r.Disabled && r.Shadow {
		warn(at("mode"), "mode", "shadow has no effect while enabled is false: a disabled rule is not evaluated, so it counts no would_send")
	}
	lintTraps(d, r, nodes, ctx)
}

// warnf is errorf for a lint warning.
func (d *decoder) warnf(n *yaml.Node, ctx, field, format string, args ...any) {
	d.errorf(n, ctx, field, format, args...)
	(*d.diags)[len(*d.diags)-1].Warning = true
}

// warnAt is a lint warning at a line and column.
func (d *decoder) warnAt(line, col int, ctx, field, format string, args ...any) {
	d.at(line, col, ctx, field, format, args...)
	(*d.diags)[len(*d.diags)-1].Warning = true
}

// formatDuration prints d as a rule file would write it: 2m, not 2m0s.
func formatDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// valueOf is the value of key in mapping n, or n itself if it has none.
func valueOf(n *yaml.Node, key string) *yaml.Node {
	m := resolve(n)
	for i := 0; m.Kind == yaml.MappingNode && i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return n
}
