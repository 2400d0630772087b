package redisstore

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/valkey-io/valkey-go"

	"github.com/beckonhq/beckon/store"
)

var visitorFields = []string{"ver", "seen", "sid", "start", "wk", "data"}

// Visitor returns a visitor's latest committed state.
func (s *Store) Visitor(ws, id string) (store.Visitor, error) {
	ctx, cancel := s.opCtx()
	defer cancel()
	key := s.base(ws, s.part(id)) + ":v:" + id
	vals, err := s.client.Do(ctx, s.client.B().Hmget().Key(key).Field(visitorFields...).Build()).ToArray()
	if err != nil {
		return store.Visitor{}, fmt.Errorf("store: visitor %s: %w", id, err)
	}
	v, err := decodeVisitor(id, vals)
	if err != nil {
		return store.Visitor{}, fmt.Errorf("store: visitor %s: %w", id, err)
	}
	return v, nil
}

func decodeVisitor(id string, vals []valkey.ValkeyMessage) (store.Visitor, error) {
	f := make([]string, len(vals))
	for i, m := range vals {
		if m.IsNil() {
			return store.Visitor{}, store.ErrNotFound
		}
		f[i], _ = m.ToString()
	}
	ver, err := strconv.ParseUint(f[0], 10, 64)
	if err != nil {
		return store.Visitor{}, fmt.Errorf("version %q: %w", f[0], err)
	}
	v := store.Visitor{ID: id, Version: ver, LastSeen: fromNsec(f[1]), SessionID: f[2], SessionStart: fromNsec(f[3]),
		Data: []byte(f[5])}
	if f[4] != "" {
		for _, w := range strings.Split(f[4], ",") {
			v.Wakeups = append(v.Wakeups, fromNsec(w))
		}
	}
	return v, nil
}

// SessionVisitor returns the visitor a session belongs to.
func (s *Store) SessionVisitor(ws, sessionID string) (string, error) {
	ctx, cancel := s.opCtx()
	defer cancel()
	cmds := make(valkey.Commands, s.cfg.Partitions)
	for p := range cmds {
		cmds[p] = s.client.B().Get().Key(s.base(ws, p) + ":s:" + sessionID).Build()
	}
	for _, r := range s.client.DoMulti(ctx, cmds...) {
		id, err := r.ToString()
		if err == nil {
			return id, nil
		}
		if !valkey.IsValkeyNil(err) {
			return "", fmt.Errorf("store: session %s: %w", sessionID, err)
		}
	}
	return "", fmt.Errorf("store: session %s: %w", sessionID, store.ErrNotFound)
}

// VisitorsWithTimers returns every visitor committed with wakeups.
func (s *Store) VisitorsWithTimers(ws string) ([]store.Visitor, error) {
	ctx, cancel := s.opCtx()
	defer cancel()
	var out []store.Visitor
	for p := range s.cfg.Partitions {
		ids, err := s.client.Do(ctx, s.client.B().Zrange().Key(s.base(ws, p)+":timers").Min("0").Max("-1").Build()).AsStrSlice()
		if err != nil {
			return nil, fmt.Errorf("store: visitors with timers: %w", err)
		}
		for _, id := range ids {
			v, err := s.Visitor(ws, id)
			if err == nil {
				out = append(out, v)
			}
		}
	}
	return out, nil
}

// ClaimDue claims due visitors, a partition after another from a varying
// start, so that no partition waits behind the others.
func (s *Store) ClaimDue(ctx context.Context, ws string, now time.Time, lease time.Duration, limit int) ([]string, time.Time, error) {
	var out []string
	var next time.Time
	start := int(now.UnixNano()/int64(time.Millisecond)) % s.cfg.Partitions
	for i := range s.cfg.Partitions {
		if len(out) >= limit {
			break
		}
		p := (start + i) % s.cfg.Partitions
		arr, err := s.write(ctx, claimDueScript, s.base(ws, p), floorUsec(now), usec(now.Add(lease)),
			strconv.Itoa(limit-len(out))).ToArray()
		if err != nil {
			return out, next, fmt.Errorf("store: claim due wakeups of %s: %w", ws, err)
		}
		ids, _ := arr[0].AsStrSlice()
		out = append(out, ids...)
		n, _ := arr[1].ToString()
		if t := fromUsec(n); !t.IsZero() && (next.IsZero() || t.Before(next)) {
			next = t
		}
	}
	return out, next, nil
}

// floorUsec is t in microseconds, rounded down: what is due by then.
func floorUsec(t time.Time) string { return strconv.FormatInt(t.UnixNano()/1000, 10) }
