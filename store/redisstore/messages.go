package redisstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"github.com/valkey-io/valkey-go"

	"github.com/beckonhq/beckon/message"
	"github.com/beckonhq/beckon/store"
)

// errChanged: a record changed between UpdateMessage's read and write.
var errChanged = errors.New("message changed meanwhile")

// Message returns a message record.
func (s *Store) Message(ws, id string) (message.Record, error) {
	ctx, cancel := s.opCtx()
	defer cancel()
	r, _, _, err := s.findMessage(ctx, ws, id)
	if err != nil {
		return message.Record{}, fmt.Errorf("store: message %s: %w", id, err)
	}
	return r, nil
}

// findMessage reads a record from whichever partition holds it, with its
// stored form.
func (s *Store) findMessage(ctx context.Context, ws, id string) (message.Record, string, int, error) {
	cmds := make(valkey.Commands, s.cfg.Partitions)
	for p := range cmds {
		cmds[p] = s.client.B().Hmget().Key(s.base(ws, p)+":m:"+id).Field("r", "seq").Build()
	}
	for p, res := range s.client.DoMulti(ctx, cmds...) {
		vals, err := res.ToArray()
		if err != nil {
			return message.Record{}, "", 0, err
		}
		if vals[0].IsNil() {
			continue
		}
		raw, _ := vals[0].ToString()
		seq, _ := vals[1].ToString()
		r, err := decodeRecord(raw, seq)
		return r, raw, p, err
	}
	return message.Record{}, "", 0, store.ErrNotFound
}

func decodeRecord(raw, seq string) (message.Record, error) {
	var r message.Record
	if err := json.Unmarshal([]byte(raw), &r); err != nil {
		return r, fmt.Errorf("decode message: %w", err)
	}
	r.Seq, _ = strconv.ParseUint(seq, 10, 64)
	return r, nil
}

// SessionMessages returns a session's messages in the order recorded.
func (s *Store) SessionMessages(ws, sessionID string) ([]message.Record, error) {
	ctx, cancel := s.opCtx()
	defer cancel()
	var out []message.Record
	for _, res := range s.runEach(ctx, listScript, ws, ":sm:"+sessionID) {
		recs, err := decodeList(res, false)
		if err != nil {
			return nil, fmt.Errorf("store: messages of session %s: %w", sessionID, err)
		}
		out = append(out, recs...)
	}
	return out, nil
}

// Undelivered returns a visitor's queued messages, oldest first.
func (s *Store) Undelivered(ws, visitorID string) ([]message.Record, error) {
	ctx, cancel := s.opCtx()
	defer cancel()
	res := s.run(ctx, listScript, s.base(ws, s.part(visitorID)), ":q:"+visitorID)
	out, err := decodeList(res, true)
	if err != nil {
		return nil, fmt.Errorf("store: queue of visitor %s: %w", visitorID, err)
	}
	return out, nil
}

// decodeList reads list.lua's answer; queued keeps only what is still
// to deliver.
func decodeList(res valkey.ValkeyResult, queued bool) ([]message.Record, error) {
	arr, err := res.ToArray()
	if err != nil {
		return nil, err
	}
	var out []message.Record
	for _, item := range arr {
		f, err := item.AsStrSlice()
		if err != nil {
			return nil, err
		}
		if st, _ := strconv.Atoi(f[3]); queued && st >= int(message.StatusDelivered) {
			continue
		}
		r, err := decodeRecord(f[1], f[2])
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

// UpdateMessage reads a record, lets fn change it and writes it with fn's
// batch, if the record did not change meanwhile; else it tries again.
func (s *Store) UpdateMessage(ctx context.Context, ws, id string, fn func(*message.Record) (*store.Batch, error)) error {
	for range 20 {
		err := s.updateOnce(ctx, ws, id, fn)
		if !errors.Is(err, errChanged) {
			if err != nil {
				return fmt.Errorf("store: update message %s: %w", id, err)
			}
			return nil
		}
	}
	return fmt.Errorf("store: update message %s: %w", id, errChanged)
}

func (s *Store) updateOnce(ctx context.Context, ws, id string, fn func(*message.Record) (*store.Batch, error)) error {
	r, old, p, err := s.findMessage(ctx, ws, id)
	if err != nil {
		return err
	}
	was := r.Status
	b, err := fn(&r)
	if err != nil || b == nil {
		return err
	}
	b.Workspace = ws
	b.Dropped, b.Stale = 0, nil
	for i := range b.Deliveries {
		b.Deliveries[i].VisitorID = r.VisitorID // in the record's partition
	}
	parts, order, err := s.split(b, p)
	if err != nil {
		return err
	}
	c := r
	c.Seq = 0
	raw, err := json.Marshal(&c)
	if err != nil {
		return err
	}
	pt := parts[p]
	pt.h.U = &uHeader{ID: id, Old: pt.blob([]byte(old)), New: pt.blob(raw), St: strconv.Itoa(int(r.Status)), Vid: r.VisitorID,
		Deq: was < message.StatusDelivered && r.Status >= message.StatusDelivered}
	for _, n := range order {
		if err := s.commitPart(ctx, b, n, parts[n]); err != nil {
			return err
		}
	}
	return nil
}
