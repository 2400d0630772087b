package pipeline

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/beckonhq/beckon/funnel"
	"github.com/beckonhq/beckon/message"
	"github.com/beckonhq/beckon/store"
)

// ErrUnknownQuickReply is returned for a click on a value the answered
// message did not offer.
var ErrUnknownQuickReply = errors.New("pipeline: unknown quick reply")

// Reply is a visitor's answer, as reported by the widget.
type Reply struct {
	VisitorID string
	// MessageID is the message answered; it is reported as data.message_id.
	// When it names a stored message, that message must be the visitor's.
	MessageID string
	// SessionID defaults to the answered message's session.
	SessionID string
	// Text is what the visitor typed; for a click it defaults to the
	// button's label.
	Text       string
	QuickReply *QuickReplyClick // nil when the visitor typed
	// VisitorStatus defaults to "engaged": the visitor has just replied.
	VisitorStatus   string
	EngagementScore int
	Time            time.Time // defaults to the clock
}

// VisitorResponded records a visitor's reply in its session's transcript
// and queues a live_chat.visitor_responded webhook for every subscribed
// endpoint, in one commit; it returns once that is durable. A reply to a
// rule's message also counts in the rule's funnel, in the same commit:
// replied (the message's first reply) and, for a click, the button's
// value. An endpoint whose outbox is full refuses it with ErrOutboxFull.
func (p *Pipeline) VisitorResponded(ws string, r Reply) error {
	if r.VisitorID == "" || (r.Text == "" && r.QuickReply == nil) {
		return errors.New("pipeline: visitor reply needs a visitor id and text or a quick reply")
	}
	if r.Time.IsZero() {
		r.Time = p.opt.Clock()
	}
	if r.VisitorStatus == "" {
		r.VisitorStatus = "engaged"
	}
	if r.QuickReply != nil {
		c := *r.QuickReply
		r.QuickReply = &c
	}
	id := p.opt.NewID("rep")
	var rec message.Reply
	var err error
	if r.MessageID == "" {
		rec, err = p.replyToNone(ws, id, &r)
	} else {
		rec, err = p.replyToMessage(ws, id, &r)
	}
	if err != nil {
		return fmt.Errorf("pipeline: visitor %s responded to %s: %w", r.VisitorID, r.MessageID, notFound(err))
	}
	p.poke()
	p.publish(ws, Activity{Reply: &rec})
	if p.shared {
		p.announce(ws, Activity{Reply: &rec}) // for the consoles other processes serve
	}
	return nil
}

// replyToNone commits a typed reply that answers no message.
func (p *Pipeline) replyToNone(ws, id string, r *Reply) (message.Reply, error) {
	if r.Text == "" {
		return message.Reply{}, errors.New("a quick reply needs the message it answers")
	}
	b, rec, err := p.replyBatch(ws, id, r, nil)
	if err == nil {
		err = p.store.Commit(context.Background(), b)
	}
	return rec, err
}

// replyToMessage commits a reply with the answered message's update.
func (p *Pipeline) replyToMessage(ws, id string, r *Reply) (message.Reply, error) {
	var rec message.Reply
	err := p.store.UpdateMessage(context.Background(), ws, r.MessageID, func(m *message.Record) (*store.Batch, error) {
		if m.VisitorID != r.VisitorID {
			return nil, store.ErrNotFound
		}
		if err := answered(r, m); err != nil {
			return nil, err
		}
		b, got, err := p.replyBatch(ws, id, r, m)
		rec = got
		return b, err
	})
	return rec, err
}

// answered fills what the answered message knows: its session and, for a
// click, the button's label and action.
func answered(r *Reply, m *message.Record) error {
	if r.SessionID == "" {
		r.SessionID = m.SessionID
	}
	if r.QuickReply == nil {
		return nil
	}
	q, ok := m.QuickReply(r.QuickReply.Value)
	if !ok {
		return fmt.Errorf("%w %q", ErrUnknownQuickReply, r.QuickReply.Value)
	}
	if r.Text == "" {
		r.Text = q.Text
	}
	if r.QuickReply.Action == "" {
		r.QuickReply.Action = q.Action
	}
	return nil
}

// replyBatch is the commit of a reply: its record, its webhooks and, for
// a rule's message m, its counts (m, when given, is marked replied).
func (p *Pipeline) replyBatch(ws, id string, r *Reply, m *message.Record) (*store.Batch, message.Reply, error) {
	rec := message.Reply{ID: id, VisitorID: r.VisitorID, SessionID: r.SessionID, MessageID: r.MessageID, Text: r.Text, Time: r.Time}
	if r.QuickReply != nil {
		rec.QuickReply = &message.QuickReply{Text: r.Text, Value: r.QuickReply.Value, Action: r.QuickReply.Action}
	}
	ds, err := p.deliveries(ws, r.VisitorID, respondedEvent(p.opt.NewID("evt"), r), "")
	if err != nil {
		return nil, rec, err
	}
	b := &store.Batch{Workspace: ws, Replies: []message.Reply{rec}, Deliveries: ds, OutboxLimit: p.opt.MaxOutbox, AllDeliveries: true}
	if m == nil {
		return b, rec, nil
	}
	rec.Rule = m.Rule
	b.Replies[0] = rec
	hour := r.Time.Truncate(time.Hour)
	if m.RepliedAt == nil {
		at := r.Time
		m.RepliedAt = &at
		if m.Rule != "" {
			b.Counts = append(b.Counts, store.Count{Rule: m.Rule, Name: funnel.Replied, Hour: hour, N: 1})
		}
	}
	if m.Rule != "" && r.QuickReply != nil {
		b.Counts = append(b.Counts, store.Count{Rule: m.Rule, Name: funnel.Click(r.QuickReply.Value), Hour: hour, N: 1})
	}
	return b, rec, nil
}

func respondedEvent(id string, r *Reply) Event {
	return Event{ID: id, Event: EventVisitorResponded, SessionID: r.SessionID, Timestamp: timestamp(r.Time),
		Data: RespondedData{
			MessageID: r.MessageID, Message: r.Text, QuickReplyClicked: r.QuickReply,
			Visitor: Visitor{ID: r.VisitorID, Status: r.VisitorStatus, EngagementScore: r.EngagementScore},
		}}
}
