package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/beckonhq/beckon/store"
)

func events(ds []store.Delivery) []string {
	out := make([]string, len(ds))
	for i, d := range ds {
		out[i] = d.Event
	}
	return out
}

func outboxOrderAndOutcomes(t *testing.T, s store.Store) {
	commit(t, s, &store.Batch{Deliveries: []store.Delivery{
		delivery("http://h/1", t0.Add(2*time.Second), "c"), delivery("http://h/1", t0, "a"),
		delivery("http://h/2", t0.Add(time.Second), "b"), delivery("http://h/1", t0.Add(time.Hour), "later"),
	}})
	due, next, err := s.DueDeliveries(ws, t0.Add(5*time.Second), 10, nil)
	if err != nil || !eq(events(due), []string{"a", "b", "c"}) || !next.Equal(t0.Add(time.Hour)) {
		t.Fatalf("due = %v, next %v, %v", events(due), next, err)
	}
	if due[0].ID == "" || string(due[0].Body) != `{"id":"evt_a"}` {
		t.Errorf("delivery read back as %+v", due[0])
	}
	skipB := func(d *store.Delivery) bool { return d.Event == "b" }
	if d, _, _ := s.DueDeliveries(ws, t0.Add(5*time.Second), 10, skipB); !eq(events(d), []string{"a", "c"}) {
		t.Errorf("skipping b: %v", events(d))
	}
	if d, _, _ := s.DueDeliveries(ws, t0.Add(5*time.Second), 1, nil); !eq(events(d), []string{"a"}) {
		t.Errorf("limit 1: %v", events(d))
	}
	a, b, c := due[0], due[1], due[2]
	if err := s.Delivered(ctx, ws, &a); err != nil {
		t.Fatal(err)
	}
	b.Attempts, b.LastError, b.Due = 1, "503", t0.Add(time.Minute)
	if err := s.Retry(ctx, ws, &b); err != nil {
		t.Fatal(err)
	}
	gave := t0.Add(3 * time.Second)
	c.GaveUp, c.LastError = &gave, "gone"
	if err := s.GiveUp(ctx, ws, &c, 10); err != nil {
		t.Fatal(err)
	}
	if err := s.Delivered(ctx, ws, &a); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a delivery finished twice: err = %v", err)
	}
	due, next, _ = s.DueDeliveries(ws, t0.Add(5*time.Second), 10, nil)
	if len(due) != 0 || !next.Equal(t0.Add(time.Minute)) {
		t.Errorf("after the outcomes: due %v, next %v", events(due), next)
	}
	due, _, _ = s.DueDeliveries(ws, t0.Add(time.Minute), 10, nil)
	if !eq(events(due), []string{"b"}) || due[0].Attempts != 1 || due[0].LastError != "503" {
		t.Errorf("retried delivery: %+v", due)
	}
	if n, _ := s.OutboxLen(ws); n != 2 {
		t.Errorf("OutboxLen = %d, want 2 (b and later)", n)
	}
	if dead, _ := s.DeadLetters(ws); len(dead) != 1 || dead[0].Event != "c" || dead[0].GaveUp == nil {
		t.Errorf("dead letters: %+v", dead)
	}
}

