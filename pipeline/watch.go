package pipeline

import (
	"sync"

	"github.com/beckonhq/beckon/message"
)

// Activity is news of a workspace's conversations for those who watch it
// (the console's inbox): a visitor's reply, once recorded, or a message
// sent to a visitor, once durable. One of Reply and Message is set.
type Activity struct {
	Reply   *message.Reply
	Message *message.Message
}

// Watch bounds: a watcher's buffer, and the watchers of one workspace
// (past it the oldest is closed).
const (
	watchBuffer      = 64
	maxWatchersPerWS = 32
)

// watchers holds the open watches; like widget streams, a watch that
// cannot keep up is closed (its page reconnects and reads afresh).
type watchers struct {
	mu     sync.Mutex
	byWS   map[string][]chan Activity
	closed bool
}

// Watch opens a feed of the workspace's replies and sent messages. The
// channel is closed by cancel, when it falls behind, when more watchers
// push it out, or at Close.
func (p *Pipeline) Watch(ws string) (<-chan Activity, func()) {
	w := &p.feeds
	ch := make(chan Activity, watchBuffer)
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		close(ch)
		return ch, func() {}
	}
	if w.byWS == nil {
		w.byWS = map[string][]chan Activity{}
	}
	list := w.byWS[ws]
	for len(list) >= maxWatchersPerWS {
		close(list[0])
		list = list[1:]
	}
	w.byWS[ws] = append(list, ch)
	return ch, func() { w.remove(ws, ch) }
}

func (w *watchers) remove(ws string, ch chan Activity) {
	w.mu.Lock()
	defer w.mu.Unlock()
	list := w.byWS[ws]
	for i, c := range list {
		if c == ch {
			close(c)
			w.byWS[ws] = append(list[:i:i], list[i+1:]...)
			return
		}
	}
}

// publish gives a to every watcher of ws without waiting.
func (p *Pipeline) publish(ws string, a Activity) {
	w := &p.feeds
	w.mu.Lock()
	defer w.mu.Unlock()
	list := w.byWS[ws]
	if len(list) == 0 {
		return
	}
	kept := list[:0]
	for _, ch := range list {
		select {
		case ch <- a:
			kept = append(kept, ch)
		default:
			close(ch)
		}
	}
	w.byWS[ws] = kept
}

func (w *watchers) close() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.closed = true
	for ws, list := range w.byWS {
		for _, ch := range list {
			close(ch)
		}
		delete(w.byWS, ws)
	}
}
