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
	VisitorStatus   string               `json:"visitor_status"`
	EngagementScore int                  `json:"engagement_score"`
}

func newMessageView(r *message.Record) messageView {
	v := messageView{MessageID: r.ID, SessionID: r.SessionID, VisitorID: r.VisitorID, Source: "api", Rule: r.Rule,
		Message: r.Message.Message, Trigger: r.Trigger, Personalization: r.Personalization,
		QuickReplies: r.QuickReplies, Options: r.Options, AssistantID: r.AssistantID, Status: r.Status.String(),
		SentAt: r.SentAt, DeliveredAt: r.DeliveredAt, ReadAt: r.ReadAt,
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
	SessionID string        `json:"session_id"`
	VisitorID string        `json:"visitor_id"`
	Messages  []messageView `json:"messages"`
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
	data := &sessionMessagesData{SessionID: id, VisitorID: visitorID, Messages: make([]messageView, len(recs))}
	for i := range recs {
		data.Messages[i] = newMessageView(&recs[i])
	}
	return data, nil
}

// ruleView is a loaded rule with its counters.
type ruleView struct {
	Name        string     `json:"name"`
	Description string     `json:"description,omitempty"`
	Priority    int        `json:"priority"`
	Frequency   string     `json:"frequency"`
	For         string     `json:"for,omitempty"`
	Cooldown    string     `json:"cooldown,omitempty"`
	During      string     `json:"during,omitempty"`
	Trigger     string     `json:"trigger"`
	FollowUp    bool       `json:"follow_up"`
	File        string     `json:"file"`
	Line        int        `json:"line"`
	Ready       int64      `json:"ready"` // evaluations at which it was ready to send
	Sent        int64      `json:"sent"`
	LastSent    *time.Time `json:"last_sent,omitempty"`
}

type rulesData struct {
	Files    []string   `json:"files"`
	LoadedAt time.Time  `json:"loaded_at"`
	Rules    []ruleView `json:"rules"`
}

// rules is GET /v1/rules: the running rules with what each did since the
// server started.
func (s *Server) rules(w http.ResponseWriter, r *http.Request, ws *workspace) {
	s.ok(w, r, http.StatusOK, ws.rules())
}

func (ws *workspace) rules() *rulesData {
	set, stats := ws.eng.Rules(), ws.eng.RuleStats()
	data := &rulesData{Files: set.Files, LoadedAt: *ws.loadedAt.Load(), Rules: make([]ruleView, len(set.Rules))}
	for i, rl := range set.Rules {
		v := ruleView{Name: rl.Name, Description: rl.Description, Priority: rl.Priority, Frequency: string(rl.Frequency),
			Trigger: rl.Trigger, FollowUp: rl.FollowUp, File: rl.File, Line: rl.Line}
		if rl.For > 0 {
			v.For = rl.For.String()
		}
		if rl.Cooldown > 0 {
			v.Cooldown = rl.Cooldown.String()
		}
		if rl.During != nil {
			v.During = rl.During.Name
		}
		if i < len(stats) && stats[i].Name == rl.Name {
			v.Ready, v.Sent = stats[i].Ready, stats[i].Sent
			if !stats[i].LastSent.IsZero() {
				t := stats[i].LastSent
				v.LastSent = &t
			}
		}
		data.Rules[i] = v
	}
	return data
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
