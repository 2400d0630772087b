package server

import (
	"errors"
	"fmt"
	"maps"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/beckonhq/beckon/engine"
	"github.com/beckonhq/beckon/message"
	"github.com/beckonhq/beckon/store"
)

// sendRequest is the outbound live-chat message request, field for field.
type sendRequest struct {
	SessionID       string               `json:"session_id"`
	VisitorID       string               `json:"visitor_id"`
	Message         string               `json:"message"`
	Trigger         *message.Trigger     `json:"trigger"`
	AssistantID     string               `json:"assistant_id"`
	Personalization map[string]any       `json:"personalization"`
	Options         map[string]any       `json:"options"`
	QuickReplies    []message.QuickReply `json:"quick_replies"`
}

// sendData is the answer's data, field for field.
type sendData struct {
	MessageID       string `json:"message_id"`
	SessionID       string `json:"session_id"`
	Status          string `json:"status"` // sent, delivered or read
	VisitorStatus   string `json:"visitor_status"`
	EngagementScore int    `json:"engagement_score"`
}

// Bounds of the outbound request.
const (
	maxMessage      = 2000 // characters
	maxQuickReplies = 10
	maxLabel        = 200 // quick-reply text, characters
	maxToken        = 128 // ids, values, actions
)

var idChars = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)

// checkID checks a visitor, session or message id: 1-128 of [A-Za-z0-9_-].
func checkID(field, id string) error {
	if len(id) > maxToken || !idChars.MatchString(id) {
		return errInvalid(field, "must be 1-%d letters, digits, _ or -", maxToken)
	}
	return nil
}

func (q *sendRequest) validate() error {
	if n := utf8.RuneCountInString(q.Message); strings.TrimSpace(q.Message) == "" || n > maxMessage {
		return errInvalid("message", "message is required and has at most %d characters (this one has %d)", maxMessage, n)
	}
	if q.VisitorID == "" && q.SessionID == "" {
		return errInvalid("visitor_id", "visitor_id or session_id is required")
	}
	for _, f := range [][2]string{{"visitor_id", q.VisitorID}, {"session_id", q.SessionID}} {
		if f[1] != "" {
			if err := checkID(f[0], f[1]); err != nil {
				return err
			}
		}
	}
	if len(q.AssistantID) > maxToken {
		return errInvalid("assistant_id", "has at most %d characters", maxToken)
	}
	if v, set := q.Options["override_frequency_cap"]; set {
		if _, ok := v.(bool); !ok {
			return errInvalid("options.override_frequency_cap", "must be true or false")
		}
	}
	if err := checkQuickReplies(q.QuickReplies); err != nil {
		return err
	}
	return q.checkNoTemplates()
}

// checkNoTemplates refuses {{ }} in the texts the visitor sees: API
// messages are sent as written, and a template would show as typed.
func (q *sendRequest) checkNoTemplates() error {
	texts := [][2]string{{"message", q.Message}}
	for i, qr := range q.QuickReplies {
		texts = append(texts, [2]string{fmt.Sprintf("quick_replies[%d].text", i), qr.Text})
	}
	for _, k := range slices.Sorted(maps.Keys(q.Personalization)) { // the first in name order is named
		if s, ok := q.Personalization[k].(string); ok {
			texts = append(texts, [2]string{"personalization." + k, s})
		}
	}
	for _, t := range texts {
		if open := strings.Index(t[1], "{{"); open >= 0 && strings.Contains(t[1][open:], "}}") {
			return errInvalid(t[0], "contains a template ({{ … }}); the API sends text as written, so fill in the values before sending")
		}
	}
	return nil
}

func checkQuickReplies(qrs []message.QuickReply) error {
	if len(qrs) > maxQuickReplies {
		return errInvalid("quick_replies", "at most %d quick replies (this request has %d)", maxQuickReplies, len(qrs))
	}
	seen := map[string]bool{}
	for i, qr := range qrs {
		at := fmt.Sprintf("quick_replies[%d].", i)
		switch {
		case qr.Text == "" || utf8.RuneCountInString(qr.Text) > maxLabel:
			return errInvalid(at+"text", "text is required and has at most %d characters", maxLabel)
		case qr.Value == "" || len(qr.Value) > maxToken:
			return errInvalid(at+"value", "value is required and has at most %d characters", maxToken)
		case seen[qr.Value]:
			return errInvalid(at+"value", "value %s is used by another quick reply", quote(qr.Value))
		case len(qr.Action) > maxToken:
			return errInvalid(at+"action", "has at most %d characters", maxToken)
		}
		seen[qr.Value] = true
	}
	return nil
}

func (q *sendRequest) engineRequest() engine.SendRequest {
	override, _ := q.Options["override_frequency_cap"].(bool)
	return engine.SendRequest{
		SessionID: q.SessionID, VisitorID: q.VisitorID, OverrideCap: override,
		Content: message.Message{Message: q.Message, Trigger: q.Trigger, AssistantID: q.AssistantID,
			Personalization: q.Personalization, Options: q.Options, QuickReplies: q.QuickReplies},
	}
}

// sendMessage is POST /v1/outbound/live-chat/message.
func (s *Server) sendMessage(w http.ResponseWriter, r *http.Request, ws *workspace) {
	body, err := readBody(w, r, maxAPIBody)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var req sendRequest
	if err := decodeStrict(body, &req, ""); err != nil {
		s.fail(w, r, err)
		return
	}
	if err := req.validate(); err != nil {
		s.fail(w, r, err)
		return
	}
	s.idempotent(w, r, ws, &req, func(stage stageFunc) (int, []byte) {
		data, err := ws.send(req.engineRequest(), stage)
		if stage != nil && errors.Is(err, store.ErrDuplicate) {
			return statusClaimed, nil
		}
		if err != nil {
			return s.answer(r, err)
		}
		return http.StatusOK, s.okBytes(r, data)
	})
}

// send sends an API message. stage, when set, adds to the message's
// commit. The status is "delivered" when the visitor's widget acknowledged
// the message within ackWait, else "sent".
func (ws *workspace) send(req engine.SendRequest, stage stageFunc) (*sendData, error) {
	req.Stage = stage
	m, err := ws.eng.Send(req)
	if err != nil {
		return nil, engineError(err)
	}
	status, err := ws.pipe.AwaitDelivered(ws.id, m.VisitorID, m.ID, ws.ackWait)
	if err != nil {
		return nil, err
	}
	return &sendData{MessageID: m.ID, SessionID: m.SessionID, Status: status.String(),
		VisitorStatus: m.VisitorStatus, EngagementScore: m.EngagementScore}, nil
}

// sent rebuilds an API send's answer from its stored message.
func (ws *workspace) sent(id string) (*sendData, error) {
	rec, err := ws.pipe.Message(ws.id, id)
	if err != nil {
		return nil, err
	}
	status := max(rec.Status, message.StatusSent)
	return &sendData{MessageID: rec.ID, SessionID: rec.SessionID, Status: status.String(),
		VisitorStatus: rec.VisitorStatus, EngagementScore: rec.EngagementScore}, nil
}
