// Package tracker owns what Beckon knows about a visitor from the beacon's
// events: the event model, sessions (30 minutes of silence end one),
// presence (online, idle, offline) and the current page. It also embeds
// beckon.js, the beacon and chat widget.
package tracker

import (
	"fmt"
	"time"
)

// Event types.
const (
	PageView   = "page_view"
	Heartbeat  = "heartbeat"
	Scroll     = "scroll"
	ExitIntent = "exit_intent"
	Visibility = "visibility"
	PageLeave  = "page_leave"
	Identify   = "identify"
	Reply      = "reply"
	Custom     = "custom"
)

// Types lists the event types a beacon or journey may send.
var Types = []string{PageView, Heartbeat, Scroll, ExitIntent, Visibility, PageLeave, Identify, Reply, Custom}

// Event is one thing a visitor did. The beacon and journeys use the same
// field names.
type Event struct {
	Time       time.Time      `json:"time"`
	VisitorID  string         `json:"visitor_id"`
	Type       string         `json:"type"`
	URL        string         `json:"url,omitempty"`
	Title      string         `json:"title,omitempty"`
	Referrer   string         `json:"referrer,omitempty"`
	Depth      float64        `json:"depth,omitempty"`
	State      string         `json:"state,omitempty"` // visibility: visible | hidden
	Name       string         `json:"name,omitempty"`  // custom
	Attributes map[string]any `json:"attributes,omitempty"`
	Device     string         `json:"device,omitempty"`
	// A reply is typed Text or a QuickReply value; for a click, Text and
	// Action are filled in from the message that offered the value.
	Text       string `json:"text,omitempty"`
	QuickReply string `json:"quick_reply,omitempty"`
	Action     string `json:"action,omitempty"`
	MessageID  string `json:"message_id,omitempty"`
}

// Validate checks that the event's type is known and it carries what that
// type needs.
func (e *Event) Validate() error {
	switch e.Type {
	case PageView:
		if e.URL == "" {
			return fmt.Errorf("page_view needs a url")
		}
	case Scroll:
		if e.Depth < 0 || e.Depth > 100 {
			return fmt.Errorf("scroll depth %v is outside 0-100", e.Depth)
		}
	case Visibility:
		if e.State != "visible" && e.State != "hidden" {
			return fmt.Errorf("visibility state must be visible or hidden, got %q", e.State)
		}
	case Custom:
		if e.Name == "" {
			return fmt.Errorf("custom event needs a name")
		}
	case Reply:
		if e.Text == "" && e.QuickReply == "" {
			return fmt.Errorf("reply needs text or quick_reply")
		}
	case Heartbeat, ExitIntent, PageLeave, Identify:
	default:
		return fmt.Errorf("unknown event type %q", e.Type)
	}
	switch e.Device {
	case "", "desktop", "mobile", "tablet":
	default:
		return fmt.Errorf("device must be desktop, mobile or tablet, got %q", e.Device)
	}
	return nil
}
