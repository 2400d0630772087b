// Package server is Beckon's HTTP face: the outbound live-chat message API
// (a mirror of the documented one, field for field), the public endpoints
// the beacon and widget use (/beckon.js, /v1/collect, /v1/stream, /v1/reply,
// /v1/ack), the read endpoints, health and metrics, and the demo site. It
// owns authentication (hashed API keys, one workspace per key), the error
// envelope, CORS per site, body and rate limits, Idempotency-Key, and the
// configuration file with its demo defaults. It runs one engine per
// workspace and one pipeline for all of them over one store.
//
// Handlers are thin: decode, validate, one call on the workspace, one
// response helper. All routes are listed in routes.go.
package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/gorilla/mux"

	"github.com/beckonhq/beckon/engine"
	"github.com/beckonhq/beckon/pipeline"
	"github.com/beckonhq/beckon/store"
)

// Options configures a Server. Config and Store are required; the caller
// opens the store and closes it after Close.
type Options struct {
	Config *Config
	Store  store.Store
	Logger *slog.Logger // default discards
	Clock  engine.Clock // default the system clock
	// NewID makes ids (messages, sessions, requests); default
	// engine.RandomID.
	NewID func(prefix string) string
	// FlushInterval is the engines' group-commit interval (default 50ms).
	FlushInterval time.Duration
	// ReloadInterval is how often rule files are checked for changes
	// (default 2s).
	ReloadInterval time.Duration
	// AckWait is how long an API send to a visitor with an open widget
	// stream waits for the widget's receipt, to answer "delivered"
	// (default 1s).
	AckWait time.Duration
	// Pipeline sets the pipeline's tuning (retries, queue sizes); its
	// Store, Clock, Logger and HTTPClient are the server's.
	Pipeline pipeline.Options
}

// Server runs the workspaces' engines, the pipeline and the HTTP routes.
type Server struct {
	cfg   *Config
	store store.Store
	log   *slog.Logger
	clock engine.Clock
	newID func(string) string
	opts  Options

	pipe       *pipeline.Pipeline
	workspaces map[string]*workspace
	order      []*workspace // config order
	sites      map[string]*site
	keys       []apiKey
	tokens     *visitorTokens

	limits      Limits
	apiLimit    *limiter
	publicLimit *limiter
	replyLimit  *limiter // per visitor
	ackLimit    *limiter // per visitor
	streams     *streamSlots
	metrics     *metrics
	script      beaconAsset
	handler     http.Handler

	metricsHandler http.Handler
	router         *mux.Router
	consoleAuth    consoleAuth // the console's signed-out sessions // the routes, for the tests that compare them with the OpenAPI description

	cancel     context.CancelFunc
	background sync.WaitGroup
	answers    sync.WaitGroup // Idempotency-Key answers being saved
	endOnce    sync.Once
	ending     chan struct{} // closed when streams must end
}

// New builds the server: the pipeline, and an engine per workspace with its
// rules loaded (an error if any fails to load).
func New(opts Options) (*Server, error) {
	if opts.Config == nil || opts.Store == nil {
		return nil, errors.New("server: Config and Store are required")
	}
	opts = withDefaults(opts)
	s := &Server{
		cfg: opts.Config, store: opts.Store, log: opts.Logger, clock: opts.Clock, newID: opts.NewID, opts: opts,
		workspaces: map[string]*workspace{}, sites: map[string]*site{},
		metrics: newMetrics(), script: newBeaconAsset(), ending: make(chan struct{}),
	}
	keys, err := loadTokenKeys(s.cfg.DataDir, s.log)
	if err != nil {
		return nil, err
	}
	s.tokens = &visitorTokens{keys: keys, store: s.store, now: s.clock.Now}
	s.tokens.initMACs()
	s.limits = s.cfg.Limits.withDefaults()
	s.apiLimit = newLimiter(s.limits.APIPerSecond, s.limits.APIBurst, s.clock.Now)
	s.publicLimit = newLimiter(s.limits.CollectPerSecond, s.limits.CollectBurst, s.clock.Now)
	s.replyLimit = newLimiter(s.limits.ReplyPerSecond, s.limits.ReplyBurst, s.clock.Now)
	s.ackLimit = newLimiter(s.limits.AckPerSecond, s.limits.AckBurst, s.clock.Now)
	po := opts.Pipeline
	po.Store, po.Clock, po.Logger, po.HTTPClient = s.store, s.clock.Now, s.log, webhookClient(s.metrics)
	po.OnDelivery = s.metrics.delivery
	pipe, err := pipeline.New(po)
	if err != nil {
		return nil, err
	}
	s.pipe = pipe
	for _, wc := range s.cfg.Workspaces {
		if err := s.addWorkspace(wc); err != nil {
			return nil, err
		}
	}
	s.metricsHandler = s.newMetricsHandler()
	s.streams = newStreamSlots(s.limits, len(s.sites))
	s.handler = s.routes()
	return s, nil
}

