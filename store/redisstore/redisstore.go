// Package redisstore is the shared Store: Beckon's state in Redis or
// Valkey, so that any number of `beckon serve` processes can use it at
// once (docs/scale-out.md). Every change is one Lua script, run where its
// keys live, so it is applied whole or not at all.
//
// A workspace's keys are spread over Config.Partitions hash slots; all
// the keys of one visitor (its state, sessions, messages, queue, webhook
// deliveries, Idempotency-Key records) share one slot's hash tag, so on a
// cluster a visitor lives on one shard and each commit runs there. A
// batch is atomic within one partition; the engine's batches in shared
// mode each hold one visitor. Keys carry a time to live from
// Options.Retention, so Redis deletes what is past retention by itself.
package redisstore

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/valkey-io/valkey-go"

	"github.com/beckonhq/beckon/store"
)

// Options tunes a Store.
type Options struct {
	// Retention gives keys a time to live: a visitor's state and its
	// sessions Visitors after each write, message records and rule counts
	// Messages, Idempotency-Key records Idempotency. Zero keeps for ever.
	Retention store.Retention
	Logger    *slog.Logger // default discards
}

// Store is a store.Store on Redis or Valkey.
type Store struct {
	client valkey.Client
	cfg    Config
	ttl    [3]string // visitors, messages, idempotency, in seconds
	log    *slog.Logger

	ctx    context.Context // ends at Close: listeners stop
	cancel context.CancelFunc
	wg     sync.WaitGroup
	once   sync.Once
}

var _ store.Store = (*Store)(nil)

// format is the layout of the keys; a store made by another is refused.
const format = "1"

// opTimeout bounds one call of a method that takes no context.
const opTimeout = 10 * time.Second

// Open connects to the store a URL names (see Config).
func Open(rawURL string, opts Options) (*Store, error) {
	cfg, err := ParseURL(rawURL)
	if err != nil {
		return nil, err
	}
	return OpenConfig(cfg, opts)
}

