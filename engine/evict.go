package engine

import (
	"context"
	"time"
)

// evictEvery is how often the memory's least recently used visitors are
// looked at.
const evictEvery = time.Second

// evict drops from memory the visitors unused for IdleTimeout whose state
// is stored and who wait for no timer. It walks each shard's
// recently-used list from its old end and stops at the first visitor used
// since, so its cost is what it evicts. A visitor that cannot go yet is
// moved to the young end and looked at again an IdleTimeout later.
func (e *Engine) evict(now time.Time) int {
	cutoff := now.Add(-e.opts.IdleTimeout)
	n := 0
	for _, sh := range e.shards {
		sh.mu.Lock()
		for ent := sh.tail; ent != nil && ent.used.Before(cutoff); {
			prev := ent.prev
			if e.tryEvict(sh, ent) {
				n++
			} else {
				sh.unlink(ent)
				ent.used = now
				sh.pushFront(ent)
			}
			ent = prev
		}
		sh.mu.Unlock()
	}
	return n
}

// tryEvict evicts ent if nothing holds it and it may go. Call with sh.mu
// held.
func (e *Engine) tryEvict(sh *shard, ent *entry) bool {
	if !ent.mu.TryLock() {
		return false
	}
	defer ent.mu.Unlock()
	if ent.v == nil || ent.queued || ent.version != ent.saved || len(ent.v.Wakeups) > 0 && !e.shared {
		return false
	}
	ent.gone = true
	sh.forget(ent)
	if ent.v.Session.ID != "" {
		e.sessions.Delete(ent.v.Session.ID)
	}
	return true
}

func (e *Engine) evictLoop(ctx context.Context) {
	defer e.wg.Done()
	t := time.NewTicker(evictEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			e.evict(e.opts.Clock.Now())
		}
	}
}

// InMemory is the number of visitors held in memory.
func (e *Engine) InMemory() int {
	n := 0
	for _, sh := range e.shards {
		sh.mu.Lock()
		n += len(sh.entries)
		sh.mu.Unlock()
	}
	return n
}
