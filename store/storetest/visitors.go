package storetest

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/beckonhq/beckon/message"
	"github.com/beckonhq/beckon/store"
)

func visitorRoundTrip(t *testing.T, s store.Store) {
	if _, err := s.Visitor(ws, "v1"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("unknown visitor: err = %v, want ErrNotFound", err)
	}
	v := visitor("v1", 1, "state one")
	v.Wakeups = []time.Time{t0.Add(30 * time.Second), t0.Add(time.Minute)}
	commit(t, s, &store.Batch{Visitors: []store.Visitor{v}})
	got, err := s.Visitor(ws, "v1")
	if err != nil {
		t.Fatal(err)
	}
	if got.Version != 1 || string(got.Data) != "state one" || !got.LastSeen.Equal(t0) ||
		got.SessionID != "s_v1" || !got.SessionStart.Equal(t0) || len(got.Wakeups) != 2 || !got.Wakeups[1].Equal(t0.Add(time.Minute)) {
		t.Fatalf("read back %+v", got)
	}
}

func olderVersionNeverOverwrites(t *testing.T, s store.Store) {
	commit(t, s, &store.Batch{Visitors: []store.Visitor{visitor("v1", 5, "five")}})
	for _, v := range []uint64{4, 5} {
		b := &store.Batch{Visitors: []store.Visitor{visitor("v1", v, fmt.Sprint("stale ", v))}}
		commit(t, s, b)
		if !eq(b.Stale, []string{"v1"}) {
			t.Errorf("version %d over 5: Stale = %v, want [v1]", v, b.Stale)
		}
	}
	b := &store.Batch{Visitors: []store.Visitor{visitor("v1", 6, "six")}}
	commit(t, s, b)
	got, err := s.Visitor(ws, "v1")
	if err != nil || got.Version != 6 || string(got.Data) != "six" || len(b.Stale) != 0 {
		t.Fatalf("after version 6: %+v, %v (stale %v)", got, err, b.Stale)
	}
}

// Many writers commit versions of one visitor at once, in any order: the
// newest stays.
func concurrentVersionsKeepTheNewest(t *testing.T, s store.Store) {
	const n = 64
	var wg sync.WaitGroup
	for i := n; i >= 1; i-- {
		wg.Add(1)
		go func(v uint64) {
			defer wg.Done()
			b := &store.Batch{Workspace: ws, Visitors: []store.Visitor{visitor("v1", v, fmt.Sprint(v))}}
			if err := s.Commit(ctx, b); err != nil {
				t.Error(err)
			}
		}(uint64(i))
	}
	wg.Wait()
	got, err := s.Visitor(ws, "v1")
	if err != nil || got.Version != n || string(got.Data) != fmt.Sprint(n) {
		t.Fatalf("after concurrent commits: %+v, %v; want version %d", got, err, n)
	}
}

func sessionIndex(t *testing.T, s store.Store) {
	commit(t, s, &store.Batch{Visitors: []store.Visitor{visitor("v1", 1, "a")}})
	next := visitor("v1", 2, "b")
	next.SessionID = "s_second"
	commit(t, s, &store.Batch{Visitors: []store.Visitor{next}})
	for sid, want := range map[string]string{"s_v1": "v1", "s_second": "v1"} {
		if id, err := s.SessionVisitor(ws, sid); err != nil || id != want {
			t.Errorf("SessionVisitor(%s) = %q, %v", sid, id, err)
		}
	}
	if _, err := s.SessionVisitor(ws, "s_none"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown session: err = %v, want ErrNotFound", err)
	}
}

func timerIndex(t *testing.T, s store.Store) {
	a, b := visitor("a", 1, "a"), visitor("b", 1, "b")
	a.Wakeups = []time.Time{t0.Add(time.Minute)}
	commit(t, s, &store.Batch{Visitors: []store.Visitor{a, b}})
	if got := timerIDs(t, s); !eq(got, []string{"a"}) {
		t.Fatalf("with timers: %v, want [a]", got)
	}
	a2, b2 := visitor("a", 2, "a"), visitor("b", 2, "b")
	b2.Wakeups = []time.Time{t0.Add(time.Hour)}
	commit(t, s, &store.Batch{Visitors: []store.Visitor{a2, b2}})
	got := timerIDs(t, s)
	if !eq(got, []string{"b"}) {
		t.Fatalf("after a's timers ended and b's began: %v, want [b]", got)
	}
}

func timerIDs(t *testing.T, s store.Store) []string {
	t.Helper()
	vs, err := s.VisitorsWithTimers(ws)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, v := range vs {
		out = append(out, v.ID)
	}
	return out
}

func workspacesAreIsolated(t *testing.T, s store.Store) {
	v := visitor("v1", 1, "mine")
	v.Wakeups = []time.Time{t0}
	commit(t, s, &store.Batch{Workspace: "ws_a", Visitors: []store.Visitor{v},
		Messages: []message.Record{record("m1", "v1", "s_v1", t0)}})
	if _, err := s.Visitor("ws_b", "v1"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("another workspace's visitor: err = %v", err)
	}
	if _, err := s.SessionVisitor("ws_b", "s_v1"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("another workspace's session: err = %v", err)
	}
	if _, err := s.Message("ws_b", "m1"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("another workspace's message: err = %v", err)
	}
	if vs, _ := s.VisitorsWithTimers("ws_b"); len(vs) != 0 {
		t.Errorf("another workspace's timers: %v", vs)
	}
}
