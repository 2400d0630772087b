package server

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/beckonhq/beckon/engine"
	"github.com/beckonhq/beckon/message"
	"github.com/beckonhq/beckon/pipeline"
	"github.com/beckonhq/beckon/rules"
	"github.com/beckonhq/beckon/store"
)

// workspace is one tenant at run time: its engine (keeping its state under
// its id in the shared store) and the shared pipeline. Its methods are the domain calls the
// handlers make.
type workspace struct {
	id      string
	cfg     Workspace
	log     *slog.Logger
	clock   engine.Clock
	store   store.Store
	eng     *engine.Engine
	pipe    *pipeline.Pipeline
	sender  *sender
	metrics *metrics
	ackWait time.Duration // how long an API send waits for the widget's receipt

	idem keyLocks

	// loader reloads the rule files; nil when the rules are embedded.
	loader   *rules.Loader
	reloadMu sync.Mutex
	loadedAt atomic.Pointer[time.Time]
	// lastReload is the outcome of the latest reload attempt (nil: none
	// since the start), for the console.
	lastReload atomic.Pointer[reloadOutcome]
}

// reloadOutcome is one reload attempt: when, and its errors if it failed.
type reloadOutcome struct {
	At     time.Time
	Errors []string
}

func newWorkspace(s *Server, wc Workspace) (*workspace, error) {
	ws := &workspace{id: wc.ID, cfg: wc, log: s.log.With("workspace", wc.ID), clock: s.clock, store: s.store, pipe: s.pipe,
		metrics: s.metrics, ackWait: s.opts.AckWait}
	ws.sender = &sender{Sender: s.pipe.Sender(wc.ID), ws: wc.ID, metrics: s.metrics, log: ws.log}
	set, diags, err := ws.loadRules()
	if err != nil {
		return nil, err
	}
	ws.logWarnings(diags)
	eng, err := engine.New(engine.Options{Rules: set, Store: s.store, Sender: ws.sender, Workspace: wc.ID,
		Clock: s.clock, NewID: s.newID, Logger: ws.log, FlushInterval: s.opts.FlushInterval,
		Limits: engine.Limits{MaxAttributes: s.limits.MaxAttributes, MaxAttributeBytes: s.limits.MaxAttributeBytes}})
	if err != nil {
		return nil, fmt.Errorf("server: workspace %s: %w", wc.ID, err)
	}
	ws.eng = eng
	ws.markLoaded()
	return ws, nil
}

func (ws *workspace) markLoaded() {
	t := ws.clock.Now().UTC()
	ws.loadedAt.Store(&t)
	ws.metrics.rulesLoaded(ws.id, t)
}

// rulesError is a rule set that did not load.
type rulesError struct {
	workspace string
	diags     rules.Diagnostics
}

func (e *rulesError) Error() string {
	return fmt.Sprintf("workspace %s: rules do not load:\n%s", e.workspace, e.diags.Error())
}

// sender is the pipeline's sender for a workspace, counting and logging
// sends. The log carries ids and the rule, never the message's text.
type sender struct {
	pipeline.Sender
	ws      string
	metrics *metrics
	log     *slog.Logger
}

func (s *sender) Deliver(m *message.Message) {
	s.Sender.Deliver(m)
	source := "api"
	if m.Rule != "" {
		source = "rule"
	}
	s.metrics.messageSent(s.ws, source, m.Rule)
	s.log.Info("message sent", "message_id", m.ID, "session_id", m.SessionID, "visitor_id", m.VisitorID,
		"source", source, "rule", m.Rule)
}

// loadRules loads the workspace's rule files through its loader, or its
// embedded rules.
func (ws *workspace) loadRules() (*rules.Set, rules.Diagnostics, error) {
	if len(ws.cfg.Rules) == 0 {
		set, diags := rules.Parse(ws.cfg.EmbeddedRules...)
		if set == nil {
			return nil, diags, &rulesError{workspace: ws.id, diags: diags.Errors()}
		}
		return set, diags, nil
	}
	l, diags, err := rules.NewLoader(ws.cfg.Rules...)
	if err != nil {
		return nil, diags, &rulesError{workspace: ws.id, diags: diags.Errors()}
	}
	ws.loader = l
	return l.Current(), diags, nil
}

// reloadIfChanged reloads the rules when a rule file changed since the last
// attempt.
func (ws *workspace) reloadIfChanged() {
	if ws.loader != nil && ws.loader.Changed() {
		ws.reload() // logs its outcome
	}
}

// reload loads the rules again and swaps them in if they all load; else
// the running rules stay and every diagnostic is logged.
func (ws *workspace) reload() error {
	if ws.loader == nil {
		return nil // embedded rules do not change
	}
	ws.reloadMu.Lock()
	defer ws.reloadMu.Unlock()
	diags, err := ws.loader.Reload()
	outcome := &reloadOutcome{At: ws.clock.Now().UTC()}
	for _, d := range diags.Errors() {
		outcome.Errors = append(outcome.Errors, d.String())
	}
	if err != nil && len(outcome.Errors) == 0 {
		outcome.Errors = []string{err.Error()}
	}
	ws.lastReload.Store(outcome)
	if err != nil {
		for _, d := range diags.Errors() {
			ws.log.Error("rules reload failed; the previous rules stay", "diagnostic", d.String())
		}
		ws.metrics.reloaded(ws.id, false)
		return &rulesError{workspace: ws.id, diags: diags.Errors()}
	}
	set := ws.loader.Current()
	ws.logWarnings(diags)
	ws.eng.Reload(set)
	ws.metrics.reloaded(ws.id, true)
	ws.markLoaded()
	ws.log.Info("rules reloaded", "rules", len(set.Rules), "files", set.Files)
	return nil
}

func (ws *workspace) logWarnings(diags rules.Diagnostics) {
	for _, d := range diags.Warnings() {
		ws.log.Warn("rule lint", "diagnostic", d.String())
	}
}

// engineError maps the engine's errors to answers.
func engineError(err error) error {
	switch {
	case errors.Is(err, engine.ErrVisitorNotFound):
		return errNotFound("visitor_not_found", "visitor_id", "no visitor with this id has been seen in this workspace")
	case errors.Is(err, engine.ErrSessionNotFound):
		return errNotFound("session_not_found", "session_id", "no such session in this workspace (or it is not the visitor's current one)")
	case errors.Is(err, engine.ErrFrequencyCapped):
		return &apiError{Status: 409, Code: "frequency_capped",
			Message: "this session has had its proactive messages, or the visitor declined them; set options.override_frequency_cap to send anyway"}
	case errors.Is(err, engine.ErrTooManyAttributes):
		return &apiError{Status: http.StatusBadRequest, Code: "too_many_attributes", Field: "attributes",
			Message: strings.TrimPrefix(err.Error(), engine.ErrTooManyAttributes.Error()+": ") + "; the visitor keeps what it had"}
	}
	return err
}
