package pipeline

import (
	"sync"

	"github.com/beckonhq/beckon/message"
)

// The hub holds the open widget streams. Sends never block: a stream whose
// buffer is full is closed and dropped, and its widget reconnects and gets
// what it missed from the undelivered queue.

type streamKey struct{ ws, visitor string }

type stream struct {
	ch     chan *message.Message
	closed bool
	// While the queued messages are being read, live ones wait in pending,
	// so the visitor sees them in send order.
	replaying bool
	pending   []*message.Message
}

type hub struct {
	buf, max int

	mu      sync.Mutex
	streams map[streamKey][]*stream
	closed  bool
}

func newHub(buf, max int) *hub {
	return &hub{buf: buf, max: max, streams: map[streamKey][]*stream{}}
}

// add opens a stream in replay mode. Beyond max streams per visitor the
// oldest is closed: a forgotten tab should not lock out a new one.
func (h *hub) add(k streamKey) *stream {
	s := &stream{ch: make(chan *message.Message, h.buf), replaying: true}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		s.shut()
		return s
	}
	list := h.streams[k]
	for len(list) >= h.max {
		list[0].shut()
		list = list[1:]
	}
	h.streams[k] = append(list, s)
	return s
}

func (s *stream) shut() {
	if !s.closed {
		s.closed = true
		close(s.ch)
	}
}

// put is a non-blocking send; a stream that cannot take m is shut.
func (s *stream) put(m *message.Message) bool {
	select {
	case s.ch <- m:
		return true
	default:
		s.shut()
		return false
	}
}

// remove closes s and forgets it; calling it again is harmless.
func (h *hub) remove(k streamKey, s *stream) {
	h.mu.Lock()
	defer h.mu.Unlock()
	s.shut()
	h.prune(k)
}

func (h *hub) prune(k streamKey) {
	var open []*stream
	for _, s := range h.streams[k] {
		if !s.closed {
			open = append(open, s)
		}
	}
	if len(open) == 0 {
		delete(h.streams, k)
		return
	}
	h.streams[k] = open
}

// offer gives m to every stream of its visitor and says how many took it.
// A stream still replaying holds m back and does not count: finishReplay
// reports it once it is really in the channel.
func (h *hub) offer(k streamKey, m *message.Message) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	taken := 0
	for _, s := range h.streams[k] {
		switch {
		case s.replaying && len(s.pending) < h.buf:
			s.pending = append(s.pending, m)
		case s.replaying:
			s.shut()
		case s.put(m):
			taken++
		}
	}
	h.prune(k)
	return taken
}

// finishReplay sends the queued messages, then the live ones that arrived
// meanwhile (skipping any already replayed), and switches s to live. It
// returns the ids of the messages the stream took.
func (h *hub) finishReplay(k streamKey, s *stream, queued []*message.Message) []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	defer h.prune(k)
	var took []string
	seen := map[string]bool{}
	for _, m := range queued {
		if s.closed || !s.put(m) {
			return took
		}
		seen[m.ID] = true
		took = append(took, m.ID)
	}
	for _, m := range s.pending {
		if seen[m.ID] {
			continue
		}
		if s.closed || !s.put(m) {
			return took
		}
		took = append(took, m.ID)
	}
	s.pending, s.replaying = nil, false
	return took
}

func (h *hub) close() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.closed = true
	for k, list := range h.streams {
		for _, s := range list {
			s.shut()
		}
		delete(h.streams, k)
	}
}
