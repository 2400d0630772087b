package server

import (
	"errors"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/beckonhq/beckon/engine"
	"github.com/beckonhq/beckon/pipeline"
	"github.com/beckonhq/beckon/tracker"
)

// replyRequest is the widget's report of a visitor's answer: typed text,
// or a click on a quick reply of the message it answers.
type replyRequest struct {
	Site       string           `json:"site"`
	VisitorID  string           `json:"visitor_id"`
	SessionID  string           `json:"session_id"`
	MessageID  string           `json:"message_id"`
	Text       string           `json:"text"`
	QuickReply *quickReplyClick `json:"quick_reply"`
	Token      string           `json:"token"`
}

type quickReplyClick struct {
	Value string `json:"value"`
}

// replyData is the answer to a reply.
type replyData struct {
	SessionID       string `json:"session_id"`
	VisitorStatus   string `json:"visitor_status"`
	EngagementScore int    `json:"engagement_score"`
}

func (q *replyRequest) validate() error {
	if err := checkID("visitor_id", q.VisitorID); err != nil {
		return err
	}
	for _, f := range [][2]string{{"session_id", q.SessionID}, {"message_id", q.MessageID}} {
		if f[1] != "" {
			if err := checkID(f[0], f[1]); err != nil {
				return err
			}
		}
	}
	switch {
	case q.QuickReply != nil && q.Text != "":
		return errInvalid("quick_reply", "send text or quick_reply, not both")
	case q.QuickReply != nil && (q.QuickReply.Value == "" || len(q.QuickReply.Value) > maxToken):
		return errInvalid("quick_reply.value", "value is required and has at most %d characters", maxToken)
	case q.QuickReply != nil && q.MessageID == "":
		return errInvalid("message_id", "a quick reply needs the message_id of the message that offered it")
	case q.QuickReply == nil && (strings.TrimSpace(q.Text) == "" || utf8.RuneCountInString(q.Text) > maxMessage):
		return errInvalid("text", "text (at most %d characters) or quick_reply is required", maxMessage)
	}
	return nil
}

// reply is POST /v1/reply.
func (s *Server) reply(w http.ResponseWriter, r *http.Request) {
	var req replyRequest
	st, ok := s.decodeWidget(w, r, &req, func() string { return req.Site })
	if !ok {
		return
	}
	if err := req.validate(); err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.visitorCall(st, req.VisitorID, req.Token, s.replyLimit); err != nil {
		s.fail(w, r, err)
		return
	}
	res, err := st.ws.reply(&req)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.ok(w, r, http.StatusAccepted, replyData{SessionID: res.SessionID, VisitorStatus: replyStatus(res), EngagementScore: res.EngagementScore})
}

// decodeWidget reads a reply or ack body and admits its site.
func (s *Server) decodeWidget(w http.ResponseWriter, r *http.Request, v any, siteKey func() string) (*site, bool) {
	body, err := readBody(w, r, maxWidgetBody)
	if err == nil {
		err = decodeStrict(body, v, "")
	}
	var st *site
	if err == nil {
		st, err = s.admit(w, r, siteKey(), 1)
	}
	if err != nil {
		s.fail(w, r, err)
		return nil, false
	}
	return st, true
}

// visitorCall lets a widget call in for a visitor: its token must be the
// visitor's (401), and the visitor within its own rate for the call (429).
func (s *Server) visitorCall(st *site, visitorID, token string, limit *limiter) error {
	if _, err := s.tokens.authorize(st.ws.id, visitorID, token, false); err != nil {
		return err
	}
	if ok, wait := limit.take(st.ws.id+"\x00"+visitorID, 1); !ok {
		return errRateLimited(wait)
	}
	return nil
}

// reply applies the answer as a reply event, so follow-up rules run at
// once, then queues the live_chat.visitor_responded webhook with the
// button's label and action and the score after the reply.
func (ws *workspace) reply(q *replyRequest) (engine.Result, error) {
	var rule string
	if q.MessageID != "" {
		var err error
		if rule, err = ws.checkAnswered(q); err != nil {
			return engine.Result{}, err
		}
	}
	ev := tracker.Event{Time: ws.clock.Now(), VisitorID: q.VisitorID, Type: tracker.Reply, Text: q.Text, MessageID: q.MessageID}
	if q.QuickReply != nil {
		ev.QuickReply = q.QuickReply.Value
	}
	res, err := ws.eng.Handle(ev)
	if err != nil {
		return res, err
	}
	got := res.Reply
	rep := pipeline.Reply{VisitorID: q.VisitorID, MessageID: got.MessageID, SessionID: res.SessionID,
		Text: got.Text, VisitorStatus: replyStatus(res), EngagementScore: res.EngagementScore, Time: got.Time}
	if q.QuickReply != nil {
		rep.QuickReply = &pipeline.QuickReplyClick{Value: got.QuickReply, Action: got.Action}
	}
	ws.logReply(q, res.SessionID, rule)
	err = ws.pipe.VisitorResponded(ws.id, rep)
	if errors.Is(err, pipeline.ErrOutboxFull) {
		return res, errUnavailable("the webhook outbox is full; try again later", time.Minute)
	}
	return res, err
}

