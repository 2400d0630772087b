package pipeline

import (
	"fmt"

	"github.com/beckonhq/beckon/store"
)

// ErrOutboxFull is returned when a webhook endpoint already has
// Options.MaxOutbox deliveries waiting: new events for it are refused
// rather than letting a dead endpoint grow the store without bound.
var ErrOutboxFull = store.ErrOutboxFull

// Delivery is one event on its way to one endpoint.
type Delivery = store.Delivery

// deliveries builds ev's delivery to every endpoint of ws subscribed to
// it. Deliveries with the same order (a message's id, for the events about
// one message) reach an endpoint in the order they were queued. Retry
// times run on the pipeline's clock, not the event's timestamp, which may
// come from a simulated journey.
func (p *Pipeline) deliveries(ws, visitorID string, ev Event, order string) ([]store.Delivery, error) {
	var out []store.Delivery
	var body []byte
	created := p.opt.Clock()
	for _, h := range p.webhooks(ws) {
		if !h.wants(ev.Event) {
			continue
		}
		if body == nil {
			var err error
			if body, err = encodeEvent(ev); err != nil {
				return nil, fmt.Errorf("encode %s event: %w", ev.Event, err)
			}
		}
		out = append(out, store.Delivery{EventID: ev.ID, Event: ev.Event, URL: h.URL, Body: body,
			Created: created, Due: created, Order: order, VisitorID: visitorID})
	}
	return out, nil
}

// OutboxLen is the number of deliveries waiting in a workspace's outbox.
func (p *Pipeline) OutboxLen(ws string) (int, error) {
	n, err := p.store.OutboxLen(ws)
	if err != nil {
		return 0, fmt.Errorf("pipeline: outbox length of %s: %w", ws, err)
	}
	return n, nil
}

// DeadLetters lists the deliveries given up on in a workspace, oldest first.
func (p *Pipeline) DeadLetters(ws string) ([]Delivery, error) {
	return p.store.DeadLetters(ws)
}
