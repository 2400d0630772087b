package engine

import (
	"testing"
	"time"

	"github.com/beckonhq/beckon/rules"
	"github.com/beckonhq/beckon/store"
	"github.com/beckonhq/beckon/tracker"
)

type nopSender struct{}

func (nopSender) Stage(*store.Tx, *Message) error { return nil }
func (nopSender) Deliver(*Message)                {}

// A visitor whose session is over leaves memory once its state is stored;
// it, and its session, are found again in the store.
func TestEvictedVisitorIsFoundAgain(t *testing.T) {
	db, err := store.OpenTemp()
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	set, _ := rules.Parse(rules.Source{Name: "r.yaml", Data: []byte("version: 1\nrules: []\n")})
	t0 := time.Date(2026, 1, 20, 14, 0, 0, 0, time.UTC)
	clock := NewVirtualClock(t0)
	e, err := New(Options{Rules: set, DB: db, Sender: nopSender{}, Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	res, err := e.Handle(tracker.Event{Time: t0, VisitorID: "v1", Type: tracker.PageView, URL: "https://example.com/a"})
	if err != nil {
		t.Fatal(err)
	}
	e.evict() // dirty: stays
	if n := len(e.shardFor("v1").visitors); n != 1 {
		t.Fatalf("evicted an unsaved visitor: %d left", n)
	}
	if err := e.Flush(); err != nil {
		t.Fatal(err)
	}
	clock.Set(t0.Add(31 * time.Minute))
	e.evict()
	if n := len(e.shardFor("v1").visitors); n != 0 {
		t.Fatalf("visitor still in memory after its session ended and was stored")
	}
	if _, ok := e.sessions.Load(res.SessionID); ok {
		t.Fatal("session index kept in memory after eviction")
	}
	if id, err := e.SessionVisitor(res.SessionID); err != nil || id != "v1" {
		t.Fatalf("SessionVisitor after eviction = %q, %v", id, err)
	}
	v, err := e.Visitor("v1")
	if err != nil || v.Session.ID != res.SessionID || v.Session.PageViews != 1 {
		t.Fatalf("Visitor after eviction = %+v, %v", v, err)
	}
}
