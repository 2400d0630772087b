package pipeline

import (
	"errors"
	"fmt"
	"time"

	"github.com/beckonhq/beckon/store"
)

// Ack records a widget's report that a message was delivered or read.
// Statuses only move forward; an ack that does not is a no-op. A message of
// another visitor is reported as ErrNotFound, so ids cannot be probed.
func (p *Pipeline) Ack(ws, visitorID, messageID, status string) error {
	to, err := ParseStatus(status)
	if err == nil && to < StatusDelivered {
		err = fmt.Errorf("%w %q for an ack", ErrInvalidStatus, status)
	}
	if err != nil {
		return fmt.Errorf("pipeline: ack %s: %w", messageID, err)
	}
	if visitorID == "" {
		return fmt.Errorf("pipeline: ack %s: %w", messageID, ErrNotFound)
	}
	at := p.opt.Clock()
	err = p.db.Batch(func(tx *store.Tx) error {
		return p.advance(tx, ws, visitorID, messageID, to, at)
	})
	if err != nil {
		return fmt.Errorf("pipeline: ack %s %s: %w", messageID, status, err)
	}
	p.poke()
	return nil
}

// advance moves a message forward to `to`. Each status passed on the way
// (sent → read passes delivered) gets its own message_status webhook, so a
// receiver always sees delivered before read. visitorID "" skips the
// ownership check.
func (p *Pipeline) advance(tx *store.Tx, ws, visitorID, id string, to Status, at time.Time) error {
	r, err := getRecord(tx, ws, id)
	if err != nil {
		return err
	}
	if visitorID != "" && r.VisitorID != visitorID {
		return ErrNotFound
	}
	from := r.Status
	if from >= to {
		return nil
	}
	for s := from + 1; s <= to; s++ {
		stamp(r, s, at)
	}
	r.Status = to
	if err := putRecord(tx, ws, r); err != nil {
		return err
	}
	if from < StatusDelivered {
		if err := tx.Delete(bucket(ws, "undelivered"), seqKey(r.VisitorID, r.Seq)); err != nil {
			return err
		}
	}
	for s := from + 1; s <= to; s++ {
		err := p.enqueue(tx, ws, statusEvent(p.opt.NewID("evt"), r, s, at))
		if errors.Is(err, ErrOutboxFull) {
			p.log.Warn("webhook dropped", "workspace", ws, "event", EventMessageStatus, "message_id", id, "err", err)
		} else if err != nil {
			return err
		}
	}
	return nil
}

func stamp(r *Record, s Status, at time.Time) {
	switch s {
	case StatusDelivered:
		r.DeliveredAt = &at
	case StatusRead:
		r.ReadAt = &at
	}
}
