// Package journey owns the journey format (a visitor's events on a virtual
// clock), the simulator that replays journeys through the real engine, and
// rule tests (journeys with the messages they must produce).
package journey

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/beckonhq/beckon/tracker"
)

// Duration is a Go duration written as a string (45s, 1m30s).
type Duration time.Duration

// Visitor is who the journey is about.
type Visitor struct {
	ID         string         `yaml:"id"`
	Attributes map[string]any `yaml:"attributes"`
	Device     string         `yaml:"device"`
	// Visits is how many visits came before this journey (0: a new visitor).
	Visits int `yaml:"visits"`
}

// Event is one event of a journey, at an offset from its start.
type Event struct {
	At         Duration       `yaml:"at"`
	Type       string         `yaml:"type"`
	URL        string         `yaml:"url"`
	Title      string         `yaml:"title"`
	Referrer   string         `yaml:"referrer"`
	Depth      float64        `yaml:"depth"`
	State      string         `yaml:"state"`
	Name       string         `yaml:"name"`
	Attributes map[string]any `yaml:"attributes"`
	Device     string         `yaml:"device"`
	QuickReply string         `yaml:"quick_reply"`
	Text       string         `yaml:"text"`
	MessageID  string         `yaml:"message_id"`
	line       int
}

// Journey is a visitor's events on a virtual clock.
type Journey struct {
	Name      string    `yaml:"name"`
	Start     time.Time `yaml:"start"`
	Heartbeat *Duration `yaml:"heartbeat"` // default 15s; 0s turns heartbeats off
	Until     *Duration `yaml:"until"`     // default: 10 minutes after the last event
	Visitor   Visitor   `yaml:"visitor"`
	Events    []Event   `yaml:"events"`
}

// DefaultHeartbeat is the beacon's heartbeat interval.
const DefaultHeartbeat = 15 * time.Second

// DefaultTail is how long a journey runs after its last event.
const DefaultTail = 10 * time.Minute

// HeartbeatEvery is the journey's heartbeat interval; 0 means none.
func (j *Journey) HeartbeatEvery() time.Duration {
	if j.Heartbeat == nil {
		return DefaultHeartbeat
	}
	return time.Duration(*j.Heartbeat)
}

// End is the offset at which the journey stops.
func (j *Journey) End() time.Duration {
	if j.Until != nil {
		return time.Duration(*j.Until)
	}
	var last time.Duration
	for _, e := range j.Events {
		last = max(last, time.Duration(e.At))
	}
	return last + DefaultTail
}

// Validate checks the journey and sorts its events by time (stable, so
// events at one instant keep their order).
func (j *Journey) Validate() error {
	var errs []string
	if j.Start.IsZero() {
		errs = append(errs, "start is required (like 2026-01-20T14:29:00Z)")
	}
	if j.Visitor.ID == "" {
		errs = append(errs, "visitor.id is required")
	}
	for i := range j.Events {
		e := j.Events[i].tracker(j.Start, j.Visitor.ID)
		if err := e.Validate(); err != nil {
			errs = append(errs, fmt.Sprintf("events[%d] (line %d): %v", i, j.Events[i].line, err))
		}
	}
	if len(errs) > 0 {
		return errors.New(strings.Join(errs, "; "))
	}
	sort.SliceStable(j.Events, func(a, b int) bool { return j.Events[a].At < j.Events[b].At })
	return nil
}

func (e *Event) tracker(start time.Time, visitorID string) tracker.Event {
	return tracker.Event{
		Time: start.Add(time.Duration(e.At)), VisitorID: visitorID, Type: e.Type,
		URL: e.URL, Title: e.Title, Referrer: e.Referrer, Depth: e.Depth, State: e.State,
		Name: e.Name, Attributes: e.Attributes, Device: e.Device,
		QuickReply: e.QuickReply, Text: e.Text, MessageID: e.MessageID,
	}
}
