package pipeline

import (
	"bytes"
	"encoding/json"
	"time"

	"github.com/beckonhq/beckon/message"
)

// Webhook event types.
const (
	EventVisitorResponded = "live_chat.visitor_responded"
	EventMessageSent      = "live_chat.message_sent"
	EventMessageStatus    = "live_chat.message_status"
)

// Event is the body of every webhook delivery. Data is one of
// RespondedData, SentData or StatusData. For example:
//
//	{"id":"evt_…","event":"live_chat.visitor_responded","session_id":"chat_session_123",
//	 "timestamp":"2024-01-20T14:30:45Z","data":{"message_id":"msg_chat_789",
//	 "message":"Yes, I need AC repair",
//	 "quick_reply_clicked":{"value":"schedule_service","action":"schedule"},
//	 "visitor":{"id":"visitor_abc123","status":"engaged","engagement_score":85}}}
//
//	{"id":"evt_…","event":"live_chat.message_sent","session_id":"…","timestamp":"…",
//	 "data":{"message_id":"…","message":"…","rule":"ac_repair_help",
//	 "trigger":{"type":"page_visit","page_url":"…","time_on_page":45},
//	 "quick_replies":[{"text":"Get a Quote","value":"quote_request","action":"quote"}],
//	 "visitor":{"id":"…","status":"online","engagement_score":75}}}
//
//	{"id":"evt_…","event":"live_chat.message_status","session_id":"…","timestamp":"…",
//	 "data":{"message_id":"…","status":"delivered","visitor":{"id":"…"}}}
//
// The id is the same on every retry, so receivers can de-duplicate by it.
type Event struct {
	ID        string `json:"id"`
	Event     string `json:"event"`
	SessionID string `json:"session_id"`
	Timestamp string `json:"timestamp"` // UTC, RFC 3339 to the second
	Data      any    `json:"data"`
}

// Visitor is the visitor summary in sent and responded events.
type Visitor struct {
	ID              string `json:"id"`
	Status          string `json:"status"`
	EngagementScore int    `json:"engagement_score"`
}

// VisitorRef names the visitor in status events.
type VisitorRef struct {
	ID string `json:"id"`
}

// QuickReplyClick is the button a visitor clicked.
type QuickReplyClick struct {
	Value  string `json:"value"`
	Action string `json:"action"`
}

// RespondedData is the data of live_chat.visitor_responded. QuickReplyClicked
// is null when the visitor typed text; for a click, Message is the button's
// label.
type RespondedData struct {
	MessageID         string           `json:"message_id"`
	Message           string           `json:"message"`
	QuickReplyClicked *QuickReplyClick `json:"quick_reply_clicked"`
	Visitor           Visitor          `json:"visitor"`
}

// SentData is the data of live_chat.message_sent. Rule is omitted for API
// sends; Trigger is null when none was given.
type SentData struct {
	MessageID    string               `json:"message_id"`
	Message      string               `json:"message"`
	Rule         string               `json:"rule,omitempty"`
	Trigger      *message.Trigger     `json:"trigger"`
	QuickReplies []message.QuickReply `json:"quick_replies"`
	Visitor      Visitor              `json:"visitor"`
}

// StatusData is the data of live_chat.message_status.
type StatusData struct {
	MessageID string         `json:"message_id"`
	Status    message.Status `json:"status"`
	Visitor   VisitorRef     `json:"visitor"`
}

func timestamp(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05Z") }

func sentEvent(id string, r *message.Record) Event {
	qr := r.QuickReplies
	if qr == nil {
		qr = []message.QuickReply{}
	}
	return Event{ID: id, Event: EventMessageSent, SessionID: r.SessionID, Timestamp: timestamp(r.SentAt),
		Data: SentData{
			MessageID: r.ID, Message: r.Message.Message, Rule: r.Rule, Trigger: r.Trigger, QuickReplies: qr,
			Visitor: Visitor{ID: r.VisitorID, Status: r.VisitorStatus, EngagementScore: r.EngagementScore},
		}}
}

func statusEvent(id string, r *message.Record, s message.Status, at time.Time) Event {
	return Event{ID: id, Event: EventMessageStatus, SessionID: r.SessionID, Timestamp: timestamp(at),
		Data: StatusData{MessageID: r.ID, Status: s, Visitor: VisitorRef{ID: r.VisitorID}}}
}

// encodeEvent renders a body once; every attempt sends (and signs) exactly
// these bytes. HTML escaping is off so message text reads as written.
func encodeEvent(e Event) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(e); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}