func withDefaults(o Options) Options {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Clock == nil {
		o.Clock = engine.SystemClock{}
	}
	if o.NewID == nil {
		o.NewID = engine.RandomID
	}
	if o.ReloadInterval <= 0 {
		o.ReloadInterval = 2 * time.Second
	}
	if o.AckWait <= 0 {
		o.AckWait = time.Second
	}
	return o
}

func (s *Server) addWorkspace(wc Workspace) error {
	if _, dup := s.workspaces[wc.ID]; dup || wc.ID == "" {
		return fmt.Errorf("server: workspace id %q is empty or used twice", wc.ID)
	}
	ws, err := newWorkspace(s, wc)
	if err != nil {
		return err
	}
	s.workspaces[wc.ID] = ws
	s.order = append(s.order, ws)
	s.pipe.SetWorkspace(wc.ID, wc.Webhooks)
	for _, h := range wc.KeyHashes {
		s.keys = append(s.keys, apiKey{hash: h, workspace: ws})
	}
	for _, sc := range wc.Sites {
		if _, dup := s.sites[sc.Key]; dup {
			return fmt.Errorf("server: site %q is configured twice", sc.Key)
		}
		s.sites[sc.Key] = newSite(sc, ws)
	}
	return nil
}

// Handler is the HTTP handler with every route.
func (s *Server) Handler() http.Handler { return s.handler }

// Start runs the engines' timers and group commits, webhook delivery, the
// rule-file watcher and the retention sweep until ctx ends or Close.
func (s *Server) Start(ctx context.Context) error {
	ctx, s.cancel = context.WithCancel(ctx)
	for _, ws := range s.order {
		ws.eng.Start(ctx)
	}
	if err := s.pipe.Start(ctx); err != nil {
		return err
	}
	s.background.Add(2)
	go s.watchRules(ctx)
	go s.sweepLoop(ctx)
	return nil
}

// HTTPServer returns an http.Server for the handler with timeouts and
// header limits set. Its Shutdown also ends the open widget streams, which
// would otherwise keep it waiting.
func (s *Server) HTTPServer() *http.Server {
	hs := &http.Server{
		Addr:              s.cfg.Listen,
		Handler:           s.handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second, // streams lift it for themselves
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    32 << 10,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	hs.RegisterOnShutdown(s.EndStreams)
	return hs
}

// EndStreams ends every open widget stream (the widgets reconnect).
func (s *Server) EndStreams() {
	s.endOnce.Do(func() { close(s.ending) })
}

// Close stops the background work (waiting for it), commits the engines'
// unsaved state and closes the pipeline. Stop serving HTTP first; close
// the store after.
func (s *Server) Close() error {
	s.EndStreams()
	if s.cancel != nil {
		s.cancel()
	}
	s.background.Wait()
	s.answers.Wait()
	var errs []error
	for _, ws := range s.order {
		if err := ws.eng.Close(); err != nil {
			errs = append(errs, fmt.Errorf("workspace %s: %w", ws.id, err))
		}
	}
	if err := s.pipe.Close(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// Reload reloads every workspace's rules. A workspace whose rules fail to
// load keeps the ones it runs (all or nothing); every diagnostic is logged
// and the failures are returned.
func (s *Server) Reload() error {
	var errs []error
	for _, ws := range s.order {
		if err := ws.reload(); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func (s *Server) watchRules(ctx context.Context) {
	defer s.background.Done()
	t := time.NewTicker(s.opts.ReloadInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			for _, ws := range s.order {
				ws.reloadIfChanged()
			}
		}
	}
}
