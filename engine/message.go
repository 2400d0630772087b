package engine

import (
	"time"

	"github.com/beckonhq/beckon/store"
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
// sends and API sends produce the same record.
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

// Sender receives the engine's messages. Stage runs inside the transaction
// that also records the visitor's new state, so a message is durable exactly
// when the engine's memory of having sent it is; Deliver runs after that
// transaction has committed and must not block for long.
type Sender interface {
	Stage(tx *store.Tx, m *Message) error
	Deliver(m *Message)
}
