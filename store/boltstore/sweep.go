package boltstore

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/beckonhq/beckon/store"
)

// sweepChunk bounds the keys one sweep transaction deletes, so commits
// waiting behind it wait little.
const sweepChunk = 1000

// Sweep deletes what is past retention at now. Expiry keys are kept by
// day, so what expires is deleted within a day after its time.
func (s *Store) Sweep(ctx context.Context, ws string, now time.Time, r store.Retention) (store.Swept, error) {
	var sw store.Swept
	kinds := []struct {
		kind byte
		keep time.Duration
		n    *int
		del  func(tx *bolt.Tx, ws, id string, cutoff time.Time) (bool, error)
	}{
		{expVisitor, r.Visitors, &sw.Visitors, deleteVisitor},
		{expSession, r.Visitors, &sw.Sessions, deleteSession},
		{expMessage, r.Messages, &sw.Messages, deleteMessage},
		{expReply, r.Messages, &sw.Replies, deleteReply},
		{expIdempotency, r.Idempotency, &sw.Idempotency, deleteIdempotency},
		{expToken, r.Visitors, new(int), deleteOrphanToken},
	}
	for _, k := range kinds {
		if k.keep <= 0 {
			continue
		}
		n, err := s.sweepKind(ctx, ws, k.kind, now.Add(-k.keep), k.del)
		*k.n += n
		if err != nil {
			return sw, fmt.Errorf("store: sweep %s: %w", ws, err)
		}
	}
	if r.Messages > 0 {
		n, err := s.sweepCounts(ctx, ws, now.Add(-r.Messages))
		sw.Counts = n
		if err != nil {
			return sw, fmt.Errorf("store: sweep counts of %s: %w", ws, err)
		}
	}
	return sw, nil
}

// sweepKind deletes, a chunk per transaction, what the expiry index lists
// of kind for the days before cutoff's day.
func (s *Store) sweepKind(ctx context.Context, ws string, kind byte, cutoff time.Time,
	del func(tx *bolt.Tx, ws, id string, cutoff time.Time) (bool, error)) (int, error) {
	total := 0
	for {
		n, more := 0, false
		err := s.update(ctx, func(tx *bolt.Tx) error {
			n, more = 0, false
			ids, err := expired(tx, ws, kind, day(cutoff))
			if err != nil || len(ids) == 0 {
				return err
			}
			more = len(ids) == sweepChunk
			exp := bucket(tx, ws, bExpiry)
			for _, e := range ids {
				deleted, err := del(tx, ws, e.id, cutoff)
				if err != nil {
					return err
				}
				if deleted {
					n++
				}
				if err := exp.Delete(e.key); err != nil {
					return err
				}
			}
			return nil
		})
		total += n
		if err != nil || !more || ctx.Err() != nil {
			return total, err
		}
	}
}

type expiryEntry struct {
	key []byte
	id  string
}

// expired lists up to sweepChunk expiry keys of kind before day d.
func expired(tx *bolt.Tx, ws string, kind byte, d uint32) ([]expiryEntry, error) {
	b := bucket(tx, ws, bExpiry)
	if b == nil {
		return nil, nil
	}
	var out []expiryEntry
	c := b.Cursor()
	for k, _ := c.Seek([]byte{kind}); k != nil && k[0] == kind && len(out) < sweepChunk; k, _ = c.Next() {
		if len(k) < 5 || binary.BigEndian.Uint32(k[1:5]) >= d {
			break
		}
		out = append(out, expiryEntry{key: copyOf(k), id: string(k[5:])})
	}
	return out, nil
}

func deleteVisitor(tx *bolt.Tx, ws, id string, cutoff time.Time) (bool, error) {
	b := bucket(tx, ws, bVisitors)
	if b == nil {
		return false, nil
	}
	raw := b.Get([]byte(id))
	if raw == nil {
		return false, nil
	}
	h, err := decodeHeader(raw)
	if err != nil || !h.lastSeen.Before(cutoff) {
		return false, err // seen since: its newer expiry key stays
	}
	for _, name := range []string{bTimers, bTokens} {
		if ix := bucket(tx, ws, name); ix != nil {
			if err := ix.Delete([]byte(id)); err != nil {
				return false, err
			}
		}
	}
	return true, b.Delete([]byte(id))
}

func deleteSession(tx *bolt.Tx, ws, id string, _ time.Time) (bool, error) {
	b := bucket(tx, ws, bSessions)
	if b == nil || b.Get([]byte(id)) == nil {
		return false, nil
	}
	return true, b.Delete([]byte(id))
}

func deleteMessage(tx *bolt.Tx, ws, id string, cutoff time.Time) (bool, error) {
	r, err := getRecord(tx, ws, id)
	if err != nil || !r.SentAt.Before(cutoff) {
		return false, nil
	}
	for _, ix := range []struct{ name, prefix string }{{bSessionMsgs, r.SessionID}, {bVisitors, queuePrefix(r.VisitorID)}} {
		if b := bucket(tx, ws, ix.name); b != nil {
			if err := b.Delete(seqKey(ix.prefix, r.Seq)); err != nil {
				return false, err
			}
		}
	}
	return true, bucket(tx, ws, bMessages).Delete([]byte(id))
}

func deleteIdempotency(tx *bolt.Tx, ws, key string, cutoff time.Time) (bool, error) {
	b := bucket(tx, ws, bIdempotency)
	if b == nil {
		return false, nil
	}
	raw := b.Get([]byte(key))
	if raw == nil {
		return false, nil
	}
	var r store.Idempotency
	if json.Unmarshal(raw, &r) == nil && !r.Created.Before(cutoff) {
		return false, nil // claimed again since: its newer expiry key stays
	}
	return true, b.Delete([]byte(key))
}

// sweepCounts deletes the counts of the hours before cutoff's hour.
func (s *Store) sweepCounts(ctx context.Context, ws string, cutoff time.Time) (int, error) {
	limit := hourKey(cutoff, "", "")[:8]
	total := 0
	for {
		var keys [][]byte
		err := s.update(ctx, func(tx *bolt.Tx) error {
			keys = keys[:0]
			b := bucket(tx, ws, bCounts)
			if b == nil {
				return nil
			}
			c := b.Cursor()
			for k, _ := c.First(); k != nil && bytes.Compare(k[:8], limit) < 0 && len(keys) < sweepChunk; k, _ = c.Next() {
				keys = append(keys, copyOf(k))
			}
			for _, k := range keys {
				if err := b.Delete(k); err != nil {
					return err
				}
			}
			return nil
		})
		total += len(keys)
		if err != nil || len(keys) < sweepChunk || ctx.Err() != nil {
			return total, err
		}
	}
}
