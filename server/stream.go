package server

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/beckonhq/beckon/message"
)

// Stream timing: the widget's reconnect delay, the keep-alive comment
// (proxies drop silent connections) and the most one write may take.
const (
	streamRetry        = 2 * time.Second
	streamPing         = 20 * time.Second
	streamWriteTimeout = 30 * time.Second
)

// streamMessage is what the widget gets of a message.
type streamMessage struct {
	MessageID       string               `json:"message_id"`
	SessionID       string               `json:"session_id"`
	Message         string               `json:"message"`
	QuickReplies    []message.QuickReply `json:"quick_replies"`
	Personalization map[string]any       `json:"personalization"`
	Options         map[string]any       `json:"options"`
	SentAt          string               `json:"sent_at,omitempty"` // RFC 3339, for the widget's time stamps
}

func newStreamMessage(m *message.Message) streamMessage {
	sm := streamMessage{MessageID: m.ID, SessionID: m.SessionID, Message: m.Message,
		QuickReplies: m.QuickReplies, Personalization: m.Personalization, Options: m.Options}
	if !m.Time.IsZero() {
		sm.SentAt = m.Time.UTC().Format(time.RFC3339)
	}
	if sm.QuickReplies == nil {
		sm.QuickReplies = []message.QuickReply{}
	}
	if sm.Personalization == nil {
		sm.Personalization = map[string]any{}
	}
	if sm.Options == nil {
		sm.Options = map[string]any{}
	}
	return sm
}

// stream is GET /v1/stream: server-sent events carrying a visitor's
// messages, the queued ones first. It ends when the client goes, when the
// pipeline closes the stream (a newer one replaced it, or it fell behind)
// or when the server shuts down; the widget reconnects.
func (s *Server) stream(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	st, err := s.admit(w, r, q.Get("site"), 1)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	visitorID := q.Get("visitor_id")
	if err := checkID("visitor_id", visitorID); err != nil {
		s.fail(w, r, err)
		return
	}
	if _, err := s.tokens.authorize(st.ws.id, visitorID, q.Get("token"), false); err != nil {
		s.fail(w, r, err)
		return
	}
	ip := clientIP(r, s.cfg.ClientIPHeader)
	if full := s.streams.take(st.key, ip); full != "" {
		e := errRateLimited(streamRetryAfter)
		e.Message = full + "; retry after the time in Retry-After"
		s.fail(w, r, e)
		return
	}
	defer s.streams.give(st.key, ip)
	s.metrics.streams.Add(1)
	defer s.metrics.streams.Add(-1)
	messages, cancel := st.ws.pipe.Subscribe(st.ws.id, visitorID)
	defer cancel()
	s.serveStream(w, r, messages)
}

// startEvents answers with an event stream (with cacheControl) and
// returns how to write to it: each write is flushed and bounded in time,
// and reports whether the client is still there.
func startEvents(w http.ResponseWriter, cacheControl string) func(format string, args ...any) bool {
	rc := http.NewResponseController(w)
	rc.SetReadDeadline(time.Time{}) // the server's ReadTimeout is for request bodies
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", cacheControl)
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	return func(format string, args ...any) bool {
		rc.SetWriteDeadline(time.Now().Add(streamWriteTimeout))
		if _, err := fmt.Fprintf(w, format, args...); err != nil {
			return false
		}
		return rc.Flush() == nil
	}
}

func (s *Server) serveStream(w http.ResponseWriter, r *http.Request, messages <-chan *message.Message) {
	send := startEvents(w, "no-cache")
	if !send("retry: %d\n\n", streamRetry.Milliseconds()) {
		return
	}
	ping := time.NewTicker(streamPing)
	defer ping.Stop()
	for {
		var ok bool
		select {
		case <-r.Context().Done():
			return
		case <-s.ending:
			return
		case <-ping.C:
			ok = send(": ping\n\n")
		case m, open := <-messages:
			if !open {
				return
			}
			ok = writeEvent(send, m)
		}
		if !ok {
			return
		}
	}
}

// writeEvent writes one message as `event: message` with its JSON on one
// data line (JSON never contains a raw newline).
func writeEvent(send func(string, ...any) bool, m *message.Message) bool {
	data, err := json.Marshal(newStreamMessage(m))
	if err != nil {
		return true // not one of ours to break the stream over
	}
	return send("event: message\nid: %s\ndata: %s\n\n", m.ID, data)
}
