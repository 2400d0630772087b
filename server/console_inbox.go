package server

import (
	"errors"
	"net/http"
	"net/url"
	"time"

	"github.com/gorilla/mux"

	"github.com/beckonhq/beckon/engine"
	"github.com/beckonhq/beckon/message"
)

// The inbox lists the conversations of the latest replies, newest first.
const (
	inboxReplies = 500
	inboxMax     = 100
)

// conversationRow is one conversation in the inbox.
type conversationRow struct {
	SessionID string
	VisitorID string
	LastText  string
	LastAt    time.Time
	Replies   int
}

// inboxPage is GET /console/inbox: the sessions in which visitors
// replied, the latest reply first.
func (s *Server) inboxPage(w http.ResponseWriter, r *http.Request, sess *consoleSession) {
	replies, err := sess.ws.store.RecentReplies(sess.ws.id, inboxReplies)
	if err != nil {
		s.log.Error("console: read the replies", "workspace", sess.ws.id, "err", err)
		s.consoleError(w, r, http.StatusInternalServerError, "The inbox could not be read; try again.")
		return
	}
	var rows []*conversationRow
	bySession := map[string]*conversationRow{}
	for i := range replies {
		rep := &replies[i]
		if row := bySession[rep.SessionID]; row != nil {
			row.Replies++
			continue
		}
		if len(rows) == inboxMax {
			continue
		}
		row := &conversationRow{SessionID: rep.SessionID, VisitorID: rep.VisitorID, LastText: rep.Text, LastAt: rep.Time, Replies: 1}
		bySession[rep.SessionID] = row
		rows = append(rows, row)
	}
	s.page(w, sess, "inbox", "Inbox", struct {
		Rows []*conversationRow
		Now  time.Time
	}{rows, s.clock.Now()})
}

// transcriptItem is one line of a conversation: a message sent to the
// visitor, or the visitor's reply.
type transcriptItem struct {
	ID        string
	Visitor   bool
	Text      string
	At        time.Time
	From      string   // the rule, or "API" (a person's answer, or a system's)
	Buttons   []string // offered
	Clicked   string   // the button's label, for a click
	Status    string
	MessageID string // the message a reply answers
}

func transcriptItems(recs []message.Record, replies []message.Reply) []transcriptItem {
	var out []transcriptItem
	for _, x := range transcript(recs, replies) {
		switch v := x.(type) {
		case messageView:
			it := transcriptItem{ID: v.MessageID, Text: v.Message, At: v.SentAt, From: "API", Status: v.Status}
			if v.Rule != "" {
				it.From = "rule " + v.Rule
			}
			for _, q := range v.QuickReplies {
				it.Buttons = append(it.Buttons, q.Text)
			}
			out = append(out, it)
		case replyView:
			it := transcriptItem{ID: v.ReplyID, Visitor: true, Text: v.Message, At: v.SentAt, MessageID: v.MessageID}
			if v.QuickReplyClicked != nil {
				it.Clicked = v.Message
			}
			out = append(out, it)
		}
	}
	return out
}

// conversationView is the conversation page.
type conversationView struct {
	SessionID string
	VisitorID string
	Visitor   *engine.VisitorSnapshot // nil when no longer known
	Current   bool                    // the visitor's current session: it can be answered
	Items     []transcriptItem
	Draft     string
	Sent      bool
}

// conversationPage is GET /console/inbox/{session}.
func (s *Server) conversationPage(w http.ResponseWriter, r *http.Request, sess *consoleSession) {
	s.showConversation(w, r, sess, http.StatusOK, "", "")
}

func (s *Server) showConversation(w http.ResponseWriter, r *http.Request, sess *consoleSession, status int, problem, draft string) {
	ws, id := sess.ws, mux.Vars(r)["session"]
	visitorID, err := ws.eng.SessionVisitor(id)
	if err != nil {
		s.consoleError(w, r, http.StatusNotFound, "There is no such conversation in this workspace.")
		return
	}
	recs, err := ws.pipe.SessionMessages(ws.id, id)
	var replies []message.Reply
	if err == nil {
		replies, err = ws.store.SessionReplies(ws.id, id)
	}
	if err != nil {
		s.log.Error("console: read a transcript", "workspace", ws.id, "session_id", id, "err", err)
		s.consoleError(w, r, http.StatusInternalServerError, "The conversation could not be read; try again.")
		return
	}
	view := conversationView{SessionID: id, VisitorID: visitorID, Items: transcriptItems(recs, replies), Draft: draft,
		Sent: r.URL.Query().Get("sent") == "1" && status == http.StatusOK}
	if v, err := ws.eng.Visitor(visitorID); err == nil {
		view.Visitor, view.Current = v, v.Session.ID == id && !v.SessionEnded
	}
	s.render(w, status, consolePage{Title: "Conversation with " + visitorID, Page: "conversation", Workspace: ws.id,
		CSRF: sess.csrf, Error: problem, Data: view})
}

// answerForm is POST /console/inbox/{session}: a person's answer, sent as
// the outbound API sends (the same checks, the engine's send, the
// pipeline's delivery and webhooks). The visitor wrote first, so the
// proactive cap does not hold it back.
func (s *Server) answerForm(w http.ResponseWriter, r *http.Request, sess *consoleSession) {
	id := mux.Vars(r)["session"]
	text := r.PostForm.Get("message")
	req := sendRequest{SessionID: id, Message: text, Options: map[string]any{"override_frequency_cap": true}}
	err := req.validate()
	if err == nil {
		_, err = sess.ws.send(req.engineRequest(), nil)
	}
	var e *apiError
	switch {
	case err == nil:
		seeOther(w, "/console/inbox/"+url.PathEscape(id)+"?sent=1")
	case errors.As(err, &e) && e.Code == "session_not_found":
		s.showConversation(w, r, sess, http.StatusConflict, "This visit has ended: the visitor can no longer be answered here.", text)
	case errors.As(err, &e) && e.Status < 500:
		s.showConversation(w, r, sess, e.Status, "Not sent: "+e.Message+".", text)
	default:
		s.log.Error("console: send an answer", "workspace", sess.ws.id, "session_id", id, "err", err)
		s.showConversation(w, r, sess, http.StatusInternalServerError, "Not sent: something went wrong; try again.", text)
	}
}
