package engine

import (
	"errors"
	"time"

	"github.com/beckonhq/beckon/scoring"
	"github.com/beckonhq/beckon/store"
	"github.com/beckonhq/beckon/tracker"
)

// APIRequest is a message sent through the outbound live-chat API rather
// than by a rule.
type APIRequest struct {
	SessionID       string
	VisitorID       string
	Message         string
	Trigger         *Trigger
	AssistantID     string
	Personalization map[string]any
	Options         map[string]any
	QuickReplies    []QuickReply
	// OverrideCap sends even when the session has had its proactive
	// messages (options.override_frequency_cap).
	OverrideCap bool
	// Stage, when set, runs in the transaction that makes the message
	// durable, e.g. to record an idempotency key with it.
	Stage func(tx *store.Tx, m *Message) error
}

// SendAPI sends a message to a visitor's current session at the clock's
// time. It counts toward the session's proactive cap like a rule's send.
// Errors: ErrVisitorNotFound, ErrSessionNotFound, ErrFrequencyCapped.
func (e *Engine) SendAPI(req APIRequest) (*Message, error) {
	visitorID := req.VisitorID
	if req.SessionID != "" {
		id, err := e.sessionVisitor(req.SessionID)
		if err != nil {
			return nil, err
		}
		if visitorID != "" && visitorID != id {
			return nil, ErrSessionNotFound
		}
		visitorID = id
	}
	sh := e.shardFor(visitorID)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	v, err := e.visitor(sh, visitorID, false)
	if err != nil {
		return nil, err
	}
	if v == nil || v.Session.ID == "" {
		return nil, ErrVisitorNotFound
	}
	if req.SessionID != "" && req.SessionID != v.Session.ID {
		return nil, ErrSessionNotFound // an earlier session of the visitor
	}
	now := e.opts.Clock.Now()
	set := e.loaded.Load().set
	if !v.Session.Engaged && v.Session.MessagesSent >= set.Policy.MaxProactivePerSession && !req.OverrideCap {
		return nil, ErrFrequencyCapped
	}
	msg := &Message{
		ID: e.opts.NewID("msg"), VisitorID: v.ID, SessionID: v.Session.ID,
		Message: req.Message, Trigger: req.Trigger, Personalization: req.Personalization,
		QuickReplies: req.QuickReplies, Options: req.Options, AssistantID: req.AssistantID,
		Time: now, VisitorStatus: v.Status(now), EngagementScore: v.Score,
	}
	if err := e.commitSend(sh, v, msg, req.Stage); err != nil {
		return nil, err
	}
	return msg, nil
}

// SessionVisitor returns the id of the visitor a session of this engine
// belongs to, or ErrSessionNotFound.
func (e *Engine) SessionVisitor(sessionID string) (string, error) {
	return e.sessionVisitor(sessionID)
}

func (e *Engine) sessionVisitor(sessionID string) (string, error) {
	if id, ok := e.sessions.Load(sessionID); ok {
		return id.(string), nil
	}
	data, err := e.opts.DB.Get(e.bucket("sessions"), sessionID)
	if errors.Is(err, store.ErrNotFound) {
		return "", ErrSessionNotFound
	}
	if err != nil {
		return "", wrap("look up session", err)
	}
	return string(data), nil
}

// VisitorView is what the API shows of a visitor.
type VisitorView struct {
	ID         string         `json:"id"`
	Status     string         `json:"status"`
	Returning  bool           `json:"returning"`
	Visits     int            `json:"visits"`
	Attributes map[string]any `json:"attributes"`
	Device     string         `json:"device,omitempty"`
	LastSeen   time.Time      `json:"last_seen"`
	Session    SessionView    `json:"session"`
	Page       *tracker.Page  `json:"page,omitempty"`
	// Score is the engagement score now, with each signal's share.
	Score scoring.Score `json:"engagement"`
}

// SessionView is the visitor's current (or latest) session.
type SessionView struct {
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

// Visitor returns a visitor's state and explained score at the clock's time.
func (e *Engine) Visitor(id string) (*VisitorView, error) {
	sh := e.shardFor(id)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	v, err := e.visitor(sh, id, false)
	if err != nil {
		return nil, err
	}
	if v == nil {
		return nil, ErrVisitorNotFound
	}
	now := e.opts.Clock.Now()
	attrs := v.Attributes
	if attrs == nil {
		attrs = map[string]any{}
	}
	l := e.loaded.Load()
	set, model := l.set, l.model
	s := v.Session
	view := &VisitorView{
		ID: v.ID, Status: v.Status(now), Returning: v.Visits > 1, Visits: v.Visits,
		Attributes: attrs, Device: v.Device, LastSeen: v.LastHeard,
		Session: SessionView{
			ID: s.ID, Start: s.Start, Ended: v.SessionEnded(now), PageViews: s.PageViews, Pages: s.Pages,
			MessagesSent: s.MessagesSent, Engaged: s.Engaged, Replies: s.Replies, LastReply: s.LastReply,
		},
		Score: model.Explain(&sh.vm, v.env(now, nil, set)),
	}
	if v.Page.URL != "" {
		p := v.Page
		view.Page = &p
	}
	return view, nil
}