// logReply records a reply with its ids: what the visitor typed stays out
// of the log.
func (ws *workspace) logReply(q *replyRequest, sessionID, rule string) {
	kind, value := "text", ""
	if q.QuickReply != nil {
		kind, value = "quick_reply", q.QuickReply.Value
	}
	ws.log.Info("visitor replied", "message_id", q.MessageID, "session_id", sessionID, "visitor_id", q.VisitorID,
		"rule", rule, "kind", kind, "value", value)
}

// replyStatus is the visitor's status after a reply: engaged, except after
// a decline (a dismiss click), which leaves the presence.
func replyStatus(res engine.Result) string {
	if res.Engaged {
		return "engaged"
	}
	return res.VisitorStatus
}

// checkAnswered checks that the answered message is the visitor's, of the
// session named, and offered the clicked value. It returns the message's
// rule (empty for an API send).
func (ws *workspace) checkAnswered(q *replyRequest) (string, error) {
	rec, err := ws.pipe.Message(ws.id, q.MessageID)
	if errors.Is(err, pipeline.ErrNotFound) || (err == nil && rec.VisitorID != q.VisitorID) {
		return "", errNotFound("not_found", "message_id", "this visitor has no message %s", quote(q.MessageID))
	}
	if err != nil {
		return "", err
	}
	if q.SessionID != "" && q.SessionID != rec.SessionID {
		return "", errNotFound("session_not_found", "session_id", "message %s is not of session %s", quote(q.MessageID), quote(q.SessionID))
	}
	if q.QuickReply == nil {
		return rec.Rule, nil
	}
	if _, offered := rec.QuickReply(q.QuickReply.Value); !offered {
		return "", errInvalid("quick_reply.value", "message %s offered no quick reply %s", quote(q.MessageID), quote(q.QuickReply.Value))
	}
	return rec.Rule, nil
}

// ackRequest is the widget's receipt for a message.
type ackRequest struct {
	Site      string `json:"site"`
	VisitorID string `json:"visitor_id"`
	MessageID string `json:"message_id"`
	Status    string `json:"status"`
	Token     string `json:"token"`
}

type ackData struct {
	MessageID string `json:"message_id"`
	Status    string `json:"status"` // the message's status after the ack
}

func (q *ackRequest) validate() error {
	if err := checkID("visitor_id", q.VisitorID); err != nil {
		return err
	}
	if err := checkID("message_id", q.MessageID); err != nil {
		return err
	}
	if q.Status != "delivered" && q.Status != "read" {
		return errInvalid("status", "status is delivered or read")
	}
	return nil
}

// ack is POST /v1/ack.
func (s *Server) ack(w http.ResponseWriter, r *http.Request) {
	var req ackRequest
	st, ok := s.decodeWidget(w, r, &req, func() string { return req.Site })
	if !ok {
		return
	}
	if err := req.validate(); err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.visitorCall(st, req.VisitorID, req.Token, s.ackLimit); err != nil {
		s.fail(w, r, err)
		return
	}
	status, err := st.ws.ack(&req)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.ok(w, r, http.StatusOK, ackData{MessageID: req.MessageID, Status: status})
}

// ack records the receipt (statuses only move forward) and returns the
// message's status.
func (ws *workspace) ack(q *ackRequest) (string, error) {
	err := ws.pipe.Ack(ws.id, q.VisitorID, q.MessageID, q.Status)
	if errors.Is(err, pipeline.ErrNotFound) {
		return "", errNotFound("not_found", "message_id", "this visitor has no message %s", quote(q.MessageID))
	}
	if err != nil {
		return "", err
	}
	st, err := ws.pipe.Status(ws.id, q.MessageID)
	return st.String(), err
}
