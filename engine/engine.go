// Package engine applies visitors' events and evaluates the rules on them
// (docs/semantics.md): `for` timers, the pending/fired state machine, the
// min_wait floor, the proactive cap that a reply lifts, schedules,
// frequencies, cooldowns and priorities. Time comes only from events and
// an injected Clock, so the simulator and the server run the same code.
//
// Visitors live in memory while they are active, with the store behind
// them: every change goes through one read-modify-write path (withVisitor)
// that bumps the visitor's version; a group commit writes changed visitors
// in the background, and a send commits the visitor with its message
// before it is delivered.
package engine

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/beckonhq/beckon/message"
	"github.com/beckonhq/beckon/rules"
	"github.com/beckonhq/beckon/scoring"
	"github.com/beckonhq/beckon/store"
	"github.com/beckonhq/beckon/tracker"
)

// Sender records and delivers the engine's messages.
type Sender interface {
	// Stage adds to b what recording m takes (its record, its place in
	// the visitor's queue, its webhooks). b also holds the visitor's new
	// state, so the message is durable exactly when the engine's memory
	// of having sent it is.
	Stage(b *store.Batch, m *message.Message)
	// Deliver runs once b is durable; it must not block for long.
	Deliver(m *message.Message)
}

// Options configures an Engine. Rules, Store and Sender are required.
type Options struct {
	Rules  *rules.Set
	Store  store.Store
	Sender Sender
	// Workspace is the store's workspace the engine keeps its state in.
	Workspace string
	Clock     Clock
	// NewID returns a new unique id with the prefix ("msg", "sess").
	NewID  func(prefix string) string
	Logger *slog.Logger
	// Trace, when set, is called after every evaluation with why each rule
	// did or did not send. Leave it nil on the hot path.
	Trace func(*Evaluation)
	// FlushInterval is how often changed visitors are committed (default
	// 50ms). Sends are committed at once.
	FlushInterval time.Duration
	// IdleTimeout is how long an unused visitor stays in memory once its
	// state is stored and it waits for no timer (default 30 minutes, a
	// session).
	IdleTimeout time.Duration
	Limits      Limits
	Shards      int // default 64
	// Shared runs the engine as one of several processes that share the
	// store (see docs/scale-out.md); it is set whenever the store says
	// it is shared. Memory then only caches: every change is read from
	// and committed to the store before it counts, and wakeups are
	// claimed from the store.
	Shared bool
}

// Limits bound what one visitor may store.
type Limits struct {
	MaxAttributes     int // default 100
	MaxAttributeBytes int // names and JSON values together; default 16 KiB
}

