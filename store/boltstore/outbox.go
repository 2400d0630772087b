package boltstore

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/beckonhq/beckon/store"
)

func getCount(b *bolt.Bucket, key string) int {
	if b == nil {
		return 0
	}
	if v := b.Get([]byte(key)); len(v) == 8 {
		return int(binary.BigEndian.Uint64(v))
	}
	return 0
}

func addTo(tx *bolt.Tx, ws, key string, delta int) error {
	b, err := wbucket(tx, ws, bOutboxCounts)
	if err != nil {
		return err
	}
	n := max(getCount(b, key)+delta, 0)
	return b.Put([]byte(key), binary.BigEndian.AppendUint64(nil, uint64(n)))
}

// checkRoom refuses a batch whose deliveries do not all fit under the
// limit of their endpoints.
func checkRoom(tx *bolt.Tx, b *store.Batch) error {
	need := map[string]int{}
	for _, d := range b.Deliveries {
		need[d.URL]++
	}
	counts := bucket(tx, b.Workspace, bOutboxCounts)
	for url, n := range need {
		if have := getCount(counts, url); have+n > b.OutboxLimit {
			return fmt.Errorf("%w: %d deliveries wait for %s", store.ErrOutboxFull, have, url)
		}
	}
	return nil
}

// putDelivery queues d unless its endpoint already has limit waiting; it
// reports whether it queued it.
func putDelivery(tx *bolt.Tx, ws string, d *store.Delivery, limit int) (bool, error) {
	if d.URL == "" || d.URL[0] == 0 {
		return false, fmt.Errorf("delivery %s has no endpoint", d.ID)
	}
	if limit > 0 && getCount(bucket(tx, ws, bOutboxCounts), d.URL) >= limit {
		return false, nil
	}
	b, err := wbucket(tx, ws, bOutbox)
	if err != nil {
		return false, err
	}
	if d.ID == "" {
		seq, err := b.NextSequence()
		if err != nil {
			return false, err
		}
		d.ID = fmt.Sprintf("dlv_%020d", seq)
	}
	if err := saveDelivery(b, d); err != nil {
		return false, err
	}
	if err := line(tx, ws, d, true); err != nil {
		return false, err
	}
	if err := addTo(tx, ws, d.URL, 1); err != nil {
		return false, err
	}
	return true, addTo(tx, ws, allKey, 1)
}

func saveDelivery(b *bolt.Bucket, d *store.Delivery) error {
	raw, err := json.Marshal(d)
	if err != nil {
		return fmt.Errorf("encode delivery %s: %w", d.ID, err)
	}
	d.Key = string(timeKey(d.Due, d.ID))
	return b.Put([]byte(d.Key), raw)
}

// lineKey is a delivery's place in its line; ids sort in the order queued.
func lineKey(d *store.Delivery) []byte {
	return []byte(d.URL + "\x00" + d.Order + "\x00" + d.ID)
}

// line adds d to its line (in) or takes it out.
func line(tx *bolt.Tx, ws string, d *store.Delivery, in bool) error {
	if d.Order == "" {
		return nil
	}
	b, err := wbucket(tx, ws, bOutboxOrder)
	if err != nil {
		return err
	}
	if in {
		return b.Put(lineKey(d), nil)
	}
	return b.Delete(lineKey(d))
}

// waits reports whether an earlier delivery of d's line is still queued.
func waits(lines *bolt.Bucket, d *store.Delivery) bool {
	if d.Order == "" || lines == nil {
		return false
	}
	k, _ := lines.Cursor().Seek([]byte(d.URL + "\x00" + d.Order + "\x00"))
	return k != nil && string(k) != string(lineKey(d))
}

// DueDeliveries returns up to limit due deliveries, earliest first.
func (s *Store) DueDeliveries(ws string, now time.Time, limit int, skip func(*store.Delivery) bool) ([]store.Delivery, time.Time, error) {
	var out []store.Delivery
	var next time.Time
	err := s.view(func(tx *bolt.Tx) error {
		b := bucket(tx, ws, bOutbox)
		if b == nil {
			return nil
		}
		lines := bucket(tx, ws, bOutboxOrder)
		c := b.Cursor()
		for k, v := c.First(); k != nil && len(out) < limit; k, v = c.Next() {
			if at := keyTime(k); at.After(now) {
				next = at
				return nil
			}
			var d store.Delivery
			if err := json.Unmarshal(v, &d); err != nil {
				return fmt.Errorf("decode delivery %x: %w", k, err)
			}
			d.Key = string(k)
			if (skip == nil || !skip(&d)) && !waits(lines, &d) {
				out = append(out, d)
			}
		}
		return nil
	})
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("store: due deliveries of %s: %w", ws, err)
	}
	return out, next, nil
}

