package server

import (
	"fmt"
	"net/http"
	"time"

	"github.com/gorilla/mux"

	"github.com/beckonhq/beckon/engine"
	"github.com/beckonhq/beckon/message"
	"github.com/beckonhq/beckon/scoring"
	"github.com/beckonhq/beckon/tracker"
)

// visitorView is what the API shows of a visitor.
type visitorView struct {
	ID         string         `json:"id"`
	Status     string         `json:"status"`
	Returning  bool           `json:"returning"`
	Visits     int            `json:"visits"`
	Attributes map[string]any `json:"attributes"`
	Device     string         `json:"device,omitempty"`
	LastSeen   time.Time      `json:"last_seen"`
	Session    sessionView    `json:"session"`
	Page       *tracker.Page  `json:"page,omitempty"`
	// Score is the engagement score now, with each signal's share.
	Score scoring.Score `json:"engagement"`
}

// sessionView is the visitor's current (or latest) session.
type sessionView struct {
	ID           string            `json:"id"`
	Start        time.Time         `json:"start"`
	Ended        bool              `json:"ended"`
	PageViews    int               `json:"page_views"`
	Pages        []string          `json:"pages"`
	MessagesSent int               `json:"messages_sent"`
	Engaged      bool              `json:"engaged"`
	Replies      int               `json:"replies"`
	LastReply    tracker.LastReply `json:"last_reply"`
}

func newVisitorView(v *engine.VisitorSnapshot) *visitorView {
	s := v.Session
	view := &visitorView{
		ID: v.ID, Status: v.Status, Returning: v.Visits > 1, Visits: v.Visits,
		Attributes: v.Attributes, Device: v.Device, LastSeen: v.LastHeard,
		Session: sessionView{
			ID: s.ID, Start: s.Start, Ended: v.SessionEnded, PageViews: s.PageViews, Pages: s.Pages,
			MessagesSent: s.MessagesSent, Engaged: s.Engaged, Replies: s.Replies, LastReply: s.LastReply,
		},
		Score: v.Score,
	}
	if view.Attributes == nil {
		view.Attributes = map[string]any{}
	}
	if v.Page.URL != "" {
		view.Page = &v.Page
	}
	return view
}

// visitor is GET /v1/visitors/{id}: the visitor's state and explained
// engagement score.
func (s *Server) visitor(w http.ResponseWriter, r *http.Request, ws *workspace) {
	v, err := ws.eng.Visitor(mux.Vars(r)["id"])
	if err != nil {
		s.fail(w, r, engineError(err))
		return
	}
	s.ok(w, r, http.StatusOK, newVisitorView(v))
}

// messageView is a stored message as the API shows it.
type messageView struct {
	Direction       string               `json:"direction"` // outbound: sent to the visitor
	MessageID       string               `json:"message_id"`
	SessionID       string               `json:"session_id"`
	VisitorID       string               `json:"visitor_id"`
	Source          string               `json:"source"` // rule or api
	Rule            string               `json:"rule,omitempty"`
	Message         string               `json:"message"`
	Trigger         *message.Trigger     `json:"trigger,omitempty"`
	Personalization map[string]any       `json:"personalization,omitempty"`
	QuickReplies    []message.QuickReply `json:"quick_replies"`
	Options         map[string]any       `json:"options,omitempty"`
	AssistantID     string               `json:"assistant_id,omitempty"`
	Status          string               `json:"status"`
	SentAt          time.Time            `json:"sent_at"`
	DeliveredAt     *time.Time           `json:"delivered_at,omitempty"`
	ReadAt          *time.Time           `json:"read_at,omitempty"`
	RepliedAt       *time.Time           `json:"replied_at,omitempty"`
	VisitorStatus   string               `json:"visitor_status"`
	EngagementScore int                  `json:"engagement_score"`
}

func newMessageView(r *message.Record) messageView {
	v := messageView{Direction: "outbound", MessageID: r.ID, SessionID: r.SessionID, VisitorID: r.VisitorID, Source: "api", Rule: r.Rule,
		Message: r.Message.Message, Trigger: r.Trigger, Personalization: r.Personalization,
		QuickReplies: r.QuickReplies, Options: r.Options, AssistantID: r.AssistantID, Status: r.Status.String(),
		SentAt: r.SentAt, DeliveredAt: r.DeliveredAt, ReadAt: r.ReadAt, RepliedAt: r.RepliedAt,
		VisitorStatus: r.VisitorStatus, EngagementScore: r.EngagementScore}
	if r.Rule != "" {
		v.Source = "rule"
	}
	if v.QuickReplies == nil {
		v.QuickReplies = []message.QuickReply{}
	}
	return v
}

type sessionMessagesData struct {
	SessionID string `json:"session_id"`
	VisitorID string `json:"visitor_id"`
	// Messages are the session's transcript in time order: messageView
	// (outbound) and replyView (visitor) items.
	Messages []any `json:"messages"`
}

// sessionMessages is GET /v1/sessions/{id}/messages.
func (s *Server) sessionMessages(w http.ResponseWriter, r *http.Request, ws *workspace) {
	data, err := ws.sessionMessages(mux.Vars(r)["id"])
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.ok(w, r, http.StatusOK, data)
}

func (ws *workspace) sessionMessages(id string) (*sessionMessagesData, error) {
	visitorID, err := ws.eng.SessionVisitor(id)
	if err != nil {
		return nil, engineError(err)
	}
	recs, err := ws.pipe.SessionMessages(ws.id, id)
	if err != nil {
		return nil, err
	}
	replies, err := ws.store.SessionReplies(ws.id, id)
	if err != nil {
		return nil, err
	}
	return &sessionMessagesData{SessionID: id, VisitorID: visitorID, Messages: transcript(recs, replies)}, nil
}

// healthz answers 200 when the store answers a read.
func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	status, code := "ok", http.StatusOK
	if err := s.ping(); err != nil {
		s.log.Error("health check: store", "err", err)
		status, code = "unavailable", http.StatusServiceUnavailable
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	fmt.Fprintf(w, "{\"status\":%q}\n", status)
}
