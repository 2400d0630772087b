package boltstore

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/beckonhq/beckon/message"
)

// replyKey is a reply's key in bReplies: its sequence number, big-endian,
// so the bucket is in recorded order.
func replyKey(seq uint64) []byte { return binary.BigEndian.AppendUint64(nil, seq) }

// putReply records a new reply with the next sequence number, its place
// in its session's transcript, and its expiry.
func putReply(tx *bolt.Tx, ws string, r *message.Reply) error {
	b, err := wbucket(tx, ws, bReplies)
	if err != nil {
		return err
	}
	if r.Seq, err = b.NextSequence(); err != nil {
		return err
	}
	raw, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("encode reply %s: %w", r.ID, err)
	}
	if err := b.Put(replyKey(r.Seq), raw); err != nil {
		return err
	}
	if r.SessionID != "" {
		sb, err := wbucket(tx, ws, bSessionReplies)
		if err != nil {
			return err
		}
		if err := sb.Put(seqKey(r.SessionID, r.Seq), nil); err != nil {
			return err
		}
	}
	return putExpiry(tx, ws, expReply, r.Time, strconv.FormatUint(r.Seq, 10))
}

func getReply(b *bolt.Bucket, seq uint64) (*message.Reply, error) {
	raw := b.Get(replyKey(seq))
	if raw == nil {
		return nil, nil
	}
	var r message.Reply
	if err := json.Unmarshal(raw, &r); err != nil {
		return nil, fmt.Errorf("decode reply %d: %w", seq, err)
	}
	return &r, nil
}

// SessionReplies returns a session's replies in the order recorded.
func (s *Store) SessionReplies(ws, sessionID string) ([]message.Reply, error) {
	var out []message.Reply
	err := s.view(func(tx *bolt.Tx) error {
		idx, b := bucket(tx, ws, bSessionReplies), bucket(tx, ws, bReplies)
		if idx == nil || b == nil {
			return nil
		}
		for _, k := range prefixKeys(idx, sessionID) {
			seq, err := strconv.ParseUint(string(k[len(sessionID)+1:]), 10, 64)
			if err != nil {
				return fmt.Errorf("bad transcript key %q", k)
			}
			r, err := getReply(b, seq)
			if err != nil {
				return err
			}
			if r != nil {
				out = append(out, *r)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: replies of session %s: %w", sessionID, err)
	}
	return out, nil
}

// RecentReplies returns the latest replies, newest first.
func (s *Store) RecentReplies(ws string, limit int) ([]message.Reply, error) {
	var out []message.Reply
	err := s.view(func(tx *bolt.Tx) error {
		b := bucket(tx, ws, bReplies)
		if b == nil {
			return nil
		}
		c := b.Cursor()
		for k, raw := c.Last(); k != nil && len(out) < limit; k, raw = c.Prev() {
			var r message.Reply
			if err := json.Unmarshal(raw, &r); err != nil {
				return fmt.Errorf("decode reply %x: %w", k, err)
			}
			out = append(out, r)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: latest replies of %s: %w", ws, err)
	}
	return out, nil
}

// deleteReply deletes a reply (id: its sequence number) sent before
// cutoff, and its place in its session's transcript.
func deleteReply(tx *bolt.Tx, ws, id string, cutoff time.Time) (bool, error) {
	seq, err := strconv.ParseUint(id, 10, 64)
	b := bucket(tx, ws, bReplies)
	if err != nil || b == nil {
		return false, nil
	}
	r, err := getReply(b, seq)
	if err != nil || r == nil || !r.Time.Before(cutoff) {
		return false, err
	}
	if idx := bucket(tx, ws, bSessionReplies); idx != nil {
		if err := idx.Delete(seqKey(r.SessionID, seq)); err != nil {
			return false, err
		}
	}
	return true, b.Delete(replyKey(seq))
}
