package pipeline

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"log/slog"
	mrand "math/rand/v2"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/beckonhq/beckon/store"
)

// Options configures a Pipeline. Zero fields take the defaults noted.
type Options struct {
	Store      store.Store                // required
	Clock      func() time.Time           // default time.Now
	Rand       func() float64             // in [0,1), backoff jitter; default math/rand/v2
	NewID      func(prefix string) string // default prefix + "_" + 24 random hex digits
	HTTPClient *http.Client               // default: no redirects followed
	Logger     *slog.Logger               // default discards
	// OnDelivery, when set, hears each message handed to the widget:
	// DeliveryPushed (an open stream took it as it was sent),
	// DeliveryQueued (no stream took it; it waits for the next) or
	// DeliveryReplayed (a queued message, as a stream opened).
	OnDelivery func(ws, outcome string)

	Workers      int           // concurrent webhook deliveries; default 4
	Timeout      time.Duration // per delivery attempt; default 10s
	MinBackoff   time.Duration // first retry delay; default 5s
	MaxBackoff   time.Duration // retry delay cap; default 1h
	MaxAge       time.Duration // give up this long after the event; default 24h
	PollInterval time.Duration // longest the dispatcher sleeps; default 1s

	MaxOutbox      int // deliveries waiting per webhook endpoint; default 10000
	MaxDeadLetters int // kept per workspace, oldest dropped; default 1000
	QueueLen       int // undelivered messages kept per visitor; default 20
	StreamBuffer   int // per-stream channel capacity; default 32
	MaxStreams     int // open streams per visitor, oldest closed; default 4
}

// Delivery outcomes reported to Options.OnDelivery.
const (
	DeliveryPushed   = "pushed"
	DeliveryQueued   = "queued"
	DeliveryReplayed = "replayed"
)

// jitter is the ± fraction applied to each retry delay, so endpoints that
// failed together are not retried together.
const jitter = 0.2

// Webhook is one endpoint of a workspace. Empty Events means every event.
type Webhook struct {
	URL    string
	Secret string
	Events []string
}

func (w Webhook) wants(event string) bool {
	return len(w.Events) == 0 || slices.Contains(w.Events, event)
}

// Pipeline records, delivers and reports messages for any number of
// workspaces. It is safe for concurrent use.
type Pipeline struct {
	opt    Options
	store  store.Store
	log    *slog.Logger
	hub    *hub
	feeds  watchers
	shared bool   // other processes share the store (shared.go)
	self   string // this process, in the notes it announces

	mu        sync.Mutex
	hooks     map[string][]Webhook       // by workspace
	ackWaiter map[string][]chan struct{} // ws+"\x00"+message id → AwaitDelivered calls
	started   bool
	closed    bool
	ctx       context.Context // Start's, for listeners added later
	listening map[string]bool
	cancel    context.CancelFunc

	randMu  sync.Mutex
	wake    chan struct{}
	workers sync.WaitGroup // dispatcher and its workers
}

// New returns a Pipeline over opt.Store. Call Start to begin webhook
// delivery and Close before closing the store.
func New(opt Options) (*Pipeline, error) {
	if opt.Store == nil {
		return nil, errors.New("pipeline: Options.Store is required")
	}
	opt = withDefaults(opt)
	return &Pipeline{
		opt:       opt,
		store:     opt.Store,
		log:       opt.Logger,
		hub:       newHub(opt.StreamBuffer, opt.MaxStreams),
		shared:    opt.Store.Shared(),
		self:      randomID("proc"),
		listening: map[string]bool{},
		hooks:     map[string][]Webhook{},
		ackWaiter: map[string][]chan struct{}{},
		wake:      make(chan struct{}, 1),
	}, nil
}

func withDefaults(o Options) Options {
	if o.Clock == nil {
		o.Clock = time.Now
	}
	if o.Rand == nil {
		o.Rand = mrand.Float64
	}
	if o.NewID == nil {
		o.NewID = randomID
	}
	if o.HTTPClient == nil {
		o.HTTPClient = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse // a redirect is not a 2xx: retry later
		}}
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.OnDelivery == nil {
		o.OnDelivery = func(string, string) {}
	}
	setDefault(&o.Workers, 4)
	setDefault(&o.Timeout, 10*time.Second)
	setDefault(&o.MinBackoff, 5*time.Second)
	setDefault(&o.MaxBackoff, time.Hour)
	setDefault(&o.MaxAge, 24*time.Hour)
	setDefault(&o.PollInterval, time.Second)
	setDefault(&o.MaxOutbox, 10000)
	setDefault(&o.MaxDeadLetters, 1000)
	setDefault(&o.QueueLen, 20)
	setDefault(&o.StreamBuffer, 32)
	setDefault(&o.MaxStreams, 4)
	// A replay must fit in a fresh stream's buffer.
	o.StreamBuffer = max(o.StreamBuffer, o.QueueLen+1)
	return o
}

func setDefault[T int | time.Duration](v *T, def T) {
	if *v <= 0 {
		*v = def
	}
}

func randomID(prefix string) string {
	var b [12]byte
	rand.Read(b[:])
	return prefix + "_" + hex.EncodeToString(b[:])
}

// SetWorkspace sets (or replaces) a workspace's webhook endpoints. Pending
// deliveries are matched to endpoints by URL when they are sent, so a
// rotated secret applies to retries too. Only workspaces set here have their
// outbox dispatched.
func (p *Pipeline) SetWorkspace(id string, hooks []Webhook) {
	p.mu.Lock()
	p.hooks[id] = slices.Clone(hooks)
	listen := p.shared && p.started && !p.closed && !p.listening[id]
	if listen {
		p.listening[id] = true
	}
	p.mu.Unlock()
	if listen {
		p.listen(p.ctx, id)
	}
	p.poke()
}

func (p *Pipeline) webhooks(ws string) []Webhook {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.hooks[ws]
}

func (p *Pipeline) workspaces() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	ids := make([]string, 0, len(p.hooks))
	for id := range p.hooks {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// Start begins webhook delivery; it stops when ctx ends or at Close.
func (p *Pipeline) Start(ctx context.Context) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed || p.started {
		return errors.New("pipeline: Start after Start or Close")
	}
	p.started = true
	ctx, p.cancel = context.WithCancel(ctx)
	p.ctx = ctx
	if p.shared {
		for id := range p.hooks {
			p.listening[id] = true
			p.listen(ctx, id)
		}
	}
	p.workers.Add(1)
	go p.dispatch(ctx)
	return nil
}

// Close stops the dispatcher (in-flight attempts are abandoned and retried by
// the next Pipeline) and closes every open stream. It does not close the
// store.
func (p *Pipeline) Close() error {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil
	}
	p.closed = true
	cancel := p.cancel
	p.mu.Unlock()
	if cancel != nil {
		cancel()
	}
	p.workers.Wait()
	p.hub.close()
	p.feeds.close()
	return nil
}

// poke wakes the dispatcher after something new was committed to an outbox.
func (p *Pipeline) poke() {
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

func (p *Pipeline) random() float64 {
	p.randMu.Lock()
	defer p.randMu.Unlock()
	return p.opt.Rand()
}
