package server

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/beckonhq/beckon/engine"
	"github.com/beckonhq/beckon/message"
	"github.com/beckonhq/beckon/pipeline"
)

// liveMax bounds the visitors the live page lists.
const liveMax = 200

// visitorsPage is GET /console/visitors: who is on the site now.
func (s *Server) visitorsPage(w http.ResponseWriter, r *http.Request, sess *consoleSession) {
	s.page(w, sess, "visitors", "Live visitors", struct {
		Visitors []*engine.VisitorSnapshot
		Max      int
	}{sess.ws.eng.Live(liveMax), liveMax})
}

// consoleActivity is an event of /console/events: a reply or a message,
// with what the inbox shows of it.
type consoleActivity struct {
	ID        string    `json:"id"`
	SessionID string    `json:"session_id"`
	VisitorID string    `json:"visitor_id"`
	Text      string    `json:"text"`
	At        time.Time `json:"at"`
	Clicked   bool      `json:"clicked,omitempty"` // a reply that is a button's label
	From      string    `json:"from,omitempty"`    // a message's rule, or "API"
	Buttons   []string  `json:"buttons,omitempty"`
}

func newConsoleActivity(a pipeline.Activity) (string, consoleActivity) {
	if r := a.Reply; r != nil {
		return "reply", consoleActivity{ID: r.ID, SessionID: r.SessionID, VisitorID: r.VisitorID, Text: r.Text, At: r.Time,
			Clicked: r.QuickReply != nil}
	}
	m := a.Message
	c := consoleActivity{ID: m.ID, SessionID: m.SessionID, VisitorID: m.VisitorID, Text: m.Message, At: m.Time, From: "API"}
	if m.Rule != "" {
		c.From = "rule " + m.Rule
	}
	c.Buttons = labels(m.QuickReplies)
	return "message", c
}

func labels(qrs []message.QuickReply) []string {
	out := make([]string, len(qrs))
	for i, q := range qrs {
		out[i] = q.Text
	}
	return out
}

// consoleEvents is GET /console/events: server-sent events of the
// workspace's replies and messages, for the inbox to show them as they
// come. It ends as widget streams do; the page's EventSource reconnects.
func (s *Server) consoleEvents(w http.ResponseWriter, r *http.Request, sess *consoleSession) {
	feed, cancel := sess.ws.pipe.Watch(sess.ws.id)
	defer cancel()
	send := startEvents(w, "no-store")
	ping := time.NewTicker(streamPing)
	defer ping.Stop()
	ok := send("retry: %d\n\n", streamRetry.Milliseconds())
	for ok {
		select {
		case <-r.Context().Done():
			return
		case <-s.ending:
			return
		case <-ping.C:
			ok = send(": ping\n\n")
		case a, open := <-feed:
			if !open {
				return
			}
			name, data := newConsoleActivity(a)
			body, _ := json.Marshal(data)
			ok = send("event: %s\ndata: %s\n\n", name, body)
		}
	}
}
