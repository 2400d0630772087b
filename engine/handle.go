package engine

import (
	"container/heap"
	"errors"
	"maps"
	"time"

	"github.com/beckonhq/beckon/tracker"
)

// Result is what Handle reports about one event.
type Result struct {
	SessionID       string
	NewSession      bool
	VisitorStatus   string
	EngagementScore int
	// Reply is the resolved reply for a reply event: a click carries the
	// label and action of the button.
	Reply *tracker.Event
	// Sent is the message a rule sent at this event, if any.
	Sent *Message
}

// Handle applies one event (its Time set by the caller: the server stamps
// it, the simulator takes it from the journey) and evaluates the rules at
// its time. The visitor's wakeups due before it are evaluated first.
func (e *Engine) Handle(ev tracker.Event) (Result, error) {
	if ev.VisitorID == "" {
		return Result{}, errors.New("event has no visitor_id")
	}
	if err := ev.Validate(); err != nil {
		return Result{}, err
	}
	sh := e.shardFor(ev.VisitorID)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	v, err := e.visitor(sh, ev.VisitorID, true)
	if err != nil {
		return Result{}, err
	}
	if ev.Time.IsZero() {
		ev.Time = e.opts.Clock.Now()
	}
	if ev.Time.Before(v.LastEval) {
		ev.Time = v.LastEval // never evaluate a visitor backwards in time
	}
	e.runVisitorWakeups(sh, v, ev.Time)
	if ev.Type == tracker.Reply {
		v.resolveReply(&ev)
	}
	if v.SessionEnded(ev.Time) {
		v.newSession()
	}
	res := Result{NewSession: v.Apply(&ev, func() string { return e.opts.NewID("sess") })}
	if res.NewSession {
		e.sessions.Store(v.Session.ID, v.ID)
	}
	sh.dirty[v.ID] = true
	res.Sent, err = e.evaluate(sh, v, ev.Time, &ev)
	res.SessionID, res.VisitorStatus, res.EngagementScore = v.Session.ID, v.Status(ev.Time), v.Score
	if ev.Type == tracker.Reply {
		res.Reply = &ev
	}
	return res, err
}

// runVisitorWakeups evaluates v's wakeups due strictly before t. Call with
// sh.mu held.
func (e *Engine) runVisitorWakeups(sh *shard, v *visitorState, t time.Time) {
	for len(v.Wakeups) > 0 && v.Wakeups[0].Before(t) {
		w := v.Wakeups[0]
		v.takeWakeup(w)
		e.wakeup(sh, v, w)
	}
}

// wakeup evaluates v at w: unless its session has ended (then all its
// wakeups are dropped) or an evaluation already happened at w.
func (e *Engine) wakeup(sh *shard, v *visitorState, w time.Time) {
	sh.dirty[v.ID] = true
	if v.SessionEnded(w) {
		v.Wakeups = v.Wakeups[:0]
		return
	}
	if v.LastEval.Equal(w) {
		return
	}
	if _, err := e.evaluate(sh, v, w, nil); err != nil {
		e.log.Error("engine: wakeup", "visitor", v.ID, "at", w, "err", err)
	}
}

// RunDue evaluates every wakeup due at or before now, in time order per
// shard, including wakeups those evaluations schedule.
func (e *Engine) RunDue(now time.Time) {
	for _, sh := range e.shards {
		sh.mu.Lock()
		for len(sh.wakeups) > 0 && !sh.wakeups[0].at.After(now) {
			w := heap.Pop(&sh.wakeups).(wake)
			v := sh.visitors[w.visitor]
			if v == nil || !v.takeWakeup(w.at) {
				continue // stale: already run by an event, or dropped
			}
			e.wakeup(sh, v, w.at)
		}
		sh.mu.Unlock()
	}
}

// NextWakeup returns the earliest scheduled wakeup, if any.
func (e *Engine) NextWakeup() (time.Time, bool) {
	var next time.Time
	for _, sh := range e.shards {
		sh.mu.Lock()
		if len(sh.wakeups) > 0 && (next.IsZero() || sh.wakeups[0].at.Before(next)) {
			next = sh.wakeups[0].at
		}
		sh.mu.Unlock()
	}
	return next, !next.IsZero()
}

// SeedVisitor sets what is known of a visitor before its first event: its
// attributes, device and number of earlier visits. Journeys use it.
func (e *Engine) SeedVisitor(id string, attributes map[string]any, device string, earlierVisits int) error {
	sh := e.shardFor(id)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	v, err := e.visitor(sh, id, true)
	if err != nil {
		return err
	}
	if attributes != nil {
		v.Attributes = maps.Clone(attributes)
	}
	v.Device, v.Visits = device, earlierVisits
	sh.dirty[id] = true
	return nil
}
