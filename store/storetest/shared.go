package storetest

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/beckonhq/beckon/message"
	"github.com/beckonhq/beckon/store"
)

// A FailStale batch with a visitor that another process has changed
// writes nothing and says so; one at the next version goes through.
func failStaleConflicts(t *testing.T, s, twin store.Store) {
	commit(t, s, &store.Batch{Visitors: []store.Visitor{visitor("v1", 5, "five")}})
	stale := &store.Batch{Workspace: ws, FailStale: true, Visitors: []store.Visitor{visitor("v1", 5, "mine")},
		Messages: []message.Record{record("m1", "v1", "s_v1", t0)}}
	if err := twin.Commit(ctx, stale); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("FailStale over an equal version: err = %v, want ErrConflict", err)
	}
	if _, err := s.Message(ws, "m1"); !errors.Is(err, store.ErrNotFound) {
		t.Error("a conflicting batch wrote its message")
	}
	next := &store.Batch{Workspace: ws, FailStale: true, Visitors: []store.Visitor{visitor("v1", 6, "six")}}
	if err := twin.Commit(ctx, next); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Visitor(ws, "v1"); got.Version != 6 || string(got.Data) != "six" {
		t.Errorf("after the next version: %+v", got)
	}
	fresh := &store.Batch{Workspace: ws, FailStale: true, Visitors: []store.Visitor{visitor("v2", 1, "new")}}
	if err := s.Commit(ctx, fresh); err != nil {
		t.Errorf("FailStale with a visitor never stored: %v", err)
	}
}

// A claim of an Idempotency-Key holds for the window; the answer that
// completes it replaces it.
func idempotencyClaims(t *testing.T, s store.Store) {
	claim := func(at time.Time, msg string) error {
		return s.Commit(ctx, &store.Batch{Workspace: ws, Messages: []message.Record{record(msg, "v1", "s1", at)},
			Idempotency: []store.Idempotency{{Key: "k1", RequestHash: "h", Created: at, MessageID: msg, VisitorID: "v1"}}})
	}
	if err := claim(t0, "m1"); err != nil {
		t.Fatal(err)
	}
	if err := claim(t0.Add(time.Hour), "m2"); !errors.Is(err, store.ErrDuplicate) {
		t.Fatalf("a second claim within the window: err = %v, want ErrDuplicate", err)
	}
	if _, err := s.Message(ws, "m2"); !errors.Is(err, store.ErrNotFound) {
		t.Error("a refused claim wrote its message")
	}
	again := store.Idempotency{Key: "k1", RequestHash: "h", Created: t0.Add(time.Minute), MessageID: "m1", VisitorID: "v1"}
	commit(t, s, &store.Batch{Idempotency: []store.Idempotency{again}}) // the same message's claim again
	done := store.Idempotency{Key: "k1", RequestHash: "h", Created: t0, MessageID: "m1", VisitorID: "v1", Status: 200, Body: []byte("{}")}
	commit(t, s, &store.Batch{Idempotency: []store.Idempotency{done}})
	if got, err := s.Idempotency(ws, "k1"); err != nil || got.Status != 200 || got.VisitorID != "v1" {
		t.Errorf("the answer did not replace the claim: %+v, %v", got, err)
	}
	if err := claim(t0.Add(store.IdempotencyWindow+time.Minute), "m3"); err != nil {
		t.Errorf("a claim after the window: %v", err)
	}
	if got, _ := s.Idempotency(ws, "k1"); got.MessageID != "m3" {
		t.Errorf("the new claim is not the record: %+v", got)
	}
}

// Each due visitor is claimed by one caller until its lease runs out or
// it is committed again.
func claimDue(t *testing.T, s, twin store.Store) {
	a, b, c := visitor("a", 1, "a"), visitor("b", 1, "b"), visitor("c", 1, "c")
	a.Wakeups = []time.Time{t0.Add(2 * time.Minute), t0}
	b.Wakeups = []time.Time{t0.Add(time.Minute)}
	commit(t, s, &store.Batch{Visitors: []store.Visitor{a, b, c}})
	lease := 30 * time.Second
	got, next, err := s.ClaimDue(ctx, ws, t0.Add(time.Second), lease, 10)
	if err != nil || !eq(got, []string{"a"}) || !next.After(t0.Add(time.Second)) || next.After(t0.Add(time.Minute)) {
		t.Fatalf("ClaimDue = %v, next %v, %v; want [a], next after now and by %v", got, next, err, t0.Add(time.Minute))
	}
	if got, _, _ := twin.ClaimDue(ctx, ws, t0.Add(2*time.Second), lease, 10); len(got) != 0 {
		t.Errorf("a claimed visitor was claimed again: %v", got)
	}
	if got, _, _ := twin.ClaimDue(ctx, ws, t0.Add(time.Second+lease), lease, 10); !eq(got, []string{"a"}) {
		t.Errorf("after the lease ran out: %v, want [a]", got)
	}
	a2 := visitor("a", 2, "a")
	a2.Wakeups = []time.Time{t0.Add(2 * time.Minute)}
	commit(t, twin, &store.Batch{Visitors: []store.Visitor{a2}})
	got, _, _ = s.ClaimDue(ctx, ws, t0.Add(90*time.Second), lease, 1)
	if !eq(got, []string{"b"}) {
		t.Errorf("limit 1 at 90s: %v, want [b] (a's commit moved its wakeup to 2m)", got)
	}
	if got, _, _ = s.ClaimDue(ctx, ws, t0.Add(100*time.Second), lease, 10); len(got) != 0 {
		t.Errorf("at 100s: %v, want none (b is claimed, a not due)", got)
	}
	got, _, _ = s.ClaimDue(ctx, ws, t0.Add(3*time.Minute), lease, 10)
	if slices.Sort(got); !eq(got, []string{"a", "b"}) {
		t.Errorf("at 3m: %v, want a and b (b's claim ran out)", got)
	}
	commit(t, s, &store.Batch{Visitors: []store.Visitor{visitor("a", 3, "a"), visitor("b", 2, "b")}})
	if got, next, _ := twin.ClaimDue(ctx, ws, t0.Add(time.Hour), lease, 10); len(got) != 0 || !next.IsZero() {
		t.Errorf("with no wakeups left: %v, next %v", got, next)
	}
}

