package boltstore

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"github.com/beckonhq/beckon/store"
)

// Commit makes b durable as one unit.
func (s *Store) Commit(ctx context.Context, b *store.Batch) error {
	if b.Empty() {
		return nil
	}
	err := s.update(ctx, func(tx *bolt.Tx) error {
		if err := checkBatch(tx, b); err != nil {
			return err
		}
		return writeBatch(tx, b)
	})
	if err != nil {
		return fmt.Errorf("store: commit to %s: %w", b.Workspace, err)
	}
	for _, v := range b.Visitors {
		s.shared.release(claimKey(b.Workspace, v.ID))
	}
	return nil
}

// checkBatch finds what would refuse b, before anything is written.
func checkBatch(tx *bolt.Tx, b *store.Batch) error {
	if b.FailStale {
		if err := checkFresh(tx, b); err != nil {
			return err
		}
	}
	for i := range b.Idempotency {
		if err := checkClaim(tx, b.Workspace, &b.Idempotency[i]); err != nil {
			return err
		}
	}
	for i := range b.Messages {
		if err := checkNewMessage(tx, b.Workspace, &b.Messages[i]); err != nil {
			return err
		}
	}
	if b.AllDeliveries && b.OutboxLimit > 0 {
		return checkRoom(tx, b)
	}
	return nil
}

// writeBatch writes b. It may run again after a failed transaction, so it
// starts its results afresh.
func writeBatch(tx *bolt.Tx, b *store.Batch) error {
	b.Dropped, b.Stale = 0, nil
	ws := b.Workspace
	for i := range b.Visitors {
		wrote, err := putVisitor(tx, ws, &b.Visitors[i])
		if err != nil {
			return err
		}
		if !wrote {
			b.Stale = append(b.Stale, b.Visitors[i].ID)
		}
	}
	for i := range b.Messages {
		if err := putMessage(tx, ws, &b.Messages[i], b.QueueLimit); err != nil {
			return err
		}
	}
	for i := range b.Replies {
		if err := putReply(tx, ws, &b.Replies[i]); err != nil {
			return err
		}
	}
	for i := range b.Deliveries {
		queued, err := putDelivery(tx, ws, &b.Deliveries[i], b.OutboxLimit)
		if err != nil {
			return err
		}
		if !queued {
			b.Dropped++
		}
	}
	for i := range b.Idempotency {
		if err := putIdempotency(tx, ws, &b.Idempotency[i]); err != nil {
			return err
		}
	}
	for _, c := range b.Counts {
		if err := addCount(tx, ws, c); err != nil {
			return err
		}
	}
	return nil
}

// checkFresh refuses a batch holding a visitor that is not newer than the
// stored one.
func checkFresh(tx *bolt.Tx, b *store.Batch) error {
	vb := bucket(tx, b.Workspace, bVisitors)
	if vb == nil {
		return nil
	}
	for i := range b.Visitors {
		v := &b.Visitors[i]
		raw := vb.Get([]byte(v.ID))
		if raw == nil {
			continue
		}
		h, err := decodeHeader(raw)
		if err != nil {
			return fmt.Errorf("visitor %s: %w", v.ID, err)
		}
		if h.version >= v.Version {
			return fmt.Errorf("visitor %s at version %d, stored %d: %w", v.ID, v.Version, h.version, store.ErrConflict)
		}
	}
	return nil
}

// checkClaim refuses a claim of an Idempotency-Key that a recent record
// holds.
func checkClaim(tx *bolt.Tx, ws string, r *store.Idempotency) error {
	if r.Status != 0 {
		return nil
	}
	b := bucket(tx, ws, bIdempotency)
	if b == nil {
		return nil
	}
	raw := b.Get([]byte(r.Key))
	if raw == nil {
		return nil
	}
	var old store.Idempotency
	if err := json.Unmarshal(raw, &old); err != nil {
		return fmt.Errorf("Idempotency-Key %q: %w", r.Key, err)
	}
	if old.MessageID != r.MessageID && r.Created.Sub(old.Created) < store.IdempotencyWindow {
		return fmt.Errorf("Idempotency-Key %q: %w", r.Key, store.ErrDuplicate)
	}
	return nil
}

func putIdempotency(tx *bolt.Tx, ws string, r *store.Idempotency) error {
	b, err := wbucket(tx, ws, bIdempotency)
	if err != nil {
		return err
	}
	raw, err := json.Marshal(r)
	if err != nil {
		return err
	}
	if err := putExpiry(tx, ws, expIdempotency, r.Created, r.Key); err != nil {
		return err
	}
	return b.Put([]byte(r.Key), raw)
}

// Idempotency returns an Idempotency-Key's record.
func (s *Store) Idempotency(ws, key string) (store.Idempotency, error) {
	var r store.Idempotency
	err := s.view(func(tx *bolt.Tx) error {
		b := bucket(tx, ws, bIdempotency)
		if b == nil {
			return store.ErrNotFound
		}
		raw := b.Get([]byte(key))
		if raw == nil {
			return store.ErrNotFound
		}
		return json.Unmarshal(raw, &r)
	})
	if err != nil {
		return store.Idempotency{}, fmt.Errorf("store: Idempotency-Key %q: %w", key, err)
	}
	return r, nil
}

func addCount(tx *bolt.Tx, ws string, c store.Count) error {
	b, err := wbucket(tx, ws, bCounts)
	if err != nil {
		return err
	}
	k := hourKey(c.Hour, c.Rule, c.Name)
	n := c.N
	if v := b.Get(k); len(v) == 8 {
		n += int64(binary.BigEndian.Uint64(v))
	}
	return b.Put(k, binary.BigEndian.AppendUint64(nil, uint64(n)))
}
