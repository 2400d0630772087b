package redisstore

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/valkey-io/valkey-go"

	"github.com/beckonhq/beckon/store"
)

// A delivery's Key is its partition and id: "3/dlv_…".
func deliveryKey(p int, id string) string { return strconv.Itoa(p) + "/" + id }

func splitKey(key string) (int, string, error) {
	ps, id, ok := strings.Cut(key, "/")
	p, err := strconv.Atoi(ps)
	if !ok || err != nil {
		return 0, "", fmt.Errorf("%q is not a delivery key", key)
	}
	return p, id, nil
}

// DueDeliveries returns up to limit due deliveries, earliest first.
func (s *Store) DueDeliveries(ws string, now time.Time, limit int, skip func(*store.Delivery) bool) ([]store.Delivery, time.Time, error) {
	ctx, cancel := s.opCtx()
	defer cancel()
	var out []store.Delivery
	var next time.Time
	for p := range s.cfg.Partitions {
		got, n, err := s.dueIn(ctx, ws, p, now, limit, skip)
		if err != nil {
			return nil, time.Time{}, fmt.Errorf("store: due deliveries of %s: %w", ws, err)
		}
		out = append(out, got...)
		next = earlier(next, n)
	}
	slices.SortStableFunc(out, func(a, b store.Delivery) int { return a.Due.Compare(b.Due) })
	return out[:min(len(out), limit)], next, nil
}

func earlier(a, b time.Time) time.Time {
	if a.IsZero() || !b.IsZero() && b.Before(a) {
		return b
	}
	return a
}

// dueIn reads one partition's due deliveries a page at a time, until
// limit pass skip and their lines.
func (s *Store) dueIn(ctx context.Context, ws string, p int, now time.Time, limit int, skip func(*store.Delivery) bool) ([]store.Delivery, time.Time, error) {
	var out []store.Delivery
	const page = 100
	for offset := 0; ; offset += page {
		items, next, err := s.dueScript(ctx, ws, p, floorUsec(now), strconv.Itoa(offset), strconv.Itoa(page), "0", "")
		if err != nil {
			return nil, time.Time{}, err
		}
		for _, it := range items {
			if it.first && (skip == nil || !skip(&it.d)) && len(out) < limit {
				out = append(out, it.d)
			}
		}
		if len(items) < page || len(out) >= limit {
			return out, next, nil
		}
	}
}

type dueItem struct {
	d     store.Delivery
	first bool
}

func (s *Store) dueScript(ctx context.Context, ws string, p int, args ...string) ([]dueItem, time.Time, error) {
	var res valkey.ValkeyResult
	if args[3] == "1" {
		res = s.write(ctx, dueScript, s.base(ws, p), args...)
	} else {
		res = s.run(ctx, dueScript, s.base(ws, p), args...)
	}
	arr, err := res.ToArray()
	if err != nil {
		return nil, time.Time{}, err
	}
	list, err := arr[0].ToArray()
	if err != nil {
		return nil, time.Time{}, err
	}
	out := make([]dueItem, 0, len(list))
	for _, m := range list {
		f, err := m.AsStrSlice()
		if err != nil {
			return nil, time.Time{}, err
		}
		var d store.Delivery
		if err := json.Unmarshal([]byte(f[1]), &d); err != nil {
			return nil, time.Time{}, fmt.Errorf("decode delivery %s: %w", f[0], err)
		}
		d.ID, d.Key = f[0], deliveryKey(p, f[0])
		out = append(out, dueItem{d, f[3] == "1"})
	}
	n, _ := arr[1].ToString()
	return out, fromUsec(n), nil
}