// OpenConfig connects to the store cfg names.
func OpenConfig(cfg Config, opts Options) (*Store, error) {
	client, err := valkey.NewClient(cfg.clientOption())
	if err != nil {
		return nil, fmt.Errorf("store: connect to %v: %w", cfg.Addrs, err)
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	s := &Store{client: client, cfg: cfg, log: opts.Logger}
	for i, d := range []time.Duration{opts.Retention.Visitors, opts.Retention.Messages, opts.Retention.Idempotency} {
		s.ttl[i] = strconv.FormatInt(int64(d/time.Second), 10)
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	if err := s.checkMeta(); err != nil {
		client.Close()
		return nil, err
	}
	return s, nil
}

// checkMeta marks a new store with the key layout and partitions, and
// refuses one marked otherwise.
func (s *Store) checkMeta() error {
	ctx, cancel := context.WithTimeout(s.ctx, opTimeout)
	defer cancel()
	key := s.cfg.Prefix + ":meta"
	parts := strconv.Itoa(s.cfg.Partitions)
	c := s.client
	res := c.DoMulti(ctx,
		c.B().Hsetnx().Key(key).Field("format").Value(format).Build(),
		c.B().Hsetnx().Key(key).Field("partitions").Value(parts).Build(),
		c.B().Hmget().Key(key).Field("format", "partitions").Build())
	got, err := res[2].AsStrSlice()
	if err != nil {
		return fmt.Errorf("store: read %s: %w", key, err)
	}
	if got[0] != format {
		return fmt.Errorf("store: the keys under %q are of format %q, not %q: give this Beckon another prefix", s.cfg.Prefix, got[0], format)
	}
	if got[1] != parts {
		return fmt.Errorf("store: the keys under %q were written with partitions=%s; open the store with the same", s.cfg.Prefix, got[1])
	}
	return nil
}

// Shared is true: any number of processes may use the store at once.
func (s *Store) Shared() bool { return true }

// Close stops the listeners and closes the connections.
func (s *Store) Close() error {
	s.once.Do(func() {
		s.cancel()
		s.wg.Wait()
		s.client.Close()
	})
	return nil
}

// opCtx is the context of a method that takes none.
func (s *Store) opCtx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(s.ctx, opTimeout)
}

// base is the prefix of the keys of partition p of ws; its braces are
// the hash tag that keeps them in one slot.
func (s *Store) base(ws string, p int) string {
	return s.cfg.Prefix + ":{" + ws + "." + strconv.Itoa(p) + "}"
}

// part is the partition of a visitor's keys.
func (s *Store) part(visitorID string) int {
	if s.cfg.Partitions == 1 {
		return 0
	}
	h := fnv.New32a()
	h.Write([]byte(visitorID))
	return int(h.Sum32() % uint32(s.cfg.Partitions))
}

// script is a Lua script, sent by its SHA-1 once the server knows it.
type script struct {
	src, sha string
}

func newScript(src string) *script {
	sum := sha1.Sum([]byte(src))
	return &script{src: src, sha: hex.EncodeToString(sum[:])}
}

func (sc *script) evalsha(c valkey.CoreClient, key string, args []string) valkey.Completed {
	return c.B().Evalsha().Sha1(sc.sha).Numkeys(1).Key(key).Arg(args...).Build()
}

func (sc *script) eval(c valkey.CoreClient, key string, args []string) valkey.Completed {
	return c.B().Eval().Script(sc.src).Numkeys(1).Key(key).Arg(args...).Build()
}

func noScript(err error) bool {
	ve, ok := valkey.IsValkeyErr(err)
	return ok && ve.IsNoScript()
}

// run runs sc on the partition whose keys start with key.
func (s *Store) run(ctx context.Context, sc *script, key string, args ...string) valkey.ValkeyResult {
	res := s.client.Do(ctx, sc.evalsha(s.client, key, args))
	if noScript(res.Error()) {
		res = s.client.Do(ctx, sc.eval(s.client, key, args))
	}
	return res
}

// write runs a script that writes: with Config.Wait, on one connection
// followed by WAIT, and it fails unless enough replicas have the write.
func (s *Store) write(ctx context.Context, sc *script, key string, args ...string) valkey.ValkeyResult {
	if s.cfg.Wait == 0 {
		return s.run(ctx, sc, key, args...)
	}
	var res valkey.ValkeyResult
	err := s.client.Dedicated(func(c valkey.DedicatedClient) error {
		wait := c.B().Wait().Numreplicas(int64(s.cfg.Wait)).Timeout(s.cfg.WaitTimeout.Milliseconds()).Build()
		rs := c.DoMulti(ctx, sc.evalsha(c, key, args), wait)
		if noScript(rs[0].Error()) {
			wait = c.B().Wait().Numreplicas(int64(s.cfg.Wait)).Timeout(s.cfg.WaitTimeout.Milliseconds()).Build()
			rs = c.DoMulti(ctx, sc.eval(c, key, args), wait)
		}
		res = rs[0]
		if res.Error() != nil {
			return nil
		}
		n, err := rs[1].AsInt64()
		if err == nil && n < int64(s.cfg.Wait) {
			err = fmt.Errorf("%w: %d of %d replicas had the write within %s", errNotReplicated, n, s.cfg.Wait, s.cfg.WaitTimeout)
		}
		return err
	})
	if err != nil {
		return valkey.NewErrorResult(err)
	}
	return res
}

var errNotReplicated = errors.New("not replicated in time")

// runEach runs sc on every partition of ws at once and returns the
// results in partition order.
func (s *Store) runEach(ctx context.Context, sc *script, ws string, args ...string) []valkey.ValkeyResult {
	cmds := make(valkey.Commands, s.cfg.Partitions)
	for p := range cmds {
		cmds[p] = sc.evalsha(s.client, s.base(ws, p), args)
	}
	res := s.client.DoMulti(ctx, cmds...)
	for p, r := range res {
		if noScript(r.Error()) {
			res[p] = s.client.Do(ctx, sc.eval(s.client, s.base(ws, p), args))
		}
	}
	return res
}

// usec is t in microseconds, rounded up: a score never early.
func usec(t time.Time) string {
	n := t.UnixNano()
	us := n / 1000
	if n%1000 > 0 {
		us++
	}
	return strconv.FormatInt(us, 10)
}

func nsec(t time.Time) string {
	if t.IsZero() {
		return "0"
	}
	return strconv.FormatInt(t.UnixNano(), 10)
}

func fromNsec(s string) time.Time {
	n, _ := strconv.ParseInt(s, 10, 64)
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}

func fromUsec(s string) time.Time {
	f, err := strconv.ParseFloat(s, 64)
	if s == "" || err != nil {
		return time.Time{}
	}
	return time.UnixMicro(int64(f)).UTC()
}

// day numbers the UTC day of t, as the expiry indexes keep it.
func day(t time.Time) string { return strconv.FormatInt(t.Unix()/86400, 10) }
