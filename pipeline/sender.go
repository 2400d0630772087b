package pipeline

import (
	"context"
	"fmt"

	"github.com/beckonhq/beckon/message"
	"github.com/beckonhq/beckon/store"
)

// Sender records and delivers one workspace's messages; the engine takes
// it as its Sender.
type Sender struct {
	p  *Pipeline
	ws string
}

// Sender returns the Sender of one workspace.
func (p *Pipeline) Sender(ws string) Sender { return Sender{p: p, ws: ws} }

// Stage adds m to b: its record (which the store lists in its session and
// queues for its visitor) and the message_sent webhook deliveries. An
// endpoint whose outbox is full loses the webhook (the store counts it in
// b.Dropped), never the message: a stuck receiver must not stop the chat.
func (s Sender) Stage(b *store.Batch, m *message.Message) {
	s.p.stage(b, s.ws, m)
}

// Deliver pushes m to the visitor's open streams. It stays "sent" (and
// queued for the next stream) until the widget acknowledges it: a stream
// whose connection died silently takes messages too.
func (s Sender) Deliver(m *message.Message) {
	s.p.poke() // Stage's outbox entries are committed by now
	s.p.publish(s.ws, Activity{Message: m})
	if s.p.shared {
		s.p.announce(s.ws, Activity{Message: m}) // the visitor's streams may be on other processes
	}
	if s.p.hub.offer(streamKey{s.ws, m.VisitorID}, m) > 0 {
		s.p.opt.OnDelivery(s.ws, DeliveryPushed)
		return
	}
	s.p.opt.OnDelivery(s.ws, DeliveryQueued)
}

func (p *Pipeline) stage(b *store.Batch, ws string, m *message.Message) {
	r := message.Record{Message: *m, Status: message.StatusSent, SentAt: m.Time}
	if r.SentAt.IsZero() {
		r.SentAt = p.opt.Clock()
	}
	b.Messages = append(b.Messages, r)
	b.QueueLimit, b.OutboxLimit = p.opt.QueueLen, p.opt.MaxOutbox
	ds, err := p.deliveries(ws, m.VisitorID, sentEvent(p.opt.NewID("evt"), &r), r.ID)
	if err != nil {
		p.log.Error("webhook dropped", "workspace", ws, "event", EventMessageSent, "message_id", m.ID, "err", err)
		return
	}
	b.Deliveries = append(b.Deliveries, ds...)
}

// Record commits m as Stage and the engine would, then delivers it: for
// callers (and tests) that send without an engine.
func (p *Pipeline) Record(ws string, m *message.Message) error {
	b := &store.Batch{Workspace: ws}
	p.stage(b, ws, m)
	if err := p.store.Commit(context.Background(), b); err != nil {
		return fmt.Errorf("pipeline: record message %s: %w", m.ID, err)
	}
	p.Sender(ws).Deliver(m)
	return nil
}
