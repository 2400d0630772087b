package pipeline

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/beckonhq/beckon/engine"
	"github.com/beckonhq/beckon/store"
)

// ErrNotFound is returned for a message that does not exist in the
// workspace, or that belongs to another visitor.
var ErrNotFound = errors.New("pipeline: message not found")

// Record is a stored message: the engine's message plus its status. It is
// also the JSON shape stored under [ws, "messages"].
type Record struct {
	engine.Message
	Status      Status     `json:"status"`
	SentAt      time.Time  `json:"sent_at"`
	DeliveredAt *time.Time `json:"delivered_at,omitempty"`
	ReadAt      *time.Time `json:"read_at,omitempty"`
	Seq         uint64     `json:"seq"` // send order within the workspace
}

func bucket(ws, name string) []string { return []string{ws, name} }

// seqKey orders keys under one prefix by sequence: zero-padding makes the
// byte order the numeric order.
func seqKey(prefix string, seq uint64) string {
	return fmt.Sprintf("%s/%020d", prefix, seq)
}

func getRecord(tx *store.Tx, ws, id string) (*Record, error) {
	b, err := tx.Get(bucket(ws, "messages"), id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("pipeline: read message %s: %w", id, err)
	}
	var r Record
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("pipeline: decode message %s: %w", id, err)
	}
	return &r, nil
}

func putRecord(tx *store.Tx, ws string, r *Record) error {
	b, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("pipeline: encode message %s: %w", r.ID, err)
	}
	return tx.Put(bucket(ws, "messages"), r.ID, b)
}

// scanPrefix calls fn for each value under prefix+"/"+seq, in seq order.
func scanPrefix(tx *store.Tx, path []string, prefix string, fn func(key, value string) error) error {
	start := prefix + "/"
	return tx.Scan(path, start, func(k string, v []byte) (bool, error) {
		if !strings.HasPrefix(k, start) {
			return false, nil
		}
		if len(k) != len(start)+20 { // a longer id that shares the prefix
			return true, nil
		}
		return true, fn(k, string(v))
	})
}

// Message returns a stored message with its current status.
func (p *Pipeline) Message(ws, id string) (Record, error) {
	var r *Record
	err := p.db.View(func(tx *store.Tx) error {
		var err error
		r, err = getRecord(tx, ws, id)
		return err
	})
	if err != nil {
		return Record{}, fmt.Errorf("pipeline: message %s: %w", id, err)
	}
	p.overlay(ws, r)
	return *r, nil
}

// Status returns a message's current status.
func (p *Pipeline) Status(ws, id string) (Status, error) {
	r, err := p.Message(ws, id)
	return r.Status, err
}

// SessionMessages lists a session's messages in send order. An unknown
// session has none.
func (p *Pipeline) SessionMessages(ws, sessionID string) ([]Record, error) {
	var out []Record
	err := p.db.View(func(tx *store.Tx) error {
		return scanPrefix(tx, bucket(ws, "session_messages"), sessionID, func(_, id string) error {
			r, err := getRecord(tx, ws, id)
			if err != nil {
				return err
			}
			out = append(out, *r)
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("pipeline: list session %s: %w", sessionID, err)
	}
	for i := range out {
		p.overlay(ws, &out[i])
	}
	return out, nil
}

// overlay applies a delivery that is known in memory but not yet written.
func (p *Pipeline) overlay(ws string, r *Record) {
	p.mu.Lock()
	at, ok := p.delivered[ws+"\x00"+r.ID]
	p.mu.Unlock()
	if ok && r.Status < StatusDelivered {
		r.Status = StatusDelivered
		r.DeliveredAt = &at
	}
}