// Claimed deliveries are handed out to one dispatcher until their lease
// runs out; an outcome ends the claim.
func claimDeliveries(t *testing.T, s, twin store.Store) {
	in := func(order string, due time.Time, event string) store.Delivery {
		d := delivery("http://h/1", due, event)
		d.Order = order
		return d
	}
	commit(t, s, &store.Batch{Deliveries: []store.Delivery{
		in("m1", t0, "first"), in("m1", t0, "second"), in("", t0.Add(time.Second), "other"), in("", t0.Add(time.Hour), "later"),
	}})
	lease := time.Minute
	now := t0.Add(2 * time.Second)
	got, _, err := s.ClaimDeliveries(ctx, ws, now, lease, 10)
	if err != nil || !eq(events(got), []string{"first", "other"}) {
		t.Fatalf("ClaimDeliveries = %v, %v; want [first other] (second waits in line)", events(got), err)
	}
	if again, _, _ := twin.ClaimDeliveries(ctx, ws, now, lease, 10); len(again) != 0 {
		t.Errorf("claimed deliveries handed out again: %v", events(again))
	}
	if err := twin.Delivered(ctx, ws, &got[0]); err != nil {
		t.Fatal(err)
	}
	if next, _, _ := twin.ClaimDeliveries(ctx, ws, now, lease, 10); !eq(events(next), []string{"second"}) {
		t.Errorf("once first is delivered: %v, want [second]", events(next))
	}
	back, _, _ := s.ClaimDeliveries(ctx, ws, now.Add(lease), lease, 10)
	slices.SortFunc(back, func(a, b store.Delivery) int { return strings.Compare(a.Event, b.Event) })
	if !eq(events(back), []string{"other", "second"}) {
		t.Errorf("after the leases ran out: %v, want [other second]", events(back))
	}
	o := back[0]
	o.Attempts, o.Due = 1, now.Add(2*lease)
	if err := s.Retry(ctx, ws, &o); err != nil {
		t.Fatal(err)
	}
	if n, _ := twin.OutboxLen(ws); n != 3 {
		t.Errorf("OutboxLen = %d, want 3", n)
	}
	got, _, _ = twin.ClaimDeliveries(ctx, ws, now.Add(2*lease), lease, 10)
	slices.SortFunc(got, func(a, b store.Delivery) int { return strings.Compare(a.Event, b.Event) })
	if !eq(events(got), []string{"other", "second"}) {
		t.Errorf("at the retry time: %v", events(got))
	}
}

// A note reaches every listener of its workspace, in this process and
// others, and no other workspace's.
func publishListen(t *testing.T, s, twin store.Store) {
	type heard struct {
		mu    sync.Mutex
		notes []string
	}
	listen := func(st store.Store, w string) *heard {
		h := &heard{}
		lctx, cancel := context.WithCancel(ctx)
		t.Cleanup(cancel)
		if err := st.Listen(lctx, w, func(n []byte) {
			h.mu.Lock()
			h.notes = append(h.notes, string(n))
			h.mu.Unlock()
		}); err != nil {
			t.Fatal(err)
		}
		return h
	}
	here, there, other := listen(s, "ws_a"), listen(twin, "ws_a"), listen(twin, "ws_b")
	if err := s.Publish(ctx, "ws_a", []byte("one")); err != nil {
		t.Fatal(err)
	}
	if err := twin.Publish(ctx, "ws_b", []byte("two")); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for _, c := range []struct {
		h    *heard
		want []string
	}{{here, []string{"one"}}, {there, []string{"one"}}, {other, []string{"two"}}} {
		var got []string
		for time.Now().Before(deadline) {
			c.h.mu.Lock()
			got = slices.Clone(c.h.notes)
			c.h.mu.Unlock()
			if len(got) > 0 {
				break
			}
			time.Sleep(5 * time.Millisecond)
		}
		if !eq(got, c.want) {
			t.Errorf("heard %v, want %v", got, c.want)
		}
	}
}