// ClaimDeliveries claims due deliveries, a partition after another from
// a varying start.
func (s *Store) ClaimDeliveries(ctx context.Context, ws string, now time.Time, lease time.Duration, limit int) ([]store.Delivery, time.Time, error) {
	var out []store.Delivery
	var next time.Time
	start := int(now.UnixNano()/int64(time.Millisecond)) % s.cfg.Partitions
	for i := 0; i < s.cfg.Partitions && len(out) < limit; i++ {
		p := (start + i) % s.cfg.Partitions
		items, n, err := s.dueScript(ctx, ws, p, floorUsec(now), "0", strconv.Itoa(limit-len(out)), "1", usec(now.Add(lease)))
		if err != nil {
			return out, next, fmt.Errorf("store: claim deliveries of %s: %w", ws, err)
		}
		for _, it := range items {
			out = append(out, it.d)
		}
		next = earlier(next, n)
	}
	return out, next, nil
}

// Delivered removes a delivery that reached its endpoint.
func (s *Store) Delivered(ctx context.Context, ws string, d *store.Delivery) error {
	return s.take(ctx, ws, d, "delivered", "done", "", "")
}

// Retry stores d's new due time, attempts and error.
func (s *Store) Retry(ctx context.Context, ws string, d *store.Delivery) error {
	raw, err := encodeDelivery(d)
	if err != nil {
		return err
	}
	return s.take(ctx, ws, d, "retry", "retry", string(raw), usec(d.Due))
}

// GiveUp moves d to the dead letters, keeping the newest keep.
func (s *Store) GiveUp(ctx context.Context, ws string, d *store.Delivery, keep int) error {
	if d.GaveUp == nil {
		return fmt.Errorf("store: give up %s: no give-up time", d.ID)
	}
	raw, err := json.Marshal(d)
	if err != nil {
		return err
	}
	return s.take(ctx, ws, d, "give up", "dead", string(raw), strconv.Itoa(keep))
}

func (s *Store) take(ctx context.Context, ws string, d *store.Delivery, what string, args ...string) error {
	p, id, err := splitKey(d.Key)
	if err == nil {
		var answer string
		answer, err = s.write(ctx, takeScript, s.base(ws, p), append([]string{id}, args...)...).ToString()
		if err == nil && answer == "notfound" {
			err = store.ErrNotFound
		}
	}
	if err != nil {
		return fmt.Errorf("store: %s %s of %s: %w", what, d.ID, ws, err)
	}
	return nil
}

// OutboxLen is the number of deliveries waiting.
func (s *Store) OutboxLen(ws string) (int, error) {
	ctx, cancel := s.opCtx()
	defer cancel()
	cmds := make(valkey.Commands, s.cfg.Partitions)
	for p := range cmds {
		cmds[p] = s.client.B().Hget().Key(s.base(ws, p) + ":ob:n").Field("*").Build()
	}
	total := 0
	for _, r := range s.client.DoMulti(ctx, cmds...) {
		n, err := r.AsInt64()
		if err != nil && !valkey.IsValkeyNil(err) {
			return 0, fmt.Errorf("store: outbox length of %s: %w", ws, err)
		}
		total += int(n)
	}
	return total, nil
}

// DeadLetters lists the deliveries given up on, oldest first.
func (s *Store) DeadLetters(ws string) ([]store.Delivery, error) {
	ctx, cancel := s.opCtx()
	defer cancel()
	cmds := make(valkey.Commands, s.cfg.Partitions)
	for p := range cmds {
		cmds[p] = s.client.B().Lrange().Key(s.base(ws, p) + ":dead").Start(0).Stop(-1).Build()
	}
	var out []store.Delivery
	for _, r := range s.client.DoMulti(ctx, cmds...) {
		list, err := r.AsStrSlice()
		if err != nil {
			return nil, fmt.Errorf("store: dead letters of %s: %w", ws, err)
		}
		for _, raw := range list {
			var d store.Delivery
			if err := json.Unmarshal([]byte(raw), &d); err != nil {
				return nil, fmt.Errorf("store: dead letters of %s: %w", ws, err)
			}
			out = append(out, d)
		}
	}
	slices.SortStableFunc(out, func(a, b store.Delivery) int { return gaveUp(a).Compare(gaveUp(b)) })
	return out, nil
}

func gaveUp(d store.Delivery) time.Time {
	if d.GaveUp == nil {
		return time.Time{}
	}
	return *d.GaveUp
}