// One endpoint at its limit neither blocks another endpoint's deliveries
// nor the rest of the batch.
func outboxLimitPerEndpoint(t *testing.T, s store.Store) {
	full := []store.Delivery{delivery("http://slow/", t0, "1"), delivery("http://slow/", t0, "2")}
	commit(t, s, &store.Batch{OutboxLimit: 2, Deliveries: full})
	b := &store.Batch{OutboxLimit: 2, Visitors: []store.Visitor{visitor("v1", 1, "x")},
		Deliveries: []store.Delivery{delivery("http://slow/", t0, "3"), delivery("http://ok/", t0, "4")}}
	commit(t, s, b)
	if b.Dropped != 1 {
		t.Errorf("Dropped = %d, want 1", b.Dropped)
	}
	if n, _ := s.OutboxLen(ws); n != 3 {
		t.Errorf("OutboxLen = %d, want 3", n)
	}
	if _, err := s.Visitor(ws, "v1"); err != nil {
		t.Errorf("a dropped delivery lost the batch's visitor: %v", err)
	}
	err := s.Commit(ctx, &store.Batch{Workspace: ws, OutboxLimit: 2, AllDeliveries: true,
		Deliveries: []store.Delivery{delivery("http://ok/", t0, "5"), delivery("http://slow/", t0, "6")}})
	if !errors.Is(err, store.ErrOutboxFull) {
		t.Fatalf("AllDeliveries past the limit: err = %v, want ErrOutboxFull", err)
	}
	if n, _ := s.OutboxLen(ws); n != 3 {
		t.Errorf("a refused batch queued some of its deliveries: OutboxLen = %d", n)
	}
	commit(t, s, &store.Batch{OutboxLimit: 2, AllDeliveries: true, Deliveries: []store.Delivery{delivery("http://ok/", t0, "7")}})
}

func deadLettersKeepTheNewest(t *testing.T, s store.Store) {
	commit(t, s, &store.Batch{Deliveries: []store.Delivery{
		delivery("http://h/", t0, "a"), delivery("http://h/", t0.Add(time.Second), "b"), delivery("http://h/", t0.Add(2*time.Second), "c")}})
	due, _, _ := s.DueDeliveries(ws, t0.Add(time.Minute), 10, nil)
	for i := range due {
		gave := t0.Add(time.Duration(i) * time.Minute)
		due[i].GaveUp = &gave
		if err := s.GiveUp(ctx, ws, &due[i], 2); err != nil {
			t.Fatal(err)
		}
	}
	if dead, _ := s.DeadLetters(ws); !eq(events(dead), []string{"b", "c"}) {
		t.Errorf("dead letters kept: %v, want [b c]", events(dead))
	}
	if n, _ := s.OutboxLen(ws); n != 0 {
		t.Errorf("OutboxLen = %d after giving up on all", n)
	}
}

// Deliveries of one Order to one URL go out one at a time, in the order
// queued, even when a later one is due first; other URLs and orders do
// not wait.
func deliveriesInLine(t *testing.T, s store.Store) {
	in := func(url, order string, due time.Time, event string) store.Delivery {
		d := delivery(url, due, event)
		d.Order = order
		return d
	}
	commit(t, s, &store.Batch{Deliveries: []store.Delivery{
		in("http://h/1", "m1", t0.Add(time.Minute), "sent"), in("http://h/1", "m1", t0, "delivered"),
		in("http://h/2", "m1", t0, "elsewhere"), in("http://h/1", "m2", t0, "other message"),
	}})
	now := t0.Add(2 * time.Minute)
	due, _, err := s.DueDeliveries(ws, now, 10, nil)
	if err != nil || !eq(events(due), []string{"elsewhere", "other message", "sent"}) {
		t.Fatalf("due = %v, %v; want the later-queued delivered to wait for sent", events(due), err)
	}
	sent := due[2]
	sent.Attempts, sent.Due = 1, now.Add(time.Hour)
	if err := s.Retry(ctx, ws, &sent); err != nil {
		t.Fatal(err)
	}
	if due, _, _ := s.DueDeliveries(ws, now, 10, nil); !eq(events(due), []string{"elsewhere", "other message"}) {
		t.Fatalf("while the first waits for its retry: %v", events(due))
	}
	if err := s.Delivered(ctx, ws, &sent); err != nil {
		t.Fatal(err)
	}
	if due, _, _ := s.DueDeliveries(ws, now, 10, nil); !eq(events(due), []string{"delivered", "elsewhere", "other message"}) {
		t.Fatalf("once the first is delivered: %v", events(due))
	}
}
