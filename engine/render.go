package engine

import (
	"fmt"
	"time"

	"github.com/beckonhq/beckon/funnel"
	"github.com/beckonhq/beckon/message"
	"github.com/beckonhq/beckon/rules"
)

// render builds rule r's message, without an id (a shadow rule's is
// never sent); any template error means no message.
// It also returns the values that printed nothing inside a sentence.
func (e *Engine) render(sc *scratch, r *rules.Rule, v *visitorState, env rules.Env, t time.Time) (*message.Message, []string, error) {
	tenv := &rules.TemplateEnv{Env: env}
	var empty []string
	run := func(tmpl *rules.Template, field string) (string, error) {
		s, segs, err := tmpl.RenderChecked(&sc.vm, tenv)
		if err != nil {
			return "", fmt.Errorf("%s: %w", field, err)
		}
		for _, seg := range segs {
			empty = append(empty, field+": "+seg+" printed nothing")
		}
		return s, nil
	}
	var pers map[string]any
	if len(r.Personalization) > 0 {
		pers = make(map[string]any, len(r.Personalization))
		for _, p := range r.Personalization {
			s, err := run(p.Value, "personalization."+p.Key)
			if err != nil {
				return nil, nil, err
			}
			pers[p.Key] = s
		}
	}
	tenv.Personalization = pers
	text, err := run(r.Message, "message")
	if err != nil {
		return nil, nil, err
	}
	qrs := make([]message.QuickReply, len(r.QuickReplies))
	for i, q := range r.QuickReplies {
		label, err := run(q.Text, fmt.Sprintf("quick_replies[%d].text", i))
		if err != nil {
			return nil, nil, err
		}
		qrs[i] = message.QuickReply{Text: label, Value: q.Value, Action: q.Action}
	}
	return &message.Message{
		VisitorID: v.ID, SessionID: v.Session.ID, Rule: r.Name,
		Message:         text,
		Trigger:         &message.Trigger{Type: r.Trigger, PageURL: v.Page.URL, TimeOnPage: env.Page.TimeOnPage},
		Personalization: pers, QuickReplies: qrs, Options: r.Options, AssistantID: r.AssistantID,
		Time: t, VisitorStatus: env.Visitor.Status, EngagementScore: env.Visitor.EngagementScore,
	}, empty, nil
}

// sendFirst sends the message of the first live candidate (by priority)
// whose templates render.
func (e *Engine) sendFirst(ent *entry, sc *scratch, set *rules.Set, cands []int, env rules.Env, t time.Time, tr *Evaluation) (*message.Message, error) {
	v := ent.v
	for n, i := range cands {
		r := set.Rules[i]
		if r.Shadow {
			continue
		}
		msg, empty, err := e.render(sc, r, v, env, t)
		if err != nil {
			e.log.Warn("engine: template failed, nothing sent", "rule", r.Name, "visitor", v.ID, "err", err)
			tr.note(i, "template failed: "+err.Error())
			continue
		}
		if len(empty) > 0 {
			e.log.Warn("engine: a template value printed nothing", "rule", r.Name, "visitor", v.ID, "empty", empty)
			tr.warn(empty)
		}
		for _, j := range cands[n+1:] {
			if !set.Rules[j].Shadow {
				tr.note(j, "lower priority than "+r.Name)
			}
		}
		msg.ID = e.opts.NewID("msg")
		tr.sent(i, msg)
		return msg, e.sendRule(ent, set, i, msg)
	}
	return nil, nil
}

// sendRule records rule i's send in the visitor's state and commits it
// with the message; the send counts once the commit succeeded.
func (e *Engine) sendRule(ent *entry, set *rules.Set, i int, msg *message.Message) error {
	staged := len(ent.counts)
	if e.shared { // counted in the send's own commit
		e.count(ent, set.Rules[i].Name, funnel.Sent, msg.Time)
	}
	err := e.commitSend(ent, msg, func(v *visitorState) {
		v.state(set, i).history.sent(v.Session.ID, msg.Time)
	}, nil)
	switch {
	case err != nil && e.shared:
		ent.counts = ent.counts[:staged]
	case err == nil && e.shared:
		e.counts.sentAt(set.Rules[i].Name, msg.Time)
	case err == nil:
		e.counts.add(set.Rules[i].Name, funnel.Sent, msg.Time)
	}
	return err
}
