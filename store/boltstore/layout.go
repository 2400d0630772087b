package boltstore

import (
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// The file's layout: a bucket "beckon" with the format version, and one
// bucket per workspace holding these buckets. Every bucket name is here.
const (
	metaBucket = "beckon"
	formatKey  = "format"
	format     = "2"

	bVisitors    = "visitors"         // id → visitor header + data
	bSessions    = "sessions"         // session id → visitor id
	bTimers      = "timers"           // visitor id → "" while it has wakeups
	bMessages    = "messages"         // message id → record (JSON)
	bSessionMsgs = "session_messages" // session id/seq → message id
	// A visitor's queue of undelivered messages is kept in bVisitors, next
	// to the visitor (see queuePrefix): a send writes both, and they share
	// a page.
	bReplies        = "replies"         // seq (8 bytes, big-endian) → reply (JSON)
	bSessionReplies = "session_replies" // session id/seq → ""
	bOutbox         = "outbox"          // due time + delivery id → delivery (JSON)
	bOutboxCounts   = "outbox_counts"   // endpoint URL → deliveries waiting
	bOutboxOrder    = "outbox_order"    // URL + 0 + order + 0 + delivery id → "": deliveries in line
	bDead           = "dead_letter"     // give-up time + delivery id → delivery (JSON)
	bIdempotency    = "idempotency"     // key → record (JSON)
	bCounts         = "counts"          // hour + rule + "\x00" + name → count
	bExpiry         = "expiry"          // kind + day + id → "": what to sweep, by day
	bTokens         = "visitor_tokens"  // visitor id → unix seconds its token was given
	deadCountKey    = "\x00dead"        // in bOutboxCounts: dead letters kept
	allKey          = "\x00all"         // in bOutboxCounts: deliveries waiting in all
)

// Kinds of expiry keys.
const (
	expVisitor     byte = 'v'
	expSession     byte = 's'
	expMessage     byte = 'm'
	expReply       byte = 'r'
	expIdempotency byte = 'i'
	expToken       byte = 't'
)

var errOldFormat = errors.New("it was written by an older Beckon, whose format this one does not read; move it away to start afresh")

// checkFormat marks a new file with the format, and refuses a file with
// data but no (or another) format.
func checkFormat(db *bolt.DB) error {
	return db.Update(func(tx *bolt.Tx) error {
		if m := tx.Bucket([]byte(metaBucket)); m != nil {
			if got := string(m.Get([]byte(formatKey))); got != format {
				return fmt.Errorf("format %q is not %q: %w", got, format, errOldFormat)
			}
			return nil
		}
		if k, _ := tx.Cursor().First(); k != nil {
			return errOldFormat
		}
		m, err := tx.CreateBucket([]byte(metaBucket))
		if err != nil {
			return err
		}
		return m.Put([]byte(formatKey), []byte(format))
	})
}

// bucket returns the workspace's bucket name, or nil when it does not
// exist (read transactions).
func bucket(tx *bolt.Tx, ws, name string) *bolt.Bucket {
	w := tx.Bucket([]byte(ws))
	if w == nil {
		return nil
	}
	return w.Bucket([]byte(name))
}

// wbucket returns the workspace's bucket name, creating it.
func wbucket(tx *bolt.Tx, ws, name string) (*bolt.Bucket, error) {
	if ws == "" || ws == metaBucket {
		return nil, fmt.Errorf("store: %q is not a workspace id", ws)
	}
	w, err := tx.CreateBucketIfNotExists([]byte(ws))
	if err != nil {
		return nil, err
	}
	return w.CreateBucketIfNotExists([]byte(name))
}

// seqKey orders keys under one prefix by sequence: zero-padding makes the
// byte order the numeric order.
func seqKey(prefix string, seq uint64) []byte {
	return fmt.Appendf(nil, "%s/%020d", prefix, seq)
}

// queuePrefix is where a visitor's queue entries are: right after the
// visitor in bVisitors (ids never hold a NUL), as visitor id, NUL, "q",
// then "/" and the message's sequence number (see seqKey).
func queuePrefix(visitorID string) string { return visitorID + "\x00q" }

// timeKey sorts by time first, so a scan from the start meets the
// earliest first.
func timeKey(t time.Time, id string) []byte {
	b := binary.BigEndian.AppendUint64(nil, uint64(t.UnixNano()))
	return append(b, id...)
}

func keyTime(key []byte) time.Time {
	return time.Unix(0, int64(binary.BigEndian.Uint64(key[:8]))).UTC()
}

// day numbers the UTC day of t.
func day(t time.Time) uint32 {
	return uint32(t.Unix() / 86400)
}

func expiryKey(kind byte, d uint32, id string) []byte {
	b := binary.BigEndian.AppendUint32([]byte{kind}, d)
	return append(b, id...)
}

func putExpiry(tx *bolt.Tx, ws string, kind byte, t time.Time, id string) error {
	b, err := wbucket(tx, ws, bExpiry)
	if err != nil {
		return err
	}
	return b.Put(expiryKey(kind, day(t), id), nil)
}

func deleteExpiry(tx *bolt.Tx, ws string, kind byte, t time.Time, id string) error {
	if b := bucket(tx, ws, bExpiry); b != nil {
		return b.Delete(expiryKey(kind, day(t), id))
	}
	return nil
}

func hourKey(t time.Time, rule, name string) []byte {
	b := binary.BigEndian.AppendUint64(nil, uint64(t.Truncate(time.Hour).Unix()))
	b = append(b, rule...)
	b = append(b, 0)
	return append(b, name...)
}

// copyOf copies a value out of the memory map.
func copyOf(v []byte) []byte { return append([]byte(nil), v...) }
