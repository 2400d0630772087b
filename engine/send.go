package engine

import (
	"errors"

	"github.com/beckonhq/beckon/message"
	"github.com/beckonhq/beckon/store"
)

// SendRequest is a message sent by a caller (the outbound API) rather
// than by a rule.
type SendRequest struct {
	// VisitorID or SessionID (or both) name whom it goes to: the
	// visitor's current session.
	VisitorID string
	SessionID string
	// Content is the message: its text, trigger, quick replies,
	// personalization, options and assistant; the engine fills in the
	// rest.
	Content message.Message
	// OverrideCap sends even when the session has had its proactive
	// messages.
	OverrideCap bool
	// Stage, when set, adds to the message's commit (an Idempotency-Key
	// record, say).
	Stage func(b *store.Batch, m *message.Message)
}

// Send sends a message to a visitor's current session at the clock's
// time. It counts toward the session's proactive cap like a rule's send
// and returns once it is durable. Errors: ErrVisitorNotFound,
// ErrSessionNotFound, ErrFrequencyCapped.
func (e *Engine) Send(req SendRequest) (*message.Message, error) {
	visitorID := req.VisitorID
	if req.SessionID != "" {
		id, err := e.SessionVisitor(req.SessionID)
		if err != nil {
			return nil, err
		}
		if visitorID != "" && visitorID != id {
			return nil, ErrSessionNotFound
		}
		visitorID = id
	}
	var msg *message.Message
	err := e.withVisitor(visitorID, false, func(ent *entry) error {
		var err error
		msg, err = e.send(ent, &req)
		return err
	})
	return msg, err
}

func (e *Engine) send(ent *entry, req *SendRequest) (*message.Message, error) {
	v := ent.v
	if v.Session.ID == "" {
		return nil, ErrVisitorNotFound
	}
	if req.SessionID != "" && req.SessionID != v.Session.ID {
		return nil, ErrSessionNotFound // an earlier session of the visitor
	}
	set := e.loaded.Load().set
	capped := v.Session.MessagesSent >= set.Policy.MaxProactivePerSession || v.Session.Declined
	if !v.Session.Engaged && capped && !req.OverrideCap {
		return nil, ErrFrequencyCapped
	}
	now := e.opts.Clock.Now()
	c := req.Content
	msg := &message.Message{
		ID: e.opts.NewID("msg"), VisitorID: v.ID, SessionID: v.Session.ID,
		Message: c.Message, Trigger: c.Trigger, Personalization: c.Personalization,
		QuickReplies: c.QuickReplies, Options: c.Options, AssistantID: c.AssistantID,
		Time: now, VisitorStatus: v.Status(now), EngagementScore: v.Score,
	}
	if err := e.commitSend(ent, msg, nil, req.Stage); err != nil {
		return nil, err
	}
	return msg, nil
}

// SessionVisitor returns the id of the visitor a session of this engine
// belongs to, or ErrSessionNotFound.
func (e *Engine) SessionVisitor(sessionID string) (string, error) {
	if id, ok := e.sessions.Load(sessionID); ok {
		return id.(string), nil
	}
	id, err := e.store.SessionVisitor(e.ws, sessionID)
	if errors.Is(err, store.ErrNotFound) {
		return "", ErrSessionNotFound
	}
	if err != nil {
		return "", wrap("look up session", err)
	}
	return id, nil
}
