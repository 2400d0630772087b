package pipeline

import (
	"fmt"
	"time"

	"github.com/beckonhq/beckon/message"
)

// AwaitDelivered waits at most d for the widget's receipt of a message
// just sent to a visitor with an open stream, and returns the message's
// status then. Without an open stream it does not wait: nobody will
// acknowledge the message before it is queued for the next one.
func (p *Pipeline) AwaitDelivered(ws, visitorID, id string, d time.Duration) (message.Status, error) {
	if !p.hub.has(streamKey{ws, visitorID}) {
		return message.StatusSent, nil // just recorded: nothing can have moved it
	}
	ch := p.watch(ws, id)
	defer p.unwatch(ws, id, ch)
	st, err := p.Status(ws, id) // after watch: an ack in between is not missed
	if err != nil || st >= message.StatusDelivered {
		return st, err
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ch:
	case <-t.C:
	}
	return p.Status(ws, id)
}

func waiterKey(ws, id string) string { return fmt.Sprintf("%s\x00%s", ws, id) }

func (p *Pipeline) watch(ws, id string) chan struct{} {
	ch := make(chan struct{})
	p.mu.Lock()
	defer p.mu.Unlock()
	k := waiterKey(ws, id)
	p.ackWaiter[k] = append(p.ackWaiter[k], ch)
	return ch
}

func (p *Pipeline) unwatch(ws, id string, ch chan struct{}) {
	p.mu.Lock()
	defer p.mu.Unlock()
	k := waiterKey(ws, id)
	list := p.ackWaiter[k]
	for i, c := range list {
		if c == ch {
			list = append(list[:i], list[i+1:]...)
			break
		}
	}
	if len(list) == 0 {
		delete(p.ackWaiter, k)
		return
	}
	p.ackWaiter[k] = list
}

// acked wakes the AwaitDelivered calls of a message.
func (p *Pipeline) acked(ws, id string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	k := waiterKey(ws, id)
	for _, ch := range p.ackWaiter[k] {
		close(ch)
	}
	delete(p.ackWaiter, k)
}

// has reports whether a visitor has an open stream.
func (h *hub) has(k streamKey) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.streams[k]) > 0
}