// take removes a queued delivery; a delivery no longer queued is a
// refusal.
func take(tx *bolt.Tx, ws string, d *store.Delivery) error {
	b := bucket(tx, ws, bOutbox)
	if b == nil || b.Get([]byte(d.Key)) == nil {
		return fmt.Errorf("delivery %s: %w", d.ID, store.ErrNotFound)
	}
	if err := b.Delete([]byte(d.Key)); err != nil {
		return err
	}
	if err := line(tx, ws, d, false); err != nil {
		return err
	}
	if err := addTo(tx, ws, d.URL, -1); err != nil {
		return err
	}
	return addTo(tx, ws, allKey, -1)
}

// Delivered removes a delivery that reached its endpoint.
func (s *Store) Delivered(ctx context.Context, ws string, d *store.Delivery) error {
	return s.finish(ctx, ws, d, "delivered", func(tx *bolt.Tx) error { return take(tx, ws, d) })
}

// Retry stores d's new due time, attempts and error.
func (s *Store) Retry(ctx context.Context, ws string, d *store.Delivery) error {
	return s.finish(ctx, ws, d, "retry", func(tx *bolt.Tx) error {
		b := bucket(tx, ws, bOutbox)
		if b == nil || b.Get([]byte(d.Key)) == nil {
			return fmt.Errorf("delivery %s: %w", d.ID, store.ErrNotFound)
		}
		if err := b.Delete([]byte(d.Key)); err != nil {
			return err
		}
		return saveDelivery(b, d)
	})
}

// GiveUp moves d to the dead letters, keeping the newest keep.
func (s *Store) GiveUp(ctx context.Context, ws string, d *store.Delivery, keep int) error {
	return s.finish(ctx, ws, d, "give up", func(tx *bolt.Tx) error {
		if err := take(tx, ws, d); err != nil {
			return err
		}
		return bury(tx, ws, d, keep)
	})
}

func (s *Store) finish(ctx context.Context, ws string, d *store.Delivery, what string, fn func(tx *bolt.Tx) error) error {
	defer s.shared.release(claimKey(ws, d.Key)) // the key it was claimed under
	if err := s.update(ctx, fn); err != nil {
		return fmt.Errorf("store: %s %s of %s: %w", what, d.ID, ws, err)
	}
	return nil
}

func bury(tx *bolt.Tx, ws string, d *store.Delivery, keep int) error {
	if d.GaveUp == nil {
		return fmt.Errorf("delivery %s is buried without a give-up time", d.ID)
	}
	b, err := wbucket(tx, ws, bDead)
	if err != nil {
		return err
	}
	raw, err := json.Marshal(d)
	if err != nil {
		return err
	}
	if err := b.Put(timeKey(*d.GaveUp, d.ID), raw); err != nil {
		return err
	}
	n := getCount(bucket(tx, ws, bOutboxCounts), deadCountKey) + 1
	var old [][]byte
	c := b.Cursor()
	for k, _ := c.First(); k != nil && n-len(old) > max(keep, 0); k, _ = c.Next() {
		old = append(old, copyOf(k))
	}
	for _, k := range old {
		if err := b.Delete(k); err != nil {
			return err
		}
	}
	n -= len(old)
	counts, err := wbucket(tx, ws, bOutboxCounts)
	if err != nil {
		return err
	}
	return counts.Put([]byte(deadCountKey), binary.BigEndian.AppendUint64(nil, uint64(n)))
}

// OutboxLen is the number of deliveries waiting.
func (s *Store) OutboxLen(ws string) (int, error) {
	var n int
	err := s.view(func(tx *bolt.Tx) error {
		n = getCount(bucket(tx, ws, bOutboxCounts), allKey)
		return nil
	})
	return n, err
}

// DeadLetters lists the deliveries given up on, oldest first.
func (s *Store) DeadLetters(ws string) ([]store.Delivery, error) {
	var out []store.Delivery
	err := s.view(func(tx *bolt.Tx) error {
		b := bucket(tx, ws, bDead)
		if b == nil {
			return nil
		}
		return b.ForEach(func(_, v []byte) error {
			var d store.Delivery
			if err := json.Unmarshal(v, &d); err != nil {
				return err
			}
			out = append(out, d)
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("store: dead letters of %s: %w", ws, err)
	}
	return out, nil
}
