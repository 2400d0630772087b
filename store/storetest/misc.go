package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/beckonhq/beckon/message"
	"github.com/beckonhq/beckon/store"
)

func idempotency(t *testing.T, s store.Store) {
	if _, err := s.Idempotency(ws, "k1"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("unknown key: err = %v", err)
	}
	first := store.Idempotency{Key: "k1", RequestHash: "h", Created: t0, MessageID: "m1"}
	commit(t, s, &store.Batch{Idempotency: []store.Idempotency{first}})
	done := first
	done.Status, done.Body = 200, []byte(`{"data":{}}`)
	commit(t, s, &store.Batch{Idempotency: []store.Idempotency{done}})
	got, err := s.Idempotency(ws, "k1")
	if err != nil || got.MessageID != "m1" || got.Status != 200 || string(got.Body) != `{"data":{}}` || !got.Created.Equal(t0) {
		t.Fatalf("Idempotency(k1) = %+v, %v", got, err)
	}
}

func counts(t *testing.T, s store.Store) {
	commit(t, s, &store.Batch{Counts: []store.Count{
		{Rule: "r1", Name: "sent", Hour: t0, N: 2}, {Rule: "r1", Name: "ready", Hour: t0, N: 5},
	}})
	commit(t, s, &store.Batch{Counts: []store.Count{
		{Rule: "r1", Name: "sent", Hour: t0.Add(2 * time.Hour), N: 1}, {Rule: "r2", Name: "sent", Hour: t0.Add(time.Minute), N: 1},
	}})
	all := sums(t, s, time.Time{})
	if all["r1/sent"] != 3 || all["r1/ready"] != 5 || all["r2/sent"] != 1 || len(all) != 3 {
		t.Errorf("all counts: %v", all)
	}
	recent := sums(t, s, t0.Add(90*time.Minute))
	if recent["r1/sent"] != 1 || len(recent) != 1 {
		t.Errorf("counts since the next hour: %v", recent)
	}
}

func sums(t *testing.T, s store.Store, since time.Time) map[string]int64 {
	t.Helper()
	cs, err := s.Counts(ws, since)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int64{}
	for _, c := range cs {
		out[c.Rule+"/"+c.Name] += c.N
	}
	return out
}

// What is past retention goes, with every index that points at it; what
// is not stays.
func sweepRetention(t *testing.T, s store.Store) {
	old, recent := t0.AddDate(0, 0, -40), t0.AddDate(0, 0, -1)
	ov := store.Visitor{ID: "old", Version: 1, LastSeen: old, SessionID: "s_old", SessionStart: old, Data: []byte("o")}
	rv := store.Visitor{ID: "new", Version: 1, LastSeen: recent, SessionID: "s_new", SessionStart: recent, Data: []byte("n")}
	commit(t, s, &store.Batch{Visitors: []store.Visitor{ov, rv},
		Messages:    []message.Record{record("m_old", "old", "s_old", t0.AddDate(0, 0, -100)), record("m_new", "new", "s_new", recent)},
		Replies:     []message.Reply{reply("r_old", "s_old", t0.AddDate(0, 0, -100)), reply("r_new", "s_new", recent)},
		Idempotency: []store.Idempotency{{Key: "k_old", Created: t0.AddDate(0, 0, -3)}, {Key: "k_new", Created: t0}},
		Counts:      []store.Count{{Rule: "r", Name: "sent", Hour: t0.AddDate(0, 0, -100), N: 1}, {Rule: "r", Name: "sent", Hour: t0, N: 1}},
	})
	// seen again today: its expiry moves
	again := rv
	again.Version, again.LastSeen = 2, t0
	commit(t, s, &store.Batch{Visitors: []store.Visitor{again}})

	sw, err := s.Sweep(ctx, ws, t0, store.Retention{Visitors: 30 * 24 * time.Hour, Messages: 90 * 24 * time.Hour, Idempotency: 24 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	if sw.Visitors != 1 || sw.Sessions != 1 || sw.Messages != 1 || sw.Replies != 1 || sw.Idempotency != 1 || sw.Counts != 1 {
		t.Errorf("swept %+v, want one of each", sw)
	}
	gone := []error{
		second(s.Visitor(ws, "old")), second(s.SessionVisitor(ws, "s_old")), second(s.Message(ws, "m_old")),
		second(s.Idempotency(ws, "k_old")),
	}
	for i, err := range gone {
		if !errors.Is(err, store.ErrNotFound) {
			t.Errorf("expired item %d still there (err %v)", i, err)
		}
	}
	kept := []error{
		second(s.Visitor(ws, "new")), second(s.SessionVisitor(ws, "s_new")), second(s.Message(ws, "m_new")),
		second(s.Idempotency(ws, "k_new")),
	}
	for i, err := range kept {
		if err != nil {
			t.Errorf("recent item %d swept: %v", i, err)
		}
	}
	if l, _ := s.SessionMessages(ws, "s_old"); len(l) != 0 {
		t.Errorf("a swept message is still listed in its session")
	}
	if q, _ := s.Undelivered(ws, "old"); len(q) != 0 {
		t.Errorf("a swept message is still queued")
	}
	if l, _ := s.SessionReplies(ws, "s_old"); len(l) != 0 {
		t.Errorf("a swept reply is still in its session's transcript")
	}
	if l, _ := s.RecentReplies(ws, 10); !eq(replyIDs(l), []string{"r_new"}) {
		t.Errorf("replies after the sweep: %v, want [r_new]", replyIDs(l))
	}
	if c := sums(t, s, time.Time{}); c["r/sent"] != 1 {
		t.Errorf("counts after sweep: %v", c)
	}
}

func second[T any](_ T, err error) error { return err }
