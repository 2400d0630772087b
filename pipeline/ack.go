package pipeline

import (
	"context"
	"fmt"
	"time"

	"github.com/beckonhq/beckon/message"
	"github.com/beckonhq/beckon/store"
)

// Ack records a widget's report that a message was delivered or read.
// Statuses only move forward; an ack that does not is a no-op. A message of
// another visitor is reported as ErrNotFound, so ids cannot be probed.
func (p *Pipeline) Ack(ws, visitorID, messageID, status string) error {
	to, err := message.ParseStatus(status)
	if err == nil && to < message.StatusDelivered {
		err = fmt.Errorf("%w %q for an ack", message.ErrInvalidStatus, status)
	}
	if err != nil {
		return fmt.Errorf("pipeline: ack %s: %w", messageID, err)
	}
	if visitorID == "" {
		return fmt.Errorf("pipeline: ack %s: %w", messageID, ErrNotFound)
	}
	if err := p.advance(ws, visitorID, messageID, to, p.opt.Clock()); err != nil {
		return fmt.Errorf("pipeline: ack %s %s: %w", messageID, status, err)
	}
	p.acked(ws, messageID)
	p.poke()
	return nil
}

// advance moves a message forward to `to`. Each status passed on the way
// (sent → read passes delivered) gets its own message_status webhook, so a
// receiver always sees delivered before read, and for a rule's message
// its count in the rule's funnel (delivered, read). visitorID "" skips the
// ownership check.
func (p *Pipeline) advance(ws, visitorID, id string, to message.Status, at time.Time) error {
	var b *store.Batch
	err := p.store.UpdateMessage(context.Background(), ws, id, func(r *message.Record) (*store.Batch, error) {
		b = nil
		if visitorID != "" && r.VisitorID != visitorID {
			return nil, store.ErrNotFound
		}
		passed := r.Advance(to, at)
		if len(passed) == 0 {
			return nil, nil
		}
		b = &store.Batch{OutboxLimit: p.opt.MaxOutbox}
		for _, s := range passed {
			if r.Rule != "" { // the rule's funnel, committed with the status
				b.Counts = append(b.Counts, store.Count{Rule: r.Rule, Name: s.String(), Hour: at.Truncate(time.Hour), N: 1})
			}
			ds, err := p.deliveries(ws, r.VisitorID, statusEvent(p.opt.NewID("evt"), r, s, at), r.ID)
			if err != nil {
				return nil, err
			}
			b.Deliveries = append(b.Deliveries, ds...)
		}
		return b, nil
	})
	if err == nil && b != nil && b.Dropped > 0 {
		p.log.Warn("webhook dropped: the endpoint's outbox is full", "workspace", ws, "event", EventMessageStatus, "message_id", id, "dropped", b.Dropped)
	}
	return notFound(err)
}
