package journey

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/beckonhq/beckon/engine"
	"github.com/beckonhq/beckon/message"
	"github.com/beckonhq/beckon/rules"
	"github.com/beckonhq/beckon/store"
	"github.com/beckonhq/beckon/store/boltstore"
	"github.com/beckonhq/beckon/tracker"
)

// Sent is one message a journey produced.
type Sent struct {
	At      time.Duration // offset from the journey's start
	Message *message.Message
}

// Options configures a simulation.
type Options struct {
	// Trace receives every evaluation (for --explain).
	Trace func(*engine.Evaluation)
	// OnEvent is told of every event the simulator feeds the engine,
	// heartbeats included, before it is applied.
	OnEvent func(at time.Duration, ev tracker.Event)
	// Store keeps the simulation's state (default: a temporary bbolt
	// file). Each run has a workspace of its own in it, deleted at its
	// end, so many runs may share one store, one after another or at once.
	Store store.Store
	// Shared runs the engine as one of several processes sharing the
	// store, as it does by itself on a shared store (tests use it to run
	// shared mode on bbolt).
	Shared bool
}

// collector is the simulator's Sender: it keeps the messages in order.
type collector struct {
	mu   sync.Mutex
	sent []*message.Message
}

func (c *collector) Stage(*store.Batch, *message.Message) {}

func (c *collector) Deliver(m *message.Message) {
	c.mu.Lock()
	c.sent = append(c.sent, m)
	c.mu.Unlock()
}

// counterIDs gives deterministic ids (msg_1, sess_1) so runs repeat exactly.
func counterIDs() func(string) string {
	n := map[string]int{}
	return func(prefix string) string {
		n[prefix]++
		return fmt.Sprintf("%s_%d", prefix, n[prefix])
	}
}

// Run replays a journey through a new engine on a virtual clock: its events
// in time order, a heartbeat every HeartbeatEvery while the page is visible
// (counted from the page view, restarted when it becomes visible again,
// stopped by hidden or page_leave), and the engine's own wakeups, until
// the journey's end. At one instant the journey's events come first, then
// the heartbeat, then wakeups.
func Run(set *rules.Set, j *Journey, opts Options) ([]Sent, error) {
	var out []Sent
	err := replay(set, j, opts, func(_ *engine.Engine, col *collector) error {
		out = make([]Sent, len(col.sent))
		for i, m := range col.sent {
			out[i] = Sent{At: m.Time.Sub(j.Start), Message: m}
		}
		return nil
	})
	return out, err
}

// replay runs a journey through a new engine on opts.Store (or a
// temporary store), then hands the engine and what it sent to done.
func replay(set *rules.Set, j *Journey, opts Options, done func(*engine.Engine, *collector) error) error {
	st, ws := opts.Store, "sim"
	if st == nil {
		temp, err := boltstore.OpenTemp()
		if err != nil {
			return err
		}
		defer temp.Close()
		st = temp
	} else {
		ws = engine.RandomID("sim")
		defer forget(st, ws)
	}
	clock := engine.NewVirtualClock(j.Start)
	col := &collector{}
	eng, err := engine.New(engine.Options{
		Rules: set, Store: st, Sender: col, Workspace: ws, Clock: clock,
		NewID: counterIDs(), Trace: opts.Trace, Shared: opts.Shared,
	})
	if err != nil {
		return err
	}
	v := j.Visitor
	if err := eng.SeedVisitor(v.ID, v.Attributes, v.Device, v.Visits); err != nil {
		return err
	}
	if err := feed(eng, clock, j, opts); err != nil {
		return err
	}
	return done(eng, col)
}

// forget deletes a run's workspace from a store it shares with others:
// everything in it is past a retention of a nanosecond in 2200.
func forget(st store.Store, ws string) {
	end := time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC)
	st.Sweep(context.Background(), ws, end, store.Retention{Visitors: 1, Messages: 1, Idempotency: 1})
}

// feed drives the engine through the journey.
func feed(eng *engine.Engine, clock *engine.VirtualClock, j *Journey, opts Options) error {
	end, every := j.End(), j.HeartbeatEvery()
	hb := heartbeats{every: every}
	handle := func(at time.Duration, ev tracker.Event) error {
		// Wakeups due before the event run first (Handle would run them
		// too); running them here keeps a trace in time order.
		eng.RunDue(ev.Time.Add(-time.Nanosecond))
		clock.Set(ev.Time)
		if opts.OnEvent != nil {
			opts.OnEvent(at, ev)
		}
		if _, err := eng.Handle(ev); err != nil {
			return fmt.Errorf("journey %q at %s: %s: %w", j.Name, at, ev.Type, err)
		}
		return nil
	}
	i := 0
	for {
		at, ok := nextInput(j, i, hb)
		if !ok || at > end {
			break
		}
		for ; i < len(j.Events) && time.Duration(j.Events[i].At) == at; i++ {
			ev := j.Events[i].tracker(j.Start, j.Visitor.ID)
			if err := handle(at, ev); err != nil {
				return err
			}
			hb.after(at, ev)
		}
		if hb.due(at) {
			beat := tracker.Event{Time: j.Start.Add(at), VisitorID: j.Visitor.ID, Type: tracker.Heartbeat}
			if err := handle(at, beat); err != nil {
				return err
			}
			hb.next += hb.every
		}
	}
	clock.Set(j.Start.Add(end))
	eng.RunDue(j.Start.Add(end))
	return nil
}

// nextInput is the offset of the next journey event or heartbeat.
func nextInput(j *Journey, i int, hb heartbeats) (time.Duration, bool) {
	next, ok := hb.next, hb.on()
	if i < len(j.Events) {
		at := time.Duration(j.Events[i].At)
		if !ok || at < next {
			next, ok = at, true
		}
	}
	return next, ok
}

// heartbeats is the beacon's heartbeat timer, as the simulator keeps it:
// it runs while a page is open and visible, counted from the page view and
// restarted when a hidden page becomes visible again. Heartbeats written
// in the journey are events like any other and do not move it.
type heartbeats struct {
	every   time.Duration
	page    bool // a page is open: viewed and not left
	visible bool
	next    time.Duration
}

// after updates the timer with a journey event.
func (h *heartbeats) after(at time.Duration, ev tracker.Event) {
	switch {
	case ev.Type == tracker.PageView:
		h.page, h.visible, h.next = true, true, at+h.every
	case ev.Type == tracker.PageLeave:
		h.page = false
	case ev.Type == tracker.Visibility && ev.State == "hidden":
		h.visible = false
	case ev.Type == tracker.Visibility && ev.State == "visible":
		if !h.visible {
			h.next = at + h.every
		}
		h.visible = true
	}
}

func (h heartbeats) on() bool { return h.every > 0 && h.page && h.visible }

func (h *heartbeats) due(at time.Duration) bool { return h.on() && h.next == at }
