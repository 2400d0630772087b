package boltstore

import (
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/beckonhq/beckon/store"
)

// A stored visitor is a header the store reads, then the owner's data:
// version (8 bytes), last seen and session start (8 each, Unix ns), the
// session id's length (uvarint) and bytes, the number of wakeups (uvarint)
// and each (8 bytes, Unix ns), then Data.
const headerFixed = 8 + 8 + 8

// visitorFill is how full a page of visitors is left when it splits:
// fuller than bbolt's default (half), since visitors are mostly added
// and rewritten in place, rarely deleted.
const visitorFill = 0.9

func encodeVisitor(v *store.Visitor) []byte {
	b := make([]byte, 0, headerFixed+2+len(v.SessionID)+len(v.Data))
	b = binary.BigEndian.AppendUint64(b, v.Version)
	b = binary.BigEndian.AppendUint64(b, uint64(unixNano(v.LastSeen)))
	b = binary.BigEndian.AppendUint64(b, uint64(unixNano(v.SessionStart)))
	b = binary.AppendUvarint(b, uint64(len(v.SessionID)))
	b = append(b, v.SessionID...)
	b = binary.AppendUvarint(b, uint64(len(v.Wakeups)))
	for _, w := range v.Wakeups {
		b = binary.BigEndian.AppendUint64(b, uint64(unixNano(w)))
	}
	return append(b, v.Data...)
}

// header is the decoded header of a stored visitor; data points into the
// value it was decoded from.
type header struct {
	version      uint64
	lastSeen     time.Time
	sessionStart time.Time
	wakeups      []time.Time
	sessionID    string
	data         []byte
}

func decodeHeader(b []byte) (header, error) {
	errShort := errors.New("visitor record is cut short")
	if len(b) < headerFixed {
		return header{}, errShort
	}
	h := header{
		version:      binary.BigEndian.Uint64(b),
		lastSeen:     fromUnixNano(int64(binary.BigEndian.Uint64(b[8:]))),
		sessionStart: fromUnixNano(int64(binary.BigEndian.Uint64(b[16:]))),
	}
	rest := b[headerFixed:]
	n, w := binary.Uvarint(rest)
	if w <= 0 || uint64(len(rest)-w) < n {
		return header{}, errShort
	}
	h.sessionID, rest = string(rest[w:w+int(n)]), rest[w+int(n):]
	n, w = binary.Uvarint(rest)
	if w <= 0 || uint64(len(rest)-w)/8 < n {
		return header{}, errShort
	}
	rest = rest[w:]
	for range n {
		h.wakeups = append(h.wakeups, fromUnixNano(int64(binary.BigEndian.Uint64(rest))))
		rest = rest[8:]
	}
	h.data = rest
	return h, nil
}

func unixNano(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

func fromUnixNano(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}

// putVisitor writes v unless the stored version is as new, and keeps the
// session, timer and expiry indexes in step. It reports whether it wrote.
func putVisitor(tx *bolt.Tx, ws string, v *store.Visitor) (bool, error) {
	b, err := wbucket(tx, ws, bVisitors)
	if err != nil {
		return false, err
	}
	b.FillPercent = visitorFill
	var old header
	if raw := b.Get([]byte(v.ID)); raw != nil {
		if old, err = decodeHeader(raw); err != nil {
			return false, fmt.Errorf("visitor %s: %w", v.ID, err)
		}
		if old.version >= v.Version {
			return false, nil
		}
	}
	if err := b.Put([]byte(v.ID), encodeVisitor(v)); err != nil {
		return false, err
	}
	if err := indexSession(tx, ws, v, old.sessionID); err != nil {
		return false, err
	}
	if err := indexTimers(tx, ws, v, len(old.wakeups) > 0); err != nil {
		return false, err
	}
	if old.lastSeen.IsZero() || day(old.lastSeen) != day(v.LastSeen) {
		if !old.lastSeen.IsZero() {
			if err := deleteExpiry(tx, ws, expVisitor, old.lastSeen, v.ID); err != nil {
				return false, err
			}
		}
		return true, putExpiry(tx, ws, expVisitor, v.LastSeen, v.ID)
	}
	return true, nil
}

func indexSession(tx *bolt.Tx, ws string, v *store.Visitor, oldSession string) error {
	if v.SessionID == "" || v.SessionID == oldSession {
		return nil
	}
	b, err := wbucket(tx, ws, bSessions)
	if err != nil {
		return err
	}
	if err := b.Put([]byte(v.SessionID), []byte(v.ID)); err != nil {
		return err
	}
	return putExpiry(tx, ws, expSession, v.SessionStart, v.SessionID)
}

func indexTimers(tx *bolt.Tx, ws string, v *store.Visitor, had bool) error {
	has := len(v.Wakeups) > 0
	if has == had {
		return nil
	}
	b, err := wbucket(tx, ws, bTimers)
	if err != nil {
		return err
	}
	if has {
		return b.Put([]byte(v.ID), nil)
	}
	return b.Delete([]byte(v.ID))
}

// Visitor returns a visitor's latest committed state.
func (s *Store) Visitor(ws, id string) (store.Visitor, error) {
	var v store.Visitor
	err := s.view(func(tx *bolt.Tx) error {
		var err error
		v, err = getVisitor(tx, ws, id)
		return err
	})
	if err != nil {
		return store.Visitor{}, fmt.Errorf("store: visitor %s: %w", id, err)
	}
	return v, nil
}

func getVisitor(tx *bolt.Tx, ws, id string) (store.Visitor, error) {
	b := bucket(tx, ws, bVisitors)
	if b == nil {
		return store.Visitor{}, store.ErrNotFound
	}
	raw := b.Get([]byte(id))
	if raw == nil {
		return store.Visitor{}, store.ErrNotFound
	}
	h, err := decodeHeader(raw)
	if err != nil {
		return store.Visitor{}, err
	}
	return store.Visitor{ID: id, Version: h.version, LastSeen: h.lastSeen, SessionID: h.sessionID,
		SessionStart: h.sessionStart, Wakeups: h.wakeups, Data: copyOf(h.data)}, nil
}

// SessionVisitor returns the visitor a session belongs to.
func (s *Store) SessionVisitor(ws, sessionID string) (string, error) {
	var id string
	err := s.view(func(tx *bolt.Tx) error {
		b := bucket(tx, ws, bSessions)
		if b == nil {
			return store.ErrNotFound
		}
		v := b.Get([]byte(sessionID))
		if v == nil {
			return store.ErrNotFound
		}
		id = string(v)
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("store: session %s: %w", sessionID, err)
	}
	return id, nil
}

// VisitorsWithTimers returns every visitor committed with wakeups.
func (s *Store) VisitorsWithTimers(ws string) ([]store.Visitor, error) {
	var out []store.Visitor
	err := s.view(func(tx *bolt.Tx) error {
		b := bucket(tx, ws, bTimers)
		if b == nil {
			return nil
		}
		return b.ForEach(func(k, _ []byte) error {
			v, err := getVisitor(tx, ws, string(k))
			if err != nil {
				return fmt.Errorf("visitor %s: %w", k, err)
			}
			out = append(out, v)
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("store: visitors with timers: %w", err)
	}
	return out, nil
}
