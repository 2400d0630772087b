package boltstore

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/beckonhq/beckon/store"
)

// A bbolt file belongs to one process, so what processes sharing a store
// would keep in it (claims, listeners) lives in this process's memory.
type sharing struct {
	mu        sync.Mutex
	claims    map[string]time.Time // ws + 0 + visitor id or delivery key → claimed until
	listeners map[string][]*listener
}

type listener struct {
	ctx context.Context
	fn  func([]byte)
}

func claimKey(ws, id string) string { return ws + "\x00" + id }

// Shared is false: no other process may open the file.
func (s *Store) Shared() bool { return false }

// claimed reports whether key is claimed at now. Call with mu held.
func (sh *sharing) claimed(key string, now time.Time) bool {
	until, ok := sh.claims[key]
	return ok && until.After(now)
}

func (sh *sharing) claim(key string, until time.Time) {
	if sh.claims == nil {
		sh.claims = map[string]time.Time{}
	}
	sh.claims[key] = until
}

func (sh *sharing) release(key string) {
	sh.mu.Lock()
	delete(sh.claims, key)
	sh.mu.Unlock()
}

// ClaimDue claims the visitors with due wakeups. It reads every visitor
// with timers: the embedded engine keeps its wakeups in memory and does
// not call it.
func (s *Store) ClaimDue(_ context.Context, ws string, now time.Time, lease time.Duration, limit int) ([]string, time.Time, error) {
	type due struct {
		id string
		at time.Time
	}
	var all []due
	err := s.view(func(tx *bolt.Tx) error {
		t := bucket(tx, ws, bTimers)
		if t == nil {
			return nil
		}
		return t.ForEach(func(k, _ []byte) error {
			v, err := getVisitor(tx, ws, string(k))
			if err == nil && len(v.Wakeups) > 0 {
				all = append(all, due{v.ID, slices.MinFunc(v.Wakeups, time.Time.Compare)})
			}
			return err
		})
	})
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("store: claim due wakeups of %s: %w", ws, err)
	}
	slices.SortFunc(all, func(a, b due) int { return a.at.Compare(b.at) })
	s.shared.mu.Lock()
	defer s.shared.mu.Unlock()
	var out []string
	var next time.Time
	for _, d := range all {
		key := claimKey(ws, d.id)
		switch {
		case s.shared.claimed(key, now):
		case d.at.After(now):
			if next.IsZero() {
				next = d.at
			}
		case len(out) < limit:
			s.shared.claim(key, now.Add(lease))
			out = append(out, d.id)
		}
	}
	return out, next, nil
}

// ClaimDeliveries claims due deliveries, leaving out those claimed.
func (s *Store) ClaimDeliveries(_ context.Context, ws string, now time.Time, lease time.Duration, limit int) ([]store.Delivery, time.Time, error) {
	s.shared.mu.Lock()
	defer s.shared.mu.Unlock()
	ds, next, err := s.DueDeliveries(ws, now, limit, func(d *store.Delivery) bool {
		return s.shared.claimed(claimKey(ws, d.Key), now)
	})
	for _, d := range ds {
		s.shared.claim(claimKey(ws, d.Key), now.Add(lease))
	}
	return ds, next, err
}

// Publish calls every listener of ws in this process.
func (s *Store) Publish(_ context.Context, ws string, note []byte) error {
	s.shared.mu.Lock()
	ls := slices.Clone(s.shared.listeners[ws])
	s.shared.mu.Unlock()
	for _, l := range ls {
		if l.ctx.Err() == nil {
			l.fn(note)
		}
	}
	return nil
}

// Listen adds fn to the listeners of ws until ctx ends.
func (s *Store) Listen(ctx context.Context, ws string, fn func([]byte)) error {
	l := &listener{ctx: ctx, fn: fn}
	s.shared.mu.Lock()
	if s.shared.listeners == nil {
		s.shared.listeners = map[string][]*listener{}
	}
	s.shared.listeners[ws] = append(s.shared.listeners[ws], l)
	s.shared.mu.Unlock()
	context.AfterFunc(ctx, func() {
		s.shared.mu.Lock()
		s.shared.listeners[ws] = slices.DeleteFunc(s.shared.listeners[ws], func(x *listener) bool { return x == l })
		s.shared.mu.Unlock()
	})
	return nil
}
