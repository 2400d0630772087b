// Package journey owns the journey format (a visitor's events on a virtual
// clock), the simulator that replays journeys through the real engine, and
// rule tests (journeys with the messages they must produce).
package journey

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"sort"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/beckonhq/beckon/tracker"
)

// Duration is a Go duration written as a string (45s, 1m30s).
type Duration time.Duration

// UnmarshalYAML accepts Go duration strings only.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	v, err := time.ParseDuration(n.Value)
	if err != nil || n.Kind != yaml.ScalarNode {
		return fmt.Errorf("line %d: %q is not a duration (write it like 45s or 1m30s)", n.Line, n.Value)
	}
	if v < 0 {
		return fmt.Errorf("line %d: duration %q must not be negative", n.Line, n.Value)
	}
	*d = Duration(v)
	return nil
}

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

// UnmarshalYAML decodes an event strictly and remembers its line.
func (e *Event) UnmarshalYAML(n *yaml.Node) error {
	type plain Event
	var p plain
	if err := decodeStrict(n, &p); err != nil {
		return err
	}
	*e = Event(p)
	e.line = n.Line
	return nil
}

// decodeStrict decodes a mapping node, refusing keys that out's struct
// does not have.
func decodeStrict(n *yaml.Node, out any) error {
	if n.Kind != yaml.MappingNode {
		return fmt.Errorf("line %d: expected a mapping", n.Line)
	}
	known := map[string]bool{}
	t := reflect.TypeOf(out).Elem()
	for i := 0; i < t.NumField(); i++ {
		if tag := strings.Split(t.Field(i).Tag.Get("yaml"), ",")[0]; tag != "" {
			known[tag] = true
		}
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if k := n.Content[i]; !known[k.Value] {
			return fmt.Errorf("line %d: unknown key %s", k.Line, k.Value)
		}
	}
	return n.Decode(out)
}

// LoadFile reads the journeys in a file: one YAML document each.
func LoadFile(path string) ([]*Journey, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var out []*Journey
	for {
		j := &Journey{}
		err := dec.Decode(j)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %v", path, err)
		}
		if err := j.Validate(); err != nil {
			return nil, fmt.Errorf("%s: journey %q: %v", path, j.Name, err)
		}
		if j.Name == "" {
			j.Name = path
		}
		out = append(out, j)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no journey in the file", path)
	}
	return out, nil
}
