package pipeline

import (
	"errors"
	"testing"

	"github.com/beckonhq/beckon/message"
	"github.com/beckonhq/beckon/store"
)

func TestStageListsSessionInSendOrder(t *testing.T) {
	p := newPipeline(t, Options{})
	m1 := msg("msg_1", "v1", "s1")
	m1.QuickReplies = []message.QuickReply{{Text: "Get a Quote", Value: "quote_request", Action: "quote"}}
	send(t, p, ws, m1)
	send(t, p, ws, msg("msg_2", "v1", "s2"))
	send(t, p, ws, msg("msg_3", "v1", "s1"))

	got, err := p.SessionMessages(ws, "s1")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].ID != "msg_1" || got[1].ID != "msg_3" {
		t.Fatalf("SessionMessages(s1) = %+v, want msg_1, msg_3", got)
	}
	if got[0].Status != message.StatusSent || !got[0].SentAt.Equal(t0) || got[0].QuickReplies[0].Value != "quote_request" {
		t.Fatalf("record = %+v", got[0])
	}
	if none, err := p.SessionMessages(ws, "nope"); err != nil || len(none) != 0 {
		t.Fatalf("unknown session = %v, %v; want none", none, err)
	}
	if err := p.Record(ws, msg("msg_1", "v1", "s1")); !errors.Is(err, store.ErrDuplicate) {
		t.Fatalf("recording msg_1 twice: err = %v, want ErrDuplicate", err)
	}
}

func TestStatusMovesForwardOnly(t *testing.T) {
	tests := []struct {
		name string
		acks []string
		want message.Status
	}{
		{"none", nil, message.StatusSent},
		{"delivered", []string{"delivered"}, message.StatusDelivered},
		{"read", []string{"delivered", "read"}, message.StatusRead},
		{"read skips delivered", []string{"read"}, message.StatusRead},
		{"no way back", []string{"read", "delivered"}, message.StatusRead},
		{"repeat", []string{"delivered", "delivered"}, message.StatusDelivered},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newPipeline(t, Options{})
			send(t, p, ws, msg("msg_1", "v1", "s1"))
			for _, a := range tt.acks {
				if err := p.Ack(ws, "v1", "msg_1", a); err != nil {
					t.Fatalf("Ack %s: %v", a, err)
				}
			}
			r, err := p.Message(ws, "msg_1")
			if err != nil {
				t.Fatal(err)
			}
			if r.Status != tt.want {
				t.Fatalf("status = %v, want %v", r.Status, tt.want)
			}
			if tt.want == message.StatusRead && (r.DeliveredAt == nil || r.ReadAt == nil) {
				t.Fatalf("read message lacks timestamps: %+v", r)
			}
		})
	}
}

func TestAckRejectsUnknownForeignAndBadStatus(t *testing.T) {
	p := newPipeline(t, Options{})
	send(t, p, ws, msg("msg_1", "v1", "s1"))
	tests := []struct {
		ws, visitor, id, status string
		want                    error
	}{
		{ws, "v1", "msg_404", "read", ErrNotFound},
		{ws, "v2", "msg_1", "read", ErrNotFound},
		{"ws_other", "v1", "msg_1", "read", ErrNotFound},
		{ws, "", "msg_1", "read", ErrNotFound},
		{ws, "v1", "msg_1", "sent", message.ErrInvalidStatus},
		{ws, "v1", "msg_1", "seen", message.ErrInvalidStatus},
	}
	for _, tt := range tests {
		if err := p.Ack(tt.ws, tt.visitor, tt.id, tt.status); !errors.Is(err, tt.want) {
			t.Errorf("Ack(%s, %s, %s, %s) = %v, want %v", tt.ws, tt.visitor, tt.id, tt.status, err, tt.want)
		}
	}
	if s, err := p.Status(ws, "msg_1"); err != nil || s != message.StatusSent {
		t.Fatalf("after rejected acks: %v, %v; want sent", s, err)
	}
	if _, err := p.Status("ws_other", "msg_1"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("other workspace: err = %v, want ErrNotFound", err)
	}
}
