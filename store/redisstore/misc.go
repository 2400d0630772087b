package redisstore

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/valkey-io/valkey-go"

	"github.com/beckonhq/beckon/store"
)

// Idempotency returns an Idempotency-Key's record: the newest, when
// partitions hold several.
func (s *Store) Idempotency(ws, key string) (store.Idempotency, error) {
	ctx, cancel := s.opCtx()
	defer cancel()
	cmds := make(valkey.Commands, s.cfg.Partitions)
	for p := range cmds {
		cmds[p] = s.client.B().Hget().Key(s.base(ws, p) + ":i:" + key).Field("j").Build()
	}
	var best store.Idempotency
	found := false
	for _, r := range s.client.DoMulti(ctx, cmds...) {
		raw, err := r.ToString()
		if valkey.IsValkeyNil(err) {
			continue
		}
		var rec store.Idempotency
		if err == nil {
			err = json.Unmarshal([]byte(raw), &rec)
		}
		if err != nil {
			return store.Idempotency{}, fmt.Errorf("store: Idempotency-Key %q: %w", key, err)
		}
		if !found || rec.Created.After(best.Created) {
			best, found = rec, true
		}
	}
	if !found {
		return store.Idempotency{}, fmt.Errorf("store: Idempotency-Key %q: %w", key, store.ErrNotFound)
	}
	return best, nil
}

// Counts sums the per-rule counts of the hours from since's hour on.
func (s *Store) Counts(ws string, since time.Time) ([]store.Count, error) {
	ctx, cancel := s.opCtx()
	defer cancel()
	from := "-inf"
	if !since.IsZero() {
		from = strconv.FormatInt(since.Truncate(time.Hour).Unix(), 10)
	}
	type key struct{ rule, name string }
	sums := map[key]int64{}
	var order []key
	for _, res := range s.runEach(ctx, countsScript, ws, from) {
		f, err := res.AsStrSlice()
		if err != nil {
			return nil, fmt.Errorf("store: counts of %s: %w", ws, err)
		}
		for i := 0; i+1 < len(f); i += 2 {
			rule, name, _ := strings.Cut(f[i], "\x00")
			n, _ := strconv.ParseInt(f[i+1], 10, 64)
			k := key{rule, name}
			if _, seen := sums[k]; !seen {
				order = append(order, k)
			}
			sums[k] += n
		}
	}
	out := make([]store.Count, len(order))
	for i, k := range order {
		out[i] = store.Count{Rule: k.rule, Name: k.name, N: sums[k]}
	}
	return out, nil
}

// Sweep deletes what is past retention at now, by the expiry indexes.
// Keys also expire by themselves (Options.Retention), so in steady state
// a sweep only tidies the indexes.
func (s *Store) Sweep(ctx context.Context, ws string, now time.Time, r store.Retention) (store.Swept, error) {
	var sw store.Swept
	kinds := []struct {
		kind string
		keep time.Duration
		n    *int
	}{{"v", r.Visitors, &sw.Visitors}, {"s", r.Visitors, &sw.Sessions}, {"m", r.Messages, &sw.Messages}, {"r", r.Messages, &sw.Replies},
		{"i", r.Idempotency, &sw.Idempotency}, {"t", r.Visitors, new(int)}}
	for _, k := range kinds {
		if k.keep <= 0 {
			continue
		}
		cutoff := now.Add(-k.keep)
		for p := range s.cfg.Partitions {
			n, err := s.sweepKind(ctx, ws, p, k.kind, cutoff)
			*k.n += n
			if err != nil {
				return sw, fmt.Errorf("store: sweep %s: %w", ws, err)
			}
		}
	}
	if r.Messages > 0 {
		hour := strconv.FormatInt(now.Add(-r.Messages).Truncate(time.Hour).Unix(), 10)
		for p := range s.cfg.Partitions {
			n, err := s.write(ctx, sweepCountsScript, s.base(ws, p), hour).AsInt64()
			sw.Counts += int(n)
			if err != nil {
				return sw, fmt.Errorf("store: sweep counts of %s: %w", ws, err)
			}
		}
	}
	return sw, nil
}

func (s *Store) sweepKind(ctx context.Context, ws string, p int, kind string, cutoff time.Time) (int, error) {
	total := 0
	for ctx.Err() == nil {
		got, err := s.write(ctx, sweepScript, s.base(ws, p), kind, day(cutoff), nsec(cutoff)).AsIntSlice()
		if err != nil {
			return total, err
		}
		total += int(got[0])
		if got[1] == 0 {
			break
		}
	}
	return total, ctx.Err()
}

// channel is where ws's notes are published.
func (s *Store) channel(ws string) string { return s.cfg.Prefix + ":notes:" + ws }

// Publish sends a note to every process listening on ws.
func (s *Store) Publish(ctx context.Context, ws string, note []byte) error {
	c := s.client
	if err := c.Do(ctx, c.B().Publish().Channel(s.channel(ws)).Message(string(note)).Build()).Error(); err != nil {
		return fmt.Errorf("store: publish to %s: %w", ws, err)
	}
	return nil
}

// Listen subscribes to ws's notes and returns once subscribed. A lost
// connection is subscribed again (notes published meanwhile are lost).
func (s *Store) Listen(ctx context.Context, ws string, fn func([]byte)) error {
	ctx, cancel := context.WithCancel(ctx)
	stop := context.AfterFunc(s.ctx, cancel)
	ended, err := s.subscribe(ctx, ws, fn)
	if err != nil {
		stop()
		cancel()
		return fmt.Errorf("store: listen to %s: %w", ws, err)
	}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		defer stop()
		defer cancel()
		s.resubscribe(ctx, ws, fn, ended)
	}()
	return nil
}

// subscribe subscribes a connection of its own and returns a channel
// that is closed when the subscription ends.
func (s *Store) subscribe(ctx context.Context, ws string, fn func([]byte)) (<-chan struct{}, error) {
	c, release := s.client.Dedicate()
	subscribed := make(chan struct{}, 1)
	errs := c.SetPubSubHooks(valkey.PubSubHooks{
		OnMessage: func(m valkey.PubSubMessage) { fn([]byte(m.Message)) },
		OnSubscription: func(sub valkey.PubSubSubscription) {
			if sub.Kind == "subscribe" {
				select {
				case subscribed <- struct{}{}:
				default:
				}
			}
		},
	})
	if err := c.Do(ctx, c.B().Subscribe().Channel(s.channel(ws)).Build()).Error(); err != nil {
		release()
		return nil, err
	}
	select {
	case <-subscribed:
	case err := <-errs:
		release()
		return nil, fmt.Errorf("subscription ended: %v", err)
	case <-ctx.Done():
		release()
		return nil, ctx.Err()
	}
	ended := make(chan struct{})
	go func() {
		select {
		case <-errs:
		case <-ctx.Done():
		}
		release()
		close(ended)
	}()
	return ended, nil
}

// resubscribe subscribes again each time a subscription ends, until ctx
// ends.
func (s *Store) resubscribe(ctx context.Context, ws string, fn func([]byte), ended <-chan struct{}) {
	backoff := 50 * time.Millisecond
	for {
		select {
		case <-ctx.Done():
			<-ended
			return
		case <-ended:
		}
		for {
			var err error
			if ended, err = s.subscribe(ctx, ws, fn); err == nil {
				backoff = 50 * time.Millisecond
				break
			}
			s.log.Warn("store: subscribe again", "workspace", ws, "err", err)
			select {
			case <-ctx.Done():
				return
			case <-time.After(backoff):
			}
			backoff = min(2*backoff, 5*time.Second)
		}
	}
}
