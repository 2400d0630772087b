package pipeline

import (
	"errors"
	"fmt"
	"time"

	"github.com/beckonhq/beckon/engine"
	"github.com/beckonhq/beckon/store"
)

// ErrDuplicate is returned by Stage for a message id already recorded.
var ErrDuplicate = errors.New("pipeline: message already recorded")

// Sender returns the engine.Sender for one workspace.
func (p *Pipeline) Sender(ws string) engine.Sender { return sender{p: p, ws: ws} }

type sender struct {
	p  *Pipeline
	ws string
}

// Stage records m in tx: the record, its session index, the visitor's
// undelivered-queue entry and the message_sent webhook deliveries. A full
// outbox drops the webhook (logged), never the message: a stuck receiver must
// not stop the chat.
func (s sender) Stage(tx *store.Tx, m *engine.Message) error {
	if err := s.p.stage(tx, s.ws, m); err != nil {
		return fmt.Errorf("pipeline: stage message %s: %w", m.ID, err)
	}
	return nil
}

// Deliver pushes m to the visitor's open streams and, if one took it, marks
// it delivered.
func (s sender) Deliver(m *engine.Message) {
	s.p.poke() // Stage's outbox entries are committed by now
	if s.p.hub.offer(streamKey{s.ws, m.VisitorID}, m) > 0 {
		s.p.markDelivered(s.ws, m.ID)
	}
}

func (p *Pipeline) stage(tx *store.Tx, ws string, m *engine.Message) error {
	if m.ID == "" || m.VisitorID == "" {
		return errors.New("message id and visitor id are required")
	}
	if _, err := tx.Get(bucket(ws, "messages"), m.ID); err == nil {
		return ErrDuplicate
	} else if !errors.Is(err, store.ErrNotFound) {
		return err
	}
	seq, err := tx.NextSequence(bucket(ws, "messages"))
	if err != nil {
		return err
	}
	r := &Record{Message: *m, Status: StatusSent, SentAt: m.Time, Seq: seq}
	if r.SentAt.IsZero() {
		r.SentAt = p.opt.Clock()
	}
	if err := putRecord(tx, ws, r); err != nil {
		return err
	}
	if m.SessionID != "" {
		if err := tx.Put(bucket(ws, "session_messages"), seqKey(m.SessionID, seq), []byte(m.ID)); err != nil {
			return err
		}
	}
	if err := p.queue(tx, ws, r); err != nil {
		return err
	}
	err = p.enqueue(tx, ws, sentEvent(p.opt.NewID("evt"), r))
	if errors.Is(err, ErrOutboxFull) {
		p.log.Warn("webhook dropped", "workspace", ws, "event", EventMessageSent, "message_id", m.ID, "err", err)
		return nil
	}
	return err
}

// queue adds r to its visitor's undelivered queue, keeping only the newest
// QueueLen: a widget opened after a long absence should not get a flood.
func (p *Pipeline) queue(tx *store.Tx, ws string, r *Record) error {
	path := bucket(ws, "undelivered")
	if err := tx.Put(path, seqKey(r.VisitorID, r.Seq), []byte(r.ID)); err != nil {
		return err
	}
	var keys []string
	err := scanPrefix(tx, path, r.VisitorID, func(k, _ string) error {
		keys = append(keys, k)
		return nil
	})
	if err != nil {
		return err
	}
	for len(keys) > p.opt.QueueLen {
		if err := tx.Delete(path, keys[0]); err != nil {
			return err
		}
		keys = keys[1:]
	}
	return nil
}

// markDelivered records at once, in memory, that streams took these
// messages, and writes it in the background; reads merge the two meanwhile.
func (p *Pipeline) markDelivered(ws string, ids ...string) {
	at := p.opt.Clock()
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return // still queued: the next stream gets it again
	}
	for _, id := range ids {
		p.delivered[ws+"\x00"+id] = at
	}
	p.writes.Add(1)
	p.mu.Unlock()
	go p.writeDelivered(ws, ids, at)
}

func (p *Pipeline) writeDelivered(ws string, ids []string, at time.Time) {
	defer p.writes.Done()
	err := p.db.Batch(func(tx *store.Tx) error {
		for _, id := range ids {
			if err := p.advance(tx, ws, "", id, StatusDelivered, at); err != nil {
				return fmt.Errorf("message %s: %w", id, err)
			}
		}
		return nil
	})
	if err != nil {
		p.log.Error("write delivered status", "workspace", ws, "err", err)
	}
	p.mu.Lock()
	for _, id := range ids {
		delete(p.delivered, ws+"\x00"+id)
	}
	p.mu.Unlock()
	p.poke()
}
