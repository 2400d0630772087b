package storetest

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/beckonhq/beckon/store"
)

func claim(t *testing.T, s store.Store, ws, id string) bool {
	t.Helper()
	claimed, err := s.ClaimVisitorToken(ctx, ws, id, t0)
	if err != nil {
		t.Fatalf("ClaimVisitorToken(%s, %s): %v", ws, id, err)
	}
	return claimed
}

// A visitor's token is given once per workspace, even to claims at once.
func visitorTokenClaims(t *testing.T, s store.Store) {
	if !claim(t, s, ws, "v1") || claim(t, s, ws, "v1") {
		t.Fatal("v1: want the first claim only")
	}
	if !claim(t, s, "ws_other", "v1") {
		t.Error("another workspace's v1 is another visitor: its first claim must succeed")
	}
	var wins atomic.Int32
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if ok, err := s.ClaimVisitorToken(ctx, ws, "v2", t0); err == nil && ok {
				wins.Add(1)
			}
		}()
	}
	wg.Wait()
	if n := wins.Load(); n != 1 {
		t.Errorf("8 claims at once of v2: %d succeeded, want 1", n)
	}
}

// A token record goes with its visitor, or after the visitors' retention
// when no visitor state was ever committed; a live visitor's stays.
func visitorTokensSwept(t *testing.T, s store.Store) {
	old, recent := t0.AddDate(0, 0, -40), t0.AddDate(0, 0, -1)
	for _, id := range []string{"gone", "orphan", "live"} {
		if ok, err := s.ClaimVisitorToken(ctx, ws, id, old); err != nil || !ok {
			t.Fatalf("claim %s: %v %v", id, ok, err)
		}
	}
	gone, live := visitor("gone", 1, "{}"), visitor("live", 1, "{}")
	gone.LastSeen, live.LastSeen = old, recent
	commit(t, s, &store.Batch{Visitors: []store.Visitor{gone, live}})
	if _, err := s.Sweep(ctx, ws, t0, store.Retention{Visitors: 30 * 24 * time.Hour}); err != nil {
		t.Fatal(err)
	}
	for id, want := range map[string]bool{"gone": true, "orphan": true, "live": false} {
		if got := claim(t, s, ws, id); got != want {
			t.Errorf("claim of %s after the sweep: %v, want %v", id, got, want)
		}
	}
}
