package pipeline

import "github.com/beckonhq/beckon/message"

// Subscribe opens a stream of a visitor's messages: first the ones still
// queued as undelivered, in send order, then live ones. The channel is
// closed when cancel is called, when the stream falls behind (its buffer is
// full), when a newer stream pushes it out, or at Close; the widget is
// expected to reconnect. The messages are shared: read them, do not change
// them. Queued and live copies of one message may both arrive around the
// moment a stream opens; widgets de-duplicate by message_id.
func (p *Pipeline) Subscribe(ws, visitorID string) (<-chan *message.Message, func()) {
	k := streamKey{ws, visitorID}
	s := p.hub.add(k)
	queued, err := p.queued(ws, visitorID)
	if err != nil {
		// Live messages still flow; the queued ones wait for the next stream.
		p.log.Error("read undelivered messages", "workspace", ws, "visitor_id", visitorID, "err", err)
	}
	for range p.hub.finishReplay(k, s, queued) {
		p.opt.OnDelivery(ws, DeliveryReplayed)
	}
	return s.ch, func() { p.hub.remove(k, s) }
}

// queued reads a visitor's undelivered messages in send order.
func (p *Pipeline) queued(ws, visitorID string) ([]*message.Message, error) {
	recs, err := p.store.Undelivered(ws, visitorID)
	if err != nil {
		return nil, err
	}
	var out []*message.Message
	for i := range recs {
		r := &recs[i]
		if r.Status < message.StatusDelivered {
			out = append(out, &r.Message)
		}
	}
	return out, nil
}
