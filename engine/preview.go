package engine

import (
	"fmt"

	"github.com/beckonhq/beckon/message"
	"github.com/beckonhq/beckon/rules"
)

// Preview is a rule's message as a visitor would see it now.
type Preview struct {
	Rule    *rules.Rule
	Message *message.Message
	// Empty lists the values that printed nothing inside a sentence.
	Empty []string
}

// Preview renders the named rule's message for a visitor at the clock's
// time: templates filled against the visitor's state, whether or not the
// rule is ready or would be held back. It sends, counts and changes
// nothing. Errors: ErrVisitorNotFound, an unknown rule, a template that
// fails at run time.
func (e *Engine) Preview(visitorID, rule string) (*Preview, error) {
	l := e.loaded.Load()
	var r *rules.Rule
	for _, x := range l.set.Rules {
		if x.Name == rule {
			r = x
		}
	}
	if r == nil {
		names := make([]string, len(l.set.Rules))
		for i, x := range l.set.Rules {
			names[i] = x.Name
		}
		return nil, fmt.Errorf("no rule %q%s", rule, rules.OrChoices(rule, names))
	}
	var p *Preview
	err := e.withVisitor(visitorID, false, func(ent *entry) error {
		sc := getScratch()
		defer putScratch(sc)
		v, now := ent.v, e.opts.Clock.Now()
		env := v.env(sc, now, nil, l)
		if v.Session.Start.IsZero() { // no event yet: a visit that starts now
			env.Session.Duration = 0
		}
		env.Visitor.EngagementScore = l.model.Value(&sc.vm, env)
		m, empty, err := e.render(sc, r, v, env, now)
		if err != nil {
			return fmt.Errorf("rule %q: %w", rule, err)
		}
		p = &Preview{Rule: r, Message: m, Empty: empty}
		return nil
	})
	return p, err
}
