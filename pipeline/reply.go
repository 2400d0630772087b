package pipeline

import (
	"context"
	"errors"
	"fmt"
	"time"

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

// VisitorResponded queues a live_chat.visitor_responded webhook for every
// subscribed endpoint; it returns once the deliveries are durable. An
// endpoint whose outbox is full refuses it with ErrOutboxFull.
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
	err := p.resolveReply(ws, &r)
	var ds []store.Delivery
	if err == nil {
		ds, err = p.deliveries(ws, respondedEvent(p.opt.NewID("evt"), &r), "")
	}
	if err == nil {
		err = p.store.Commit(context.Background(), &store.Batch{Workspace: ws, Deliveries: ds,
			OutboxLimit: p.opt.MaxOutbox, AllDeliveries: true})
	}
	if err != nil {
		return fmt.Errorf("pipeline: visitor %s responded to %s: %w", r.VisitorID, r.MessageID, err)
	}
	p.poke()
	return nil
}

// resolveReply fills what the answered message knows: its session and, for
// a click, the button's label and action.
func (p *Pipeline) resolveReply(ws string, r *Reply) error {
	if r.MessageID == "" {
		if r.Text == "" {
			return errors.New("a quick reply needs the message it answers")
		}
		return nil
	}
	m, err := p.store.Message(ws, r.MessageID)
	if err != nil {
		return notFound(err)
	}
	if m.VisitorID != r.VisitorID {
		return ErrNotFound
	}
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

func respondedEvent(id string, r *Reply) Event {
	return Event{ID: id, Event: EventVisitorResponded, SessionID: r.SessionID, Timestamp: timestamp(r.Time),
		Data: RespondedData{
			MessageID: r.MessageID, Message: r.Text, QuickReplyClicked: r.QuickReply,
			Visitor: Visitor{ID: r.VisitorID, Status: r.VisitorStatus, EngagementScore: r.EngagementScore},
		}}
}
