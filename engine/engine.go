// Package engine applies visitors' events and evaluates the rules on them
// (SPEC section 3): `for` timers, the pending/fired state machine, the
// min_wait floor, the proactive cap that a reply lifts, schedules,
// frequencies, cooldowns and priorities. Time comes only from events and an
// injected Clock, so the simulator and the server run the same code.
// Per-visitor state lives in memory with bbolt (through store) behind it.
package engine

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/beckonhq/beckon/rules"
	"github.com/beckonhq/beckon/scoring"
	"github.com/beckonhq/beckon/store"
)

// Options configures an Engine. Rules, DB and Sender are required.
type Options struct {
	Rules  *rules.Set
	DB     *store.DB
	Sender Sender
	// Namespace is the first element of the engine's bucket paths, so
	// several engines (workspaces) can share one file.
	Namespace string
	Clock     Clock
	// NewID returns a new unique id with the prefix ("msg", "sess").
	NewID  func(prefix string) string
	Logger *slog.Logger
	// Trace, when set, is called after every evaluation with why each rule
	// did or did not send. Leave it nil on the hot path.
	Trace func(*Evaluation)
	// FlushInterval bounds how long an event's state change waits for its
	// group commit (default 100ms). Sends are committed at once.
	FlushInterval time.Duration
	Shards        int // default 64
}

// Engine evaluates one rule set for many visitors. It is safe for
// concurrent use; a visitor's events are serialized.
type Engine struct {
	opts   Options
	log    *slog.Logger
	loaded atomic.Pointer[loaded]
	shards []*shard
	kick   chan struct{} // a new earliest wakeup may exist
	stats  *ruleStats
	// sessions maps the session ids seen by this process to visitor ids;
	// the store's sessions bucket answers for older ones.
	sessions sync.Map
}

// Errors of SendAPI and Visitor.
var (
	ErrVisitorNotFound = errors.New("visitor not found")
	ErrSessionNotFound = errors.New("session not found")
	ErrFrequencyCapped = errors.New("the session has had its proactive messages")
)

// New builds an engine and loads the visitors that have pending wakeups or
// a live session from the store, so timers survive a restart.
func New(opts Options) (*Engine, error) {
	if opts.Rules == nil || opts.DB == nil || opts.Sender == nil {
		return nil, errors.New("engine: Rules, DB and Sender are required")
	}
	if opts.Namespace == "" {
		opts.Namespace = "default"
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
		opts.FlushInterval = 100 * time.Millisecond
	}
	if opts.Shards <= 0 {
		opts.Shards = 64
	}
	e := &Engine{opts: opts, log: opts.Logger, kick: make(chan struct{}, 1)}
	e.setRules(opts.Rules)
	for range opts.Shards {
		e.shards = append(e.shards, newShard())
	}
	if err := e.restore(); err != nil {
		return nil, err
	}
	return e, nil
}

// RandomID returns prefix_ and 16 random hex digits.
func RandomID(prefix string) string {
	var b [8]byte
	rand.Read(b[:])
	return prefix + "_" + hex.EncodeToString(b[:])
}

// Reload swaps in a new rule set. Visitors keep the state of rules whose
// names are unchanged.
func (e *Engine) Reload(set *rules.Set) { e.setRules(set) }

func (e *Engine) setRules(set *rules.Set) {
	old := e.loaded.Load()
	l := &loaded{set: set, model: scoring.For(set), index: newRuleIndex(set), gen: 1}
	if old != nil {
		l.gen, l.stats = old.gen+1, newRuleStats(set, old.stats)
	} else {
		l.stats = newRuleStats(set, nil)
	}
	e.loaded.Store(l)
}

// loaded is one rule set with what is derived from it; a reload swaps it
// whole, so an evaluation sees one consistent set.
type loaded struct {
	set   *rules.Set
	model *scoring.Model
	index *ruleIndex
	gen   int
	stats *ruleStats
}

// Rules returns the loaded rule set.
func (e *Engine) Rules() *rules.Set {
	return e.loaded.Load().set
}

func (e *Engine) shardFor(visitorID string) *shard {
	h := fnv.New32a()
	h.Write([]byte(visitorID))
	return e.shards[h.Sum32()%uint32(len(e.shards))]
}

func (e *Engine) bucket(name string) []string { return []string{e.opts.Namespace, name} }

// Start runs the wakeup timer and the group-commit flusher until ctx ends.
// The simulator does not call it: it drives Handle and RunDue itself.
func (e *Engine) Start(ctx context.Context) {
	go e.wakeLoop(ctx)
	go e.flushLoop(ctx)
}

func (e *Engine) flushLoop(ctx context.Context) {
	t := time.NewTicker(e.opts.FlushInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := e.Flush(); err != nil {
				e.log.Error("engine: flush visitor state", "err", err)
			}
			e.evict()
		}
	}
}

func (e *Engine) wakeLoop(ctx context.Context) {
	timer := time.NewTimer(time.Second)
	defer timer.Stop()
	for {
		wait := time.Second
		if next, ok := e.NextWakeup(); ok {
			wait = min(wait, max(next.Sub(e.opts.Clock.Now()), 0))
		}
		timer.Reset(wait)
		select {
		case <-ctx.Done():
			return
		case <-e.kick:
		case <-timer.C:
			e.RunDue(e.opts.Clock.Now())
		}
	}
}

func (e *Engine) wakeSoon() {
	select {
	case e.kick <- struct{}{}:
	default:
	}
}

func wrap(what string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("engine: %s: %w", what, err)
}
