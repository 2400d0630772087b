// Package message owns the outbound live-chat message: what a rule or the
// outbound API sends, its quick replies, and the record of where it is on
// its way to the visitor (sent, delivered, read). Every other package
// speaks of messages in these types.
package message

import (
	"time"
)

// QuickReply is one suggested reply button.
type QuickReply struct {
	Text   string `json:"text"`
	Value  string `json:"value"`
	Action string `json:"action,omitempty"`
}

// Trigger says what prompted a message.
type Trigger struct {
	Type       string  `json:"type"`
	PageURL    string  `json:"page_url,omitempty"`
	TimeOnPage float64 `json:"time_on_page"`
}

// Message is one outbound live-chat message: the request shape of the
// outbound message API plus what the engine knows when it sends it. Rule
// sends and API sends produce the same message.
type Message struct {
	ID              string         `json:"message_id"`
	VisitorID       string         `json:"visitor_id"`
	SessionID       string         `json:"session_id"`
	Rule            string         `json:"rule,omitempty"` // empty for API sends
	Message         string         `json:"message"`
	Trigger         *Trigger       `json:"trigger,omitempty"`
	Personalization map[string]any `json:"personalization,omitempty"`
	QuickReplies    []QuickReply   `json:"quick_replies,omitempty"`
	Options         map[string]any `json:"options,omitempty"`
	AssistantID     string         `json:"assistant_id,omitempty"`
	Time            time.Time      `json:"time"`
	VisitorStatus   string         `json:"visitor_status"`
	EngagementScore int            `json:"engagement_score"`
}

// QuickReply returns the button m offered with the value, if any.
func (m *Message) QuickReply(value string) (QuickReply, bool) {
	for _, q := range m.QuickReplies {
		if q.Value == value {
			return q, true
		}
	}
	return QuickReply{}, false
}

// Record is a stored message: the message plus where it is on its way.
type Record struct {
	Message
	Status      Status     `json:"status"`
	SentAt      time.Time  `json:"sent_at"`
	DeliveredAt *time.Time `json:"delivered_at,omitempty"`
	ReadAt      *time.Time `json:"read_at,omitempty"`
	// RepliedAt is the time of the visitor's first reply to the message.
	RepliedAt *time.Time `json:"replied_at,omitempty"`
	// Seq orders a workspace's messages by when they were recorded; the
	// store sets it.
	Seq uint64 `json:"seq"`
}

// Advance moves r forward to `to`, stamping the time of every status it
// passes, and returns the statuses passed in order (sent → read passes
// delivered). A status that does not move forward changes nothing.
func (r *Record) Advance(to Status, at time.Time) []Status {
	var passed []Status
	for s := r.Status + 1; s <= to; s++ {
		switch s {
		case StatusDelivered:
			r.DeliveredAt = &at
		case StatusRead:
			r.ReadAt = &at
		}
		passed = append(passed, s)
	}
	if len(passed) > 0 {
		r.Status = to
	}
	return passed
}

// Reply is a visitor's answer, kept in its session's transcript with the
// messages sent to the visitor.
type Reply struct {
	ID        string `json:"reply_id"`
	VisitorID string `json:"visitor_id"`
	SessionID string `json:"session_id"`
	// MessageID is the message answered (empty for a typed reply to none);
	// Rule is that message's rule (empty for an API message).
	MessageID string `json:"message_id,omitempty"`
	Rule      string `json:"rule,omitempty"`
	// Text is what the visitor typed, or the label of the button clicked.
	Text string `json:"text"`
	// QuickReply is the button clicked: its label, value and action.
	QuickReply *QuickReply `json:"quick_reply,omitempty"`
	Time       time.Time   `json:"time"`
	// Seq orders a workspace's replies by when they were recorded; the
	// store sets it.
	Seq uint64 `json:"seq"`
}