// Engine evaluates one rule set for many visitors. It is safe for
// concurrent use; a visitor's events are serialized.
type Engine struct {
	opts   Options
	ws     string
	store  store.Store
	sender Sender
	log    *slog.Logger
	loaded atomic.Pointer[loaded]
	shards []*shard
	kick   chan struct{} // a new earliest wakeup may exist
	counts *counter
	shared bool
	// localNext is, in shared mode, the earliest wakeup this process has
	// committed since the store last told it the next one (Unix ns; 0:
	// none).
	localNext atomic.Int64
	// sessions maps the sessions of visitors in memory to them; the
	// store's session index answers for the others.
	sessions sync.Map

	// evaluations counts this process's evaluations, for the metrics.
	evaluations atomic.Int64

	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// Errors of Send, Handle and Visitor.
var (
	ErrVisitorNotFound   = errors.New("visitor not found")
	ErrSessionNotFound   = errors.New("session not found")
	ErrFrequencyCapped   = errors.New("the session has had its proactive messages")
	ErrTooManyAttributes = errors.New("too many attributes")
)

// New builds an engine and loads the visitors that have pending wakeups,
// so timers survive a restart. Other visitors are read when they return.
func New(opts Options) (*Engine, error) {
	if opts.Rules == nil || opts.Store == nil || opts.Sender == nil {
		return nil, errors.New("engine: Rules, Store and Sender are required")
	}
	opts = withDefaults(opts)
	e := &Engine{opts: opts, ws: opts.Workspace, store: opts.Store, sender: opts.Sender, log: opts.Logger,
		kick: make(chan struct{}, 1), shared: opts.Shared || opts.Store.Shared()}
	e.setRules(opts.Rules)
	for range opts.Shards {
		e.shards = append(e.shards, newShard())
	}
	stored, err := e.store.Counts(e.ws, time.Time{})
	if err != nil {
		return nil, wrap("read rule counts", err)
	}
	e.counts = newCounter(stored)
	if e.shared {
		return e, nil // wakeups are claimed from the store
	}
	if err := e.restore(); err != nil {
		return nil, err
	}
	return e, nil
}

func withDefaults(opts Options) Options {
	if opts.Workspace == "" {
		opts.Workspace = "default"
	}
	if opts.Clock == nil {
		opts.Clock = SystemClock{}
	}
	if opts.NewID == nil {
		opts.NewID = RandomID
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.FlushInterval <= 0 {
		opts.FlushInterval = 50 * time.Millisecond
	}
	if opts.IdleTimeout <= 0 {
		opts.IdleTimeout = tracker.SessionTimeout
	}
	if opts.Limits.MaxAttributes <= 0 {
		opts.Limits.MaxAttributes = 100
	}
	if opts.Limits.MaxAttributeBytes <= 0 {
		opts.Limits.MaxAttributeBytes = 16 << 10
	}
	if opts.Shards <= 0 {
		opts.Shards = 64
	}
	return opts
}

// restore loads the visitors committed with wakeups.
func (e *Engine) restore() error {
	recs, err := e.store.VisitorsWithTimers(e.ws)
	if err != nil {
		return wrap("restore timers", err)
	}
	now := e.opts.Clock.Now()
	for _, rec := range recs {
		v, err := unmarshalVisitor(rec.Data)
		if err != nil {
			e.log.Error("engine: skip unreadable visitor record", "visitor", rec.ID, "err", err)
			continue
		}
		ent := e.shardFor(rec.ID).acquire(rec.ID, now)
		ent.mu.Lock()
		e.adopt(ent, v, rec.Version)
		ent.mu.Unlock()
	}
	return nil
}

// RandomID returns prefix_ and 20 hex digits: the time in milliseconds
// (12 digits), then 8 random ones. Ids made later sort later, so records
// kept by id (messages, sessions) are added at the end of their index
// rather than all over it, and a commit touches fewer pages.
func RandomID(prefix string) string {
	var b [10]byte
	binary.BigEndian.PutUint64(b[:8], uint64(time.Now().UnixMilli())<<16)
	rand.Read(b[6:])
	return prefix + "_" + hex.EncodeToString(b[:])
}

// Reload swaps in a new rule set. Visitors keep the state of rules whose
// names are unchanged.
func (e *Engine) Reload(set *rules.Set) { e.setRules(set) }

func (e *Engine) setRules(set *rules.Set) {
	gen := 1
	if old := e.loaded.Load(); old != nil {
		gen = old.gen + 1
	}
	e.loaded.Store(&loaded{set: set, model: scoring.For(set, e.log), index: newRuleIndex(set), gen: gen,
		failed: make([]atomic.Bool, len(set.Rules)), readsQuery: set.ReadsPageQuery()})
}

// loaded is one rule set with what is derived from it; a reload swaps it
// whole, so an evaluation sees one consistent set.
type loaded struct {
	// readsQuery: some expression may read page.query, so it is built.
	readsQuery bool
	set        *rules.Set
	model      *scoring.Model
	index      *ruleIndex
	gen        int
	// failed marks the rules whose when has failed with this set, so that
	// a failure is logged as a warning once, not at every event.
	failed []atomic.Bool
}

// Evaluations is the number of evaluations this engine has made.
func (e *Engine) Evaluations() int64 { return e.evaluations.Load() }

// Rules returns the loaded rule set.
func (e *Engine) Rules() *rules.Set {
	return e.loaded.Load().set
}

// Start runs the wakeup timer, the group commit and the memory's eviction
// until ctx ends or Close. The simulator does not call it: it drives
// Handle and RunDue itself.
func (e *Engine) Start(ctx context.Context) {
	ctx, e.cancel = context.WithCancel(ctx)
	e.wg.Add(3)
	if e.shared {
		go e.sharedWakeLoop(ctx)
	} else {
		go e.wakeLoop(ctx)
	}
	go e.flushLoop(ctx)
	go e.evictLoop(ctx)
}

// Close stops what Start started, waits for it, and commits what is
// still unsaved. The store stays open.
func (e *Engine) Close() error {
	if e.cancel != nil {
		e.cancel()
	}
	e.wg.Wait()
	return e.Flush()
}

func wrap(what string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("engine: %s: %w", what, err)
}
