package rules

import (
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
		before := len(*d.diags)
		d.errorf(n, ctx, fieldName, format, args...)
		(*d.diags)[before].Warning = true
	}
	at := func(key string) *yaml.Node {
		if n, ok := nodes[key]; ok {
			return n
		}
		return nodes["name"]
	}
	if r.MinWait == nil && !r.FollowUp {
		wait := max(r.For, p.MinWait)
		if wait < lintMinWait || wait > lintMaxWait {
			key := "for"
			if r.For < p.MinWait {
				key = "name"
			}
			warn(at(key), "", "waits %s before its first message (the larger of for and min_wait); best practice is 30s to 60s", wait)
		}
	}
	n := len(r.QuickReplies)
	if !r.FollowUp && n < 2 {
		warn(at("quick_replies"), "quick_replies", "a proactive message should offer 2 or 3 quick replies, this one has %d", n)
	}
	if n > 3 {
		warn(at("quick_replies"), "quick_replies", "%d quick replies; offer at most 3", n)
	}
	seen := map[string]bool{}
	for _, q := range r.QuickReplies {
		if seen[q.Value] {
			warn(at("quick_replies"), "quick_replies", "value %q is used twice", q.Value)
		}
		seen[q.Value] = true
	}
	if r.Message != nil {
		if l := r.Message.literalLen(); l > lintMaxMessageLen {
			warn(at("message"), "message", "about %d characters; keep messages under %d", l, lintMaxMessageLen)
		}
	}
	if r.Frequency == Always && r.Cooldown == 0 {
		warn(at("frequency"), "frequency", "always without a cooldown can repeat the message at every new stretch; set cooldown")
	}
}
