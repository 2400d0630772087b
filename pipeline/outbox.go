package pipeline

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/beckonhq/beckon/store"
)

// ErrOutboxFull is returned when a workspace already has Options.MaxOutbox
// pending deliveries: new events are refused rather than letting a dead
// endpoint grow the file without bound.
var ErrOutboxFull = errors.New("pipeline: webhook outbox full")

// Delivery is one event on its way to one endpoint, as stored in the outbox
// and, once given up, in the dead-letter bucket.
type Delivery struct {
	ID        string     `json:"id"`
	EventID   string     `json:"event_id"`
	Event     string     `json:"event"`
	URL       string     `json:"url"`
	Body      []byte     `json:"body"` // exactly the bytes sent and signed
	Created   time.Time  `json:"created"`
	Due       time.Time  `json:"due"`
	Attempts  int        `json:"attempts"`
	LastError string     `json:"last_error,omitempty"`
	GaveUp    *time.Time `json:"gave_up,omitempty"`
}

const (
	outboxCount = "outbox_count"
	deadCount   = "dead_count"
)

// timeKey sorts by time first, so a scan from the start meets the earliest
// due delivery first and can stop at the first one not yet due.
func timeKey(t time.Time, id string) string {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], uint64(t.UnixNano()))
	return string(b[:]) + id
}

func keyTime(key string) time.Time {
	return time.Unix(0, int64(binary.BigEndian.Uint64([]byte(key[:8]))))
}

// enqueue queues ev for every endpoint of ws subscribed to it, inside tx.
// Retry times run on the pipeline's clock, not the event's timestamp, which
// may come from a simulated journey.
func (p *Pipeline) enqueue(tx *store.Tx, ws string, ev Event) error {
	var hooks []Webhook
	for _, h := range p.webhooks(ws) {
		if h.wants(ev.Event) {
			hooks = append(hooks, h)
		}
	}
	if len(hooks) == 0 {
		return nil
	}
	n, err := count(tx, ws, outboxCount)
	if err != nil {
		return err
	}
	if n+len(hooks) > p.opt.MaxOutbox {
		return fmt.Errorf("%w: %d pending in %s", ErrOutboxFull, n, ws)
	}
	body, err := encodeEvent(ev)
	if err != nil {
		return fmt.Errorf("encode %s event: %w", ev.Event, err)
	}
	created := p.opt.Clock()
	for _, h := range hooks {
		seq, err := tx.NextSequence(bucket(ws, "outbox"))
		if err != nil {
			return err
		}
		d := &Delivery{ID: fmt.Sprintf("dlv_%d", seq), EventID: ev.ID, Event: ev.Event,
			URL: h.URL, Body: body, Created: created, Due: created}
		if err := putDelivery(tx, bucket(ws, "outbox"), timeKey(d.Due, d.ID), d); err != nil {
			return err
		}
	}
	return addCount(tx, ws, outboxCount, len(hooks))
}

func putDelivery(tx *store.Tx, path []string, key string, d *Delivery) error {
	b, err := json.Marshal(d)
	if err != nil {
		return fmt.Errorf("encode delivery %s: %w", d.ID, err)
	}
	return tx.Put(path, key, b)
}

func count(tx *store.Tx, ws, name string) (int, error) {
	b, err := tx.Get(bucket(ws, "pipeline_meta"), name)
	if errors.Is(err, store.ErrNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	n, err := strconv.Atoi(string(b))
	if err != nil {
		return 0, fmt.Errorf("counter %s: %w", name, err)
	}
	return n, nil
}

func addCount(tx *store.Tx, ws, name string, delta int) error {
	n, err := count(tx, ws, name)
	if err != nil {
		return err
	}
	return tx.Put(bucket(ws, "pipeline_meta"), name, []byte(strconv.Itoa(max(n+delta, 0))))
}

// done removes a delivered entry.
func done(tx *store.Tx, ws, key string) error {
	if err := tx.Delete(bucket(ws, "outbox"), key); err != nil {
		return err
	}
	return addCount(tx, ws, outboxCount, -1)
}

// reschedule moves an entry to its new due time.
func reschedule(tx *store.Tx, ws, key string, d *Delivery) error {
	if err := tx.Delete(bucket(ws, "outbox"), key); err != nil {
		return err
	}
	return putDelivery(tx, bucket(ws, "outbox"), timeKey(d.Due, d.ID), d)
}

// bury moves an entry to the dead-letter bucket, dropping the oldest dead
// letters beyond limit.
func bury(tx *store.Tx, ws, key string, d *Delivery, limit int) error {
	if err := done(tx, ws, key); err != nil {
		return err
	}
	if err := putDelivery(tx, bucket(ws, "dead_letter"), timeKey(*d.GaveUp, d.ID), d); err != nil {
		return err
	}
	if err := addCount(tx, ws, deadCount, 1); err != nil {
		return err
	}
	n, err := count(tx, ws, deadCount)
	if err != nil || n <= limit {
		return err
	}
	var old []string
	err = tx.Scan(bucket(ws, "dead_letter"), "", func(k string, _ []byte) (bool, error) {
		old = append(old, k)
		return len(old) < n-limit, nil
	})
	if err != nil {
		return err
	}
	for _, k := range old {
		if err := tx.Delete(bucket(ws, "dead_letter"), k); err != nil {
			return err
		}
	}
	return addCount(tx, ws, deadCount, -len(old))
}

// OutboxLen is the number of deliveries waiting in a workspace's outbox.
func (p *Pipeline) OutboxLen(ws string) (int, error) {
	var n int
	err := p.db.View(func(tx *store.Tx) error {
		var err error
		n, err = count(tx, ws, outboxCount)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("pipeline: outbox length of %s: %w", ws, err)
	}
	return n, nil
}

// DeadLetters lists the deliveries given up on in a workspace, oldest first.
func (p *Pipeline) DeadLetters(ws string) ([]Delivery, error) {
	var out []Delivery
	err := p.db.View(func(tx *store.Tx) error {
		return tx.Scan(bucket(ws, "dead_letter"), "", func(_ string, v []byte) (bool, error) {
			var d Delivery
			if err := json.Unmarshal(v, &d); err != nil {
				return false, err
			}
			out = append(out, d)
			return true, nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("pipeline: list dead letters of %s: %w", ws, err)
	}
	return out, nil
}
