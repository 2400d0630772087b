package boltstore

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"github.com/beckonhq/beckon/message"
	"github.com/beckonhq/beckon/store"
)

func getRecord(tx *bolt.Tx, ws, id string) (*message.Record, error) {
	b := bucket(tx, ws, bMessages)
	if b == nil {
		return nil, store.ErrNotFound
	}
	raw := b.Get([]byte(id))
	if raw == nil {
		return nil, store.ErrNotFound
	}
	var r message.Record
	if err := json.Unmarshal(raw, &r); err != nil {
		return nil, fmt.Errorf("decode message %s: %w", id, err)
	}
	return &r, nil
}

func saveRecord(tx *bolt.Tx, ws string, r *message.Record) error {
	raw, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("encode message %s: %w", r.ID, err)
	}
	b, err := wbucket(tx, ws, bMessages)
	if err != nil {
		return err
	}
	return b.Put([]byte(r.ID), raw)
}

// checkNewMessage refuses an id that is already recorded.
func checkNewMessage(tx *bolt.Tx, ws string, r *message.Record) error {
	if r.ID == "" || r.VisitorID == "" {
		return errors.New("a message needs an id and a visitor id")
	}
	if b := bucket(tx, ws, bMessages); b != nil && b.Get([]byte(r.ID)) != nil {
		return fmt.Errorf("message %s: %w", r.ID, store.ErrDuplicate)
	}
	return nil
}

// putMessage records a new message: its record with the next sequence
// number, its place in its session's list and in its visitor's queue, and
// its expiry.
func putMessage(tx *bolt.Tx, ws string, r *message.Record, queueLimit int) error {
	b, err := wbucket(tx, ws, bMessages)
	if err != nil {
		return err
	}
	if r.Seq, err = b.NextSequence(); err != nil {
		return err
	}
	if err := saveRecord(tx, ws, r); err != nil {
		return err
	}
	if r.SessionID != "" {
		sb, err := wbucket(tx, ws, bSessionMsgs)
		if err != nil {
			return err
		}
		if err := sb.Put(seqKey(r.SessionID, r.Seq), []byte(r.ID)); err != nil {
			return err
		}
	}
	if r.Status < message.StatusDelivered {
		if err := enqueue(tx, ws, r, queueLimit); err != nil {
			return err
		}
	}
	return putExpiry(tx, ws, expMessage, r.SentAt, r.ID)
}

// enqueue adds r to its visitor's queue, keeping only the newest limit.
func enqueue(tx *bolt.Tx, ws string, r *message.Record, limit int) error {
	b, err := wbucket(tx, ws, bVisitors)
	if err != nil {
		return err
	}
	b.FillPercent = visitorFill
	if err := b.Put(seqKey(queuePrefix(r.VisitorID), r.Seq), []byte(r.ID)); err != nil {
		return err
	}
	if limit <= 0 {
		return nil
	}
	keys := prefixKeys(b, queuePrefix(r.VisitorID))
	for len(keys) > limit {
		if err := b.Delete(keys[0]); err != nil {
			return err
		}
		keys = keys[1:]
	}
	return nil
}

// prefixKeys lists the keys prefix/SEQ in order; a longer id that only
// shares the prefix is left out.
func prefixKeys(b *bolt.Bucket, prefix string) [][]byte {
	start := []byte(prefix + "/")
	var keys [][]byte
	c := b.Cursor()
	for k, _ := c.Seek(start); k != nil && bytes.HasPrefix(k, start); k, _ = c.Next() {
		if len(k) == len(start)+20 {
			keys = append(keys, copyOf(k))
		}
	}
	return keys
}

// Message returns a message record.
func (s *Store) Message(ws, id string) (message.Record, error) {
	var r *message.Record
	err := s.view(func(tx *bolt.Tx) error {
		var err error
		r, err = getRecord(tx, ws, id)
		return err
	})
	if err != nil {
		return message.Record{}, fmt.Errorf("store: message %s: %w", id, err)
	}
	return *r, nil
}

// SessionMessages returns a session's messages in the order recorded.
func (s *Store) SessionMessages(ws, sessionID string) ([]message.Record, error) {
	out, err := s.listed(ws, bSessionMsgs, sessionID)
	if err != nil {
		return nil, fmt.Errorf("store: messages of session %s: %w", sessionID, err)
	}
	return out, nil
}

// Undelivered returns a visitor's queued messages, oldest first.
func (s *Store) Undelivered(ws, visitorID string) ([]message.Record, error) {
	out, err := s.listed(ws, bVisitors, queuePrefix(visitorID))
	if err != nil {
		return nil, fmt.Errorf("store: queue of visitor %s: %w", visitorID, err)
	}
	return out, nil
}

// listed reads the records an index lists under prefix, in order.
func (s *Store) listed(ws, index, prefix string) ([]message.Record, error) {
	var out []message.Record
	err := s.view(func(tx *bolt.Tx) error {
		b := bucket(tx, ws, index)
		if b == nil {
			return nil
		}
		for _, k := range prefixKeys(b, prefix) {
			r, err := getRecord(tx, ws, string(b.Get(k)))
			if err != nil {
				return err
			}
			out = append(out, *r)
		}
		return nil
	})
	return out, err
}

// UpdateMessage reads, changes and writes a record with fn's batch.
func (s *Store) UpdateMessage(ctx context.Context, ws, id string, fn func(*message.Record) (*store.Batch, error)) error {
	err := s.update(ctx, func(tx *bolt.Tx) error {
		r, err := getRecord(tx, ws, id)
		if err != nil {
			return err
		}
		was := r.Status
		b, err := fn(r)
		if err != nil || b == nil {
			return err
		}
		b.Workspace = ws
		if err := checkBatch(tx, b); err != nil {
			return err
		}
		if err := saveRecord(tx, ws, r); err != nil {
			return err
		}
		if was < message.StatusDelivered && r.Status >= message.StatusDelivered {
			if ub := bucket(tx, ws, bVisitors); ub != nil {
				if err := ub.Delete(seqKey(queuePrefix(r.VisitorID), r.Seq)); err != nil {
					return err
				}
			}
		}
		return writeBatch(tx, b)
	})
	if err != nil {
		return fmt.Errorf("store: update message %s: %w", id, err)
	}
	return nil
}
