package engine

import (
	"context"
	"errors"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/beckonhq/beckon/store"
)

// Shared mode: several processes share the store, and events of one
// visitor may reach any of them. Memory only caches. Each change of a
// visitor reads the stored state (adopting it when another process has
// changed it), applies the change and commits it as the version read
// plus one with Batch.FailStale; a conflict means another process got
// there first, and the change is done again on its state. So one
// visitor's changes are applied one after the other, whichever processes
// make them. Wakeups are claimed from the store's timer index: each is
// run by one process, and a claim left by a process that died runs out.

const (
	// maxConflicts bounds how often one change is redone.
	maxConflicts = 64
	// claimLease is how long a claimed visitor is left to its claimer. A
	// claimer that runs late does no harm: its commit conflicts with the
	// other's, and nothing runs twice.
	claimLease = 5 * time.Second
	// claimBatch is how many due visitors one claim takes.
	claimBatch = 64
	// sharedPoll is the longest the wake loop waits before it looks for
	// wakeups that other processes scheduled or left.
	sharedPoll = time.Second
)

// withShared is withVisitor in shared mode.
func (e *Engine) withShared(id string, create bool, fn func(*entry) error) error {
	for attempt := 0; ; attempt++ {
		ent := e.shardFor(id).acquire(id, e.opts.Clock.Now())
		ent.mu.Lock()
		if ent.gone {
			ent.mu.Unlock()
			continue
		}
		err := e.attempt(ent, create, fn)
		if err != nil {
			ent.counts = nil
			if ent.version != ent.saved {
				ent.v = nil // uncommitted: read it again next time
			}
		}
		ent.mu.Unlock()
		if !errors.Is(err, store.ErrConflict) || attempt >= maxConflicts {
			return err
		}
		if attempt > 2 {
			time.Sleep(time.Duration(rand.Int64N(int64(time.Millisecond) << min(attempt-2, 5))))
		}
	}
}

// attempt reads the visitor, runs fn and commits what it changed. Call
// with ent.mu held.
func (e *Engine) attempt(ent *entry, create bool, fn func(*entry) error) error {
	if err := e.refresh(ent, create); err != nil {
		return err
	}
	if err := fn(ent); err != nil {
		return err
	}
	if ent.version == ent.saved {
		return nil
	}
	snap, err := e.snapshot(ent)
	if err != nil {
		return err
	}
	b := &store.Batch{Workspace: e.ws, Visitors: []store.Visitor{snap}, Counts: ent.counts, FailStale: true}
	if err := e.store.Commit(context.Background(), b); err != nil {
		return wrap("commit visitor "+ent.id, err)
	}
	e.saved(ent, snap.Version)
	return nil
}

// refresh makes ent's state the stored one: read (again, in shared mode),
// and decoded only when it is new or another process has changed it; an
// unknown visitor is made new when create is set, else ErrVisitorNotFound.
// Call with ent.mu held.
func (e *Engine) refresh(ent *entry, create bool) error {
	rec, err := e.store.Visitor(e.ws, ent.id)
	switch {
	case err == nil:
		if ent.v != nil && rec.Version == ent.saved {
			return nil
		}
		v, err := unmarshalVisitor(rec.Data)
		if err != nil {
			return wrap("decode visitor "+ent.id, err)
		}
		e.adopt(ent, v, rec.Version)
		return nil
	case !errors.Is(err, store.ErrNotFound):
		return wrap("load visitor "+ent.id, err)
	case !create:
		ent.v = nil
		return ErrVisitorNotFound
	}
	v := &visitorState{}
	v.ID = ent.id
	ent.v, ent.version, ent.saved = v, 0, 0
	return nil
}

// noteWakeup tells the wake loop of a wakeup this process scheduled, so
// that it does not sleep past it.
func (e *Engine) noteWakeup(t time.Time) {
	for {
		cur := e.localNext.Load()
		if cur != 0 && cur <= t.UnixNano() {
			return
		}
		if e.localNext.CompareAndSwap(cur, t.UnixNano()) {
			e.wakeSoon()
			return
		}
	}
}

// sharedWakeLoop claims and runs due wakeups: when one this process
// scheduled is due, when the store's next is due, and at least every
// sharedPoll.
func (e *Engine) sharedWakeLoop(ctx context.Context) {
	defer e.wg.Done()
	timer := time.NewTimer(0)
	defer timer.Stop()
	var storeNext time.Time
	for {
		timed := false
		select {
		case <-ctx.Done():
			return
		case <-e.kick:
		case <-timer.C:
			timed = true
		}
		now := e.opts.Clock.Now()
		if next := earliest(storeNext, e.localNext.Load()); timed || !next.IsZero() && !next.After(now) {
			e.localNext.Store(0)
			storeNext = e.runClaimed(now, wakeWorkers)
		}
		wait := sharedPoll
		if n := earliest(storeNext, e.localNext.Load()); !n.IsZero() {
			wait = min(wait, max(n.Sub(e.opts.Clock.Now()), time.Millisecond))
		}
		timer.Reset(wait)
	}
}

func earliest(t time.Time, ns int64) time.Time {
	if ns != 0 && (t.IsZero() || ns < t.UnixNano()) {
		return time.Unix(0, ns).UTC()
	}
	return t
}

// runClaimed claims the visitors due at now and runs their wakeups, up to
// workers at once, until none is left; it returns when the next may come
// due.
func (e *Engine) runClaimed(now time.Time, workers int) time.Time {
	for {
		ids, next, err := e.store.ClaimDue(context.Background(), e.ws, now, claimLease, claimBatch)
		if err != nil {
			e.log.Error("engine: claim due wakeups", "err", err)
			return now.Add(sharedPoll)
		}
		if len(ids) == 0 {
			return next
		}
		e.fireAll(ids, now, workers)
	}
}

func (e *Engine) fireAll(ids []string, now time.Time, workers int) {
	fire := func(id string) {
		err := e.withShared(id, false, func(ent *entry) error {
			e.runWakeups(ent, now, true)
			e.changed(ent) // the commit ends the claim, whatever ran
			return nil
		})
		if err != nil && !errors.Is(err, ErrVisitorNotFound) {
			e.log.Error("engine: run claimed wakeups", "visitor", id, "err", err)
		}
	}
	if workers <= 1 {
		for _, id := range ids {
			fire(id)
		}
		return
	}
	var wg sync.WaitGroup
	sem := make(chan struct{}, workers)
	for _, id := range ids {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			fire(id)
		})
	}
	wg.Wait()
}
