package engine

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"time"

	"github.com/beckonhq/beckon/message"
	"github.com/beckonhq/beckon/tracker"
)

// Result is what Handle reports about one event.
type Result struct {
	SessionID       string
	NewSession      bool
	VisitorStatus   string
	EngagementScore int
	// Engaged is whether the session is engaged after the event: a
	// reply engages it, unless it is a decline (a dismiss click).
	Engaged bool
	// Reply is the resolved reply for a reply event: a click carries the
	// label and action of the button.
	Reply *tracker.Event
	// Sent is the message a rule sent at this event, if any.
	Sent *message.Message
}

// heartbeatWrite is how stale a visitor's stored last event may grow
// while only heartbeats come: a heartbeat that changes nothing else (no
// presence, no rule's stretch, no timer, no send) is not committed unless
// the stored time of the visitor's last event is this old. In shared mode
// every event is committed: the stored state is the only one.
const heartbeatWrite = time.Minute

// Handle applies one event (its Time set by the caller: the server stamps
// it, the simulator takes it from the journey) and evaluates the rules at
// its time. The visitor's wakeups due before it are evaluated first. An
// identify that would take the visitor past its attribute limits is
// refused with ErrTooManyAttributes and changes nothing.
func (e *Engine) Handle(ev tracker.Event) (Result, error) {
	if ev.VisitorID == "" {
		return Result{}, errors.New("event has no visitor_id")
	}
	if err := ev.Validate(); err != nil {
		return Result{}, err
	}
	var res Result
	err := e.withVisitor(ev.VisitorID, true, func(ent *entry) error {
		var err error
		res, err = e.handle(ent, ev)
		return err
	})
	return res, err
}

func (e *Engine) handle(ent *entry, ev tracker.Event) (Result, error) {
	v := ent.v
	if ev.Time.IsZero() {
		ev.Time = e.opts.Clock.Now()
	}
	if ev.Time.Before(v.LastEval) {
		ev.Time = v.LastEval // never evaluate a visitor backwards in time
	}
	if ev.Type == tracker.Identify {
		if err := e.checkAttributes(v, ev.Attributes); err != nil {
			return Result{}, err
		}
	}
	e.runWakeups(ent, ev.Time, false)
	if ev.Type == tracker.Reply {
		v.resolveReply(&ev)
	}
	if v.SessionEnded(ev.Time) {
		v.newSession()
	}
	presence, moves := v.Presence, v.moves
	res := Result{NewSession: v.Apply(&ev, func() string { return e.opts.NewID("sess") })}
	if res.NewSession {
		e.sessions.Store(v.Session.ID, v.ID)
	}
	sent, err := e.evaluate(ent, ev.Time, &ev)
	light := ev.Type == tracker.Heartbeat && !res.NewSession && v.Presence == presence && v.moves == moves
	if sent == nil && (e.shared || !light || v.LastHeard.Sub(ent.storedHeard) >= heartbeatWrite) {
		e.changed(ent)
	}
	if ev.Type == tracker.Reply && sent == nil && err == nil && !e.shared {
		err = e.commitNow(ent) // its webhook says the visitor answered: the session must know it too
	}
	res.Sent = sent
	res.SessionID, res.VisitorStatus, res.EngagementScore = v.Session.ID, v.Status(ev.Time), v.Score
	res.Engaged = v.Session.Engaged
	if ev.Type == tracker.Reply {
		res.Reply = &ev
	}
	return res, err
}

// checkAttributes refuses attributes that would take v past its limits
// once merged.
func (e *Engine) checkAttributes(v *visitorState, attrs map[string]any) error {
	merged := maps.Clone(v.Attributes)
	if merged == nil {
		merged = map[string]any{}
	}
	maps.Copy(merged, attrs)
	lim := e.opts.Limits
	if len(merged) > lim.MaxAttributes {
		return fmt.Errorf("%w: a visitor keeps at most %d attributes (this would make %d)", ErrTooManyAttributes, lim.MaxAttributes, len(merged))
	}
	size := 0
	for k, val := range merged {
		b, _ := json.Marshal(val)
		size += len(k) + len(b)
	}
	if size > lim.MaxAttributeBytes {
		return fmt.Errorf("%w: a visitor keeps at most %d bytes of attributes (this would make %d)", ErrTooManyAttributes, lim.MaxAttributeBytes, size)
	}
	return nil
}

// SeedVisitor sets what is known of a visitor before its first event: its
// attributes, device and number of earlier visits. Journeys use it.
func (e *Engine) SeedVisitor(id string, attributes map[string]any, device string, earlierVisits int) error {
	return e.withVisitor(id, true, func(ent *entry) error {
		v := ent.v
		if attributes != nil {
			v.Attributes = copyJSON(attributes).(map[string]any)
		}
		v.Device, v.Visits, v.liveOK = device, earlierVisits, false
		e.changed(ent)
		return nil
	})
}
