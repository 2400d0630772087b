package engine

import (
	"time"

	"github.com/beckonhq/beckon/message"
	"github.com/beckonhq/beckon/rules"
	"github.com/beckonhq/beckon/scoring"
)

// Evaluation is one evaluation of the rules for a visitor, with why each
// rule did or did not send: what `beckon simulate --explain` prints.
type Evaluation struct {
	VisitorID string
	SessionID string
	// SessionStart is when the session began, so its age at Time is known.
	SessionStart time.Time
	Time         time.Time
	Event        string // the event type, or "timer" for a wakeup
	EventName    string
	Status       string
	Score        scoring.Score
	Rules        []RuleOutcome
	Sent         *message.Message
	// WouldSend are the messages shadow rules would have sent.
	WouldSend []*message.Message
	// Warnings are about the message sent: values that printed nothing.
	Warnings []string
}

// RuleOutcome is one rule's part in an evaluation.
type RuleOutcome struct {
	Rule      string
	Sent      bool
	WouldSend bool   // a shadow rule that would have sent
	Reason    string // empty when it sent or would have
}

func newEvaluation(v *visitorState, t time.Time, env rules.Env, score scoring.Score, set *rules.Set) *Evaluation {
	ev := &Evaluation{
		VisitorID: v.ID, SessionID: v.Session.ID, SessionStart: v.Session.Start, Time: t,
		Event: env.Event.Type, EventName: env.Event.Name,
		Status: env.Visitor.Status, Score: score,
		Rules: make([]RuleOutcome, len(set.Rules)),
	}
	for i, r := range set.Rules {
		ev.Rules[i].Rule = r.Name
	}
	return ev
}

// note records why rule i did not send; a nil Evaluation ignores it.
func (ev *Evaluation) note(i int, reason string) {
	if ev != nil {
		ev.Rules[i].Reason = reason
	}
}

func (ev *Evaluation) sent(i int, m *message.Message) {
	if ev != nil {
		ev.Rules[i].Sent, ev.Rules[i].Reason = true, ""
		ev.Sent = m
	}
}

func (ev *Evaluation) wouldSend(i int, m *message.Message) {
	if ev != nil {
		ev.Rules[i].WouldSend, ev.Rules[i].Reason = true, ""
		ev.WouldSend = append(ev.WouldSend, m)
	}
}

func (ev *Evaluation) warn(msgs []string) {
	if ev != nil {
		ev.Warnings = append(ev.Warnings, msgs...)
	}
}
