package server

import (
	"time"

	"github.com/beckonhq/beckon/message"
	"github.com/beckonhq/beckon/pipeline"
)

// replyView is a visitor's reply among a session's messages, in the
// words of the live_chat.visitor_responded webhook: message_id is the
// message answered, message what the visitor typed (or the button's
// label).
type replyView struct {
	Direction         string                    `json:"direction"` // visitor
	ReplyID           string                    `json:"reply_id"`
	MessageID         string                    `json:"message_id,omitempty"`
	SessionID         string                    `json:"session_id"`
	VisitorID         string                    `json:"visitor_id"`
	Rule              string                    `json:"rule,omitempty"` // of the message answered
	Message           string                    `json:"message"`
	QuickReplyClicked *pipeline.QuickReplyClick `json:"quick_reply_clicked"`
	SentAt            time.Time                 `json:"sent_at"`
}

func newReplyView(r *message.Reply) replyView {
	v := replyView{Direction: "visitor", ReplyID: r.ID, MessageID: r.MessageID, SessionID: r.SessionID,
		VisitorID: r.VisitorID, Rule: r.Rule, Message: r.Text, SentAt: r.Time}
	if q := r.QuickReply; q != nil {
		v.QuickReplyClicked = &pipeline.QuickReplyClick{Value: q.Value, Action: q.Action}
	}
	return v
}

// transcript merges a session's messages and replies in time order; a
// reply comes before a message sent at the same instant (which it may
// have prompted).
func transcript(recs []message.Record, replies []message.Reply) []any {
	out := make([]any, 0, len(recs)+len(replies))
	i, j := 0, 0
	for i < len(recs) || j < len(replies) {
		if j < len(replies) && (i == len(recs) || !replies[j].Time.After(recs[i].SentAt)) {
			out = append(out, newReplyView(&replies[j]))
			j++
			continue
		}
		out = append(out, newMessageView(&recs[i]))
		i++
	}
	return out
}
