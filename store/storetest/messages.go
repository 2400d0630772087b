package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/beckonhq/beckon/message"
	"github.com/beckonhq/beckon/store"
)

func messagesAndQueues(t *testing.T, s store.Store) {
	b := &store.Batch{Visitors: []store.Visitor{visitor("v1", 1, "x")}, Messages: []message.Record{
		record("m2", "v1", "s1", t0), record("m1", "v1", "s1", t0.Add(time.Second)), record("m3", "v1", "s2", t0.Add(2*time.Second)),
	}}
	commit(t, s, b)
	got, err := s.Message(ws, "m1")
	if err != nil || got.Message.Message != "hello m1" || got.Status != message.StatusSent || got.Seq == 0 || len(got.QuickReplies) != 1 {
		t.Fatalf("Message(m1) = %+v, %v", got, err)
	}
	if _, err := s.Message(ws, "m9"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown message: err = %v", err)
	}
	list, err := s.SessionMessages(ws, "s1")
	if err != nil || !eq(ids(list), []string{"m2", "m1"}) {
		t.Errorf("SessionMessages(s1) = %v, %v; want [m2 m1] (recorded order)", ids(list), err)
	}
	queue, err := s.Undelivered(ws, "v1")
	if err != nil || !eq(ids(queue), []string{"m2", "m1", "m3"}) {
		t.Errorf("Undelivered(v1) = %v, %v", ids(queue), err)
	}
	if q, _ := s.Undelivered(ws, "v"); len(q) != 0 {
		t.Errorf("a visitor whose id is a prefix of another's sees its queue: %v", ids(q))
	}
}

func duplicateMessageFailsTheWholeBatch(t *testing.T, s store.Store) {
	commit(t, s, &store.Batch{Messages: []message.Record{record("m1", "v1", "s1", t0)}})
	err := s.Commit(ctx, &store.Batch{Workspace: ws, Visitors: []store.Visitor{visitor("v2", 1, "x")},
		Messages: []message.Record{record("m2", "v2", "s2", t0), record("m1", "v2", "s2", t0)}})
	if !errors.Is(err, store.ErrDuplicate) {
		t.Fatalf("duplicate id: err = %v, want ErrDuplicate", err)
	}
	if _, err := s.Visitor(ws, "v2"); !errors.Is(err, store.ErrNotFound) {
		t.Error("a failed batch wrote its visitor")
	}
	if _, err := s.Message(ws, "m2"); !errors.Is(err, store.ErrNotFound) {
		t.Error("a failed batch wrote its other message")
	}
}

func queueKeepsTheNewest(t *testing.T, s store.Store) {
	for _, id := range []string{"m1", "m2", "m3"} {
		commit(t, s, &store.Batch{QueueLimit: 2, Messages: []message.Record{record(id, "v1", "s1", t0)}})
	}
	if q, err := s.Undelivered(ws, "v1"); err != nil || !eq(ids(q), []string{"m2", "m3"}) {
		t.Fatalf("queue limited to 2: %v, %v", ids(q), err)
	}
	if l, _ := s.SessionMessages(ws, "s1"); len(l) != 3 {
		t.Errorf("the queue's limit dropped messages from the session: %v", ids(l))
	}
}

func updateMessage(t *testing.T, s store.Store) {
	commit(t, s, &store.Batch{Messages: []message.Record{record("m1", "v1", "s1", t0), record("m2", "v1", "s1", t0)}})
	at := t0.Add(time.Minute)
	err := s.UpdateMessage(ctx, ws, "m1", func(r *message.Record) (*store.Batch, error) {
		r.Advance(message.StatusRead, at)
		return &store.Batch{Deliveries: []store.Delivery{delivery("http://h/1", at, "status")}}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	got, _ := s.Message(ws, "m1")
	if got.Status != message.StatusRead || got.ReadAt == nil || !got.ReadAt.Equal(at) {
		t.Errorf("after update: %+v", got)
	}
	if q, _ := s.Undelivered(ws, "v1"); !eq(ids(q), []string{"m2"}) {
		t.Errorf("a read message stays queued: %v", ids(q))
	}
	if n, _ := s.OutboxLen(ws); n != 1 {
		t.Errorf("the update's delivery: outbox has %d, want 1", n)
	}
	err = s.UpdateMessage(ctx, ws, "m2", func(r *message.Record) (*store.Batch, error) {
		r.Message.Message = "changed"
		return nil, nil
	})
	if got, _ := s.Message(ws, "m2"); err != nil || got.Message.Message != "hello m2" {
		t.Errorf("a nil batch changed the record: %q, %v", got.Message.Message, err)
	}
	if err := s.UpdateMessage(ctx, ws, "m9", func(*message.Record) (*store.Batch, error) { return nil, nil }); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown message: err = %v", err)
	}
}
