package engine

import (
	"context"
	"slices"
	"time"

	"github.com/beckonhq/beckon/message"
	"github.com/beckonhq/beckon/store"
)

// snapshot is ent's state as the store keeps it. Call with ent.mu held.
func (e *Engine) snapshot(ent *entry) (store.Visitor, error) {
	v := ent.v
	data, err := v.marshal()
	if err != nil {
		return store.Visitor{}, wrap("encode visitor "+v.ID, err)
	}
	ent.storedHeard = v.LastHeard
	version := ent.version
	if e.shared {
		version = ent.saved + 1 // FailStale: any other commit since our read conflicts
	}
	return store.Visitor{ID: v.ID, Version: version, LastSeen: v.LastHeard, SessionID: v.Session.ID,
		SessionStart: v.Session.Start, Wakeups: slices.Clone(v.Wakeups), Data: data}, nil
}

// taken is one visitor's snapshot in a group commit.
type taken struct {
	ent     *entry
	version uint64
}

// Flush commits every changed visitor and the counts gathered since the
// last flush, in one commit. A visitor is only marked saved once its
// commit succeeded; on failure everything waits for the next flush.
func (e *Engine) Flush() error {
	b := &store.Batch{Workspace: e.ws}
	var took []taken
	for _, sh := range e.shards {
		sh.mu.Lock()
		list := sh.dirty
		sh.dirty = nil
		sh.mu.Unlock()
		for _, ent := range list {
			snap, ok, err := e.take(ent)
			if err != nil {
				e.log.Error("engine: flush visitor state", "visitor", ent.id, "err", err)
			}
			if ok {
				b.Visitors = append(b.Visitors, snap)
				took = append(took, taken{ent, snap.Version})
			}
		}
	}
	e.counts.committing.Lock()
	b.Counts = e.counts.take()
	err := e.store.Commit(context.Background(), b)
	if err != nil {
		e.counts.giveBack(b.Counts)
	}
	e.counts.committing.Unlock()
	if err != nil {
		for _, t := range took {
			t.ent.mu.Lock()
			e.requeue(t.ent)
			t.ent.mu.Unlock()
		}
		return wrap("flush", err)
	}
	for _, t := range took {
		t.ent.mu.Lock()
		t.ent.saved = max(t.ent.saved, t.version)
		t.ent.mu.Unlock()
	}
	return nil
}

// take snapshots a queued visitor for a flush. A visitor busy right now
// (a send waiting for its own commit, say) stays queued for the next one.
func (e *Engine) take(ent *entry) (store.Visitor, bool, error) {
	if !ent.mu.TryLock() {
		ent.sh.mu.Lock()
		ent.sh.dirty = append(ent.sh.dirty, ent)
		ent.sh.mu.Unlock()
		return store.Visitor{}, false, nil
	}
	defer ent.mu.Unlock()
	ent.queued = false
	if ent.gone || ent.v == nil || ent.version <= ent.saved {
		return store.Visitor{}, false, nil
	}
	snap, err := e.snapshot(ent)
	if err != nil {
		e.requeue(ent)
		return store.Visitor{}, false, err
	}
	return snap, true, nil
}

// requeue puts ent back for the next flush if it has unsaved changes.
// Call with ent.mu held.
func (e *Engine) requeue(ent *entry) {
	if ent.queued || ent.version <= ent.saved {
		return
	}
	ent.queued = true
	ent.sh.mu.Lock()
	ent.sh.dirty = append(ent.sh.dirty, ent)
	ent.sh.mu.Unlock()
}

// commitSend counts msg as sent in ent's state (with what apply changes
// too) and commits that state, the message and whatever extra adds, as
// one commit, before the message is delivered: a crash can neither lose
// it nor send it twice. If the commit fails, the state is put back as it
// was: nothing counts as sent that is not durable. Call with ent.mu held.
func (e *Engine) commitSend(ent *entry, msg *message.Message, apply func(*visitorState), extra func(*store.Batch, *message.Message)) error {
	v := ent.v
	before, err := v.marshal()
	if err != nil {
		return wrap("encode visitor "+v.ID, err)
	}
	if apply != nil {
		apply(v)
	}
	v.Session.MessagesSent++
	v.LastSend, v.liveOK = msg.Time, false
	v.rememberOffer(msg)
	e.changed(ent)
	snap, err := e.snapshot(ent)
	if err != nil {
		return e.undoSend(ent, before, err)
	}
	b := &store.Batch{Workspace: e.ws, Visitors: []store.Visitor{snap}, FailStale: e.shared, Counts: ent.counts}
	e.sender.Stage(b, msg)
	if extra != nil {
		extra(b, msg)
	}
	if err := e.store.Commit(context.Background(), b); err != nil {
		return e.undoSend(ent, before, err)
	}
	e.saved(ent, snap.Version)
	if b.Dropped > 0 {
		e.log.Warn("engine: webhook outbox full, message_sent events dropped", "message_id", msg.ID, "dropped", b.Dropped)
	}
	e.sender.Deliver(msg)
	return nil
}

// saved records that ent's state is committed at version, with the counts
// that waited for it. Call with ent.mu held.
func (e *Engine) saved(ent *entry, version uint64) {
	if e.shared {
		ent.version = version
		e.counts.committed(ent.counts)
		ent.counts = nil
	}
	ent.saved = max(ent.saved, version)
}

func (e *Engine) undoSend(ent *entry, before []byte, cause error) error {
	if err := ent.v.restore(before); err != nil {
		e.log.Error("engine: put back a visitor after a failed send", "visitor", ent.id, "err", err)
	}
	e.changed(ent)
	return wrap("commit message", cause)
}

// commitNow commits ent's state at once rather than at the next group
// commit. Call with ent.mu held.
func (e *Engine) commitNow(ent *entry) error {
	snap, err := e.snapshot(ent)
	if err != nil {
		return err
	}
	if err := e.store.Commit(context.Background(), &store.Batch{Workspace: e.ws, Visitors: []store.Visitor{snap}}); err != nil {
		return wrap("commit visitor "+ent.id, err)
	}
	e.saved(ent, snap.Version)
	return nil
}

// flushLoop flushes every interval until ctx ends.
func (e *Engine) flushLoop(ctx context.Context) {
	defer e.wg.Done()
	t := time.NewTicker(e.opts.FlushInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := e.Flush(); err != nil {
				e.log.Error("engine: group commit failed; retrying at the next", "err", err)
			}
		}
	}
}
