package pipeline

import (
	"errors"
	"net/http"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/beckonhq/beckon/engine"
	"github.com/beckonhq/beckon/message"
)

// pending reads a workspace's outbox in due order.
func pending(t *testing.T, p *Pipeline) []Delivery {
	t.Helper()
	out, _, err := p.store.DueDeliveries(ws, time.Now().AddDate(10, 0, 0), 1000, nil)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestPendingDeliverySurvivesRestart(t *testing.T) {
	var up atomic.Bool
	rcv := newReceiver(t, func(int64) int {
		if up.Load() {
			return http.StatusOK
		}
		return http.StatusServiceUnavailable
	})
	hooks := []Webhook{{URL: rcv.URL, Secret: secret}}
	path := filepath.Join(t.TempDir(), "beckon.db")

	db := openDB(t, path)
	p1, err := New(Options{Store: db, MinBackoff: time.Hour, PollInterval: 5 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	p1.SetWorkspace(ws, hooks)
	start(t, p1)
	if err := p1.VisitorResponded(ws, Reply{VisitorID: "v1", Text: "hi"}); err != nil {
		t.Fatal(err)
	}
	failed := rcv.next(t)
	waitFor(t, "the failed attempt to be recorded", func() bool {
		d := pending(t, p1)
		return len(d) == 1 && d[0].Attempts == 1
	})
	p1.Close()
	db.Close()

	up.Store(true)
	db = openDB(t, path)
	defer db.Close()
	later := func() time.Time { return time.Now().Add(2 * time.Hour) } // past the one-hour retry
	p2 := newPipeline(t, Options{Store: db, Clock: later})
	p2.SetWorkspace(ws, hooks)
	start(t, p2)
	got := rcv.next(t)
	if got.header.Get("Beckon-Delivery") != failed.header.Get("Beckon-Delivery") || string(got.body) != string(failed.body) {
		t.Fatalf("after restart got %s, want the same event as %s", got.body, failed.body)
	}
	waitFor(t, "an empty outbox", func() bool { n, _ := p2.OutboxLen(ws); return n == 0 })
}

func TestStagedBeforeStartIsDeliveredAfterReopen(t *testing.T) {
	rcv := newReceiver(t, nil)
	hooks := []Webhook{{URL: rcv.URL, Secret: secret}}
	path := filepath.Join(t.TempDir(), "beckon.db")
	db := openDB(t, path)
	p1, err := New(Options{Store: db})
	if err != nil {
		t.Fatal(err)
	}
	p1.SetWorkspace(ws, hooks)
	send(t, p1, ws, msg("msg_1", "v1", "s1")) // never started
	p1.Close()
	db.Close()

	db = openDB(t, path)
	defer db.Close()
	p2 := newPipeline(t, Options{Store: db})
	p2.SetWorkspace(ws, hooks)
	start(t, p2)
	if h := rcv.next(t); h.header.Get("Beckon-Event") != EventMessageSent {
		t.Fatalf("got %s, want message_sent", h.header.Get("Beckon-Event"))
	}
}

func TestGiveUpAfterMaxAge(t *testing.T) {
	rcv := newReceiver(t, func(int64) int { return http.StatusInternalServerError })
	clk := engine.NewVirtualClock(t0)
	p := newPipeline(t, Options{Clock: clk.Now, MinBackoff: time.Minute})
	p.SetWorkspace(ws, []Webhook{{URL: rcv.URL, Secret: secret}})
	start(t, p)
	if err := p.VisitorResponded(ws, Reply{VisitorID: "v1", Text: "hi"}); err != nil {
		t.Fatal(err)
	}
	rcv.next(t)
	waitFor(t, "a retry to be scheduled", func() bool {
		d := pending(t, p)
		return len(d) == 1 && d[0].Attempts == 1
	})
	if d := pending(t, p)[0]; d.Due.Before(t0.Add(48*time.Second)) || d.Due.After(t0.Add(72*time.Second)) {
		t.Fatalf("retry due %s, want one minute ±20%% after %s", d.Due, t0)
	}
	clk.Advance(25 * time.Hour)
	var dead []Delivery
	waitFor(t, "a dead letter", func() bool {
		dead, _ = p.DeadLetters(ws)
		return len(dead) == 1
	})
	if d := dead[0]; d.Attempts != 2 || !strings.Contains(d.LastError, "500") || d.GaveUp == nil || d.Event != EventVisitorResponded {
		t.Fatalf("dead letter = %+v", d)
	}
	if n, _ := p.OutboxLen(ws); n != 0 {
		t.Fatalf("outbox holds %d after giving up", n)
	}
}

func TestRemovedEndpointIsDeadLettered(t *testing.T) {
	p := newPipeline(t, Options{MaxDeadLetters: 1, Workers: 1}) // one worker: given up in due order
	p.SetWorkspace(ws, []Webhook{{URL: "http://127.0.0.1:1/gone", Secret: secret}})
	for _, text := range []string{"one", "two"} {
		if err := p.VisitorResponded(ws, Reply{VisitorID: "v1", Text: text}); err != nil {
			t.Fatal(err)
		}
	}
	p.SetWorkspace(ws, nil)
	start(t, p)
	waitFor(t, "an empty outbox", func() bool { n, _ := p.OutboxLen(ws); return n == 0 })
	dead, err := p.DeadLetters(ws)
	if err != nil {
		t.Fatal(err)
	}
	if len(dead) != 1 || !strings.Contains(string(dead[0].Body), `"two"`) {
		t.Fatalf("dead letters = %+v, want only the newest", dead)
	}
}

func TestFullOutboxRefusesEventsButNotMessages(t *testing.T) {
	p := newPipeline(t, Options{MaxOutbox: 2})
	p.SetWorkspace(ws, []Webhook{{URL: "http://127.0.0.1:1/", Secret: secret}})
	for i := range 2 {
		if err := p.VisitorResponded(ws, Reply{VisitorID: "v1", Text: "hi"}); err != nil {
			t.Fatalf("reply %d: %v", i, err)
		}
	}
	if err := p.VisitorResponded(ws, Reply{VisitorID: "v1", Text: "hi"}); !errors.Is(err, ErrOutboxFull) {
		t.Fatalf("third reply: err = %v, want ErrOutboxFull", err)
	}
	send(t, p, ws, msg("msg_1", "v1", "s1"))
	if s, err := p.Status(ws, "msg_1"); err != nil || s != message.StatusSent {
		t.Fatalf("message staged on a full outbox: %v, %v", s, err)
	}
	if n, _ := p.OutboxLen(ws); n != 2 {
		t.Fatalf("OutboxLen = %d, want 2", n)
	}
}

func TestRetryDelay(t *testing.T) {
	created, db := t0, tempDB(t)
	tests := []struct {
		attempts int
		rand     float64
		now      time.Time
		want     time.Duration // after now
	}{
		{1, 0.5, t0, 5 * time.Second},
		{2, 0.5, t0, 10 * time.Second},
		{4, 0.5, t0, 40 * time.Second},
		{1, 0, t0, 4 * time.Second},
		{1, 1, t0, 6 * time.Second},
		{40, 0.5, t0, time.Hour},
		{40, 0.5, t0.Add(23*time.Hour + 30*time.Minute), 30 * time.Minute}, // the deadline
	}
	for _, tt := range tests {
		p, err := New(Options{Store: db, Rand: func() float64 { return tt.rand }})
		if err != nil {
			t.Fatal(err)
		}
		got := p.retryAt(&Delivery{Created: created, Attempts: tt.attempts}, tt.now).Sub(tt.now)
		if got != tt.want {
			t.Errorf("attempt %d, rand %v: delay %s, want %s", tt.attempts, tt.rand, got, tt.want)
		}
	}
}
