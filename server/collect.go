package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"unicode/utf8"

	"github.com/beckonhq/beckon/engine"
	"github.com/beckonhq/beckon/tracker"
)

// collectEvent is one beacon event as sent to /v1/collect: the site, the
// visitor and the journey fields of its type.
type collectEvent struct {
	Site       string         `json:"site"`
	VisitorID  string         `json:"visitor_id"`
	Type       string         `json:"type"`
	URL        string         `json:"url"`
	Title      string         `json:"title"`
	Referrer   string         `json:"referrer"`
	Depth      float64        `json:"depth"`
	State      string         `json:"state"`
	Name       string         `json:"name"`
	Attributes map[string]any `json:"attributes"`
	Device     string         `json:"device"`
	Token      string         `json:"token"`
}

// Bounds of beacon events.
const (
	maxBatch      = 50
	maxURL        = 2048
	maxTitle      = 512 // characters; longer titles are cut
	maxAttributes = 50
	maxAttrValue  = 1024 // bytes of JSON
)

// decodeCollect reads one event or an array of them.
func decodeCollect(body []byte) ([]collectEvent, error) {
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 || trimmed[0] != '[' {
		var ev collectEvent
		if err := decodeStrict(body, &ev, ""); err != nil {
			return nil, err
		}
		return []collectEvent{ev}, nil
	}
	var raw []json.RawMessage
	if err := decodeStrict(body, &raw, ""); err != nil {
		return nil, err
	}
	if len(raw) == 0 || len(raw) > maxBatch {
		return nil, errInvalid("", "send 1 to %d events (this batch has %d)", maxBatch, len(raw))
	}
	events := make([]collectEvent, len(raw))
	for i, r := range raw {
		if err := decodeStrict(r, &events[i], fmt.Sprintf("[%d].", i)); err != nil {
			return nil, err
		}
	}
	return events, nil
}

// validate checks every event (the batch is refused whole) and turns
// them into tracker events.
func validateEvents(events []collectEvent) ([]tracker.Event, error) {
	out := make([]tracker.Event, len(events))
	for i, e := range events {
		at := ""
		if len(events) > 1 {
			at = fmt.Sprintf("[%d].", i)
		}
		if e.Site != events[0].Site {
			return nil, errInvalid(at+"site", "every event of a batch must be for the same site")
		}
		if e.VisitorID != events[0].VisitorID || e.Token != events[0].Token {
			return nil, errInvalid(at+"visitor_id", "every event of a batch must be for the same visitor, with the same token")
		}
		ev, err := e.event(at)
		if err != nil {
			return nil, err
		}
		out[i] = ev
	}
	return out, nil
}

func (e *collectEvent) event(at string) (tracker.Event, error) {
	if err := checkID(at+"visitor_id", e.VisitorID); err != nil {
		return tracker.Event{}, err
	}
	if e.Type == tracker.Reply {
		return tracker.Event{}, errInvalid(at+"type", "replies go to POST /v1/reply")
	}
	if !slices.Contains(tracker.Types, e.Type) {
		return tracker.Event{}, errInvalid(at+"type", "unknown event type %s", quote(e.Type))
	}
	if len(e.URL) > maxURL || len(e.Referrer) > maxURL {
		return tracker.Event{}, errInvalid(at+"url", "url and referrer have at most %d bytes", maxURL)
	}
	if err := checkAttributes(at+"attributes", e.Attributes); err != nil {
		return tracker.Event{}, err
	}
	ev := tracker.Event{VisitorID: e.VisitorID, Type: e.Type, URL: e.URL, Title: cut(e.Title, maxTitle),
		Referrer: e.Referrer, Depth: e.Depth, State: e.State, Name: e.Name, Attributes: e.Attributes, Device: e.Device}
	if err := ev.Validate(); err != nil {
		return tracker.Event{}, errInvalid(at+fieldOfType(e.Type, e.Device), "%v", err)
	}
	return ev, nil
}

// fieldOfType names the field tracker.Validate checks for a type.
func fieldOfType(typ, device string) string {
	switch {
	case typ == tracker.PageView:
		return "url"
	case typ == tracker.Scroll:
		return "depth"
	case typ == tracker.Visibility:
		return "state"
	case typ == tracker.Custom:
		return "name"
	case device != "":
		return "device"
	}
	return "type"
}

func checkAttributes(field string, attrs map[string]any) error {
	if len(attrs) > maxAttributes {
		return errInvalid(field, "at most %d attributes (these are %d)", maxAttributes, len(attrs))
	}
	for k, v := range attrs {
		b, _ := json.Marshal(v)
		if k == "" || len(k) > maxToken || len(b) > maxAttrValue {
			return errInvalid(field+"."+cut(k, 32), "attribute names have 1-%d bytes and values at most %d bytes of JSON", maxToken, maxAttrValue)
		}
	}
	return nil
}

// cut shortens s to at most n characters.
func cut(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}

// collect is POST /v1/collect.
func (s *Server) collect(w http.ResponseWriter, r *http.Request) {
	body, err := readBody(w, r, maxCollectBody)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	batch, err := decodeCollect(body)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	st, err := s.admit(w, r, batch[0].Site, len(batch))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	events, err := validateEvents(batch)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	fresh, err := s.tokens.authorize(st.ws.id, batch[0].VisitorID, batch[0].Token, true)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	n, err := st.ws.collect(events)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeBody(w, http.StatusAccepted, s.collectAnswer(r, collectData{Accepted: n, VisitorToken: fresh}))
}

// collectData is the answer to a collect: the events taken and, on the
// visitor's first collect (or when its token was signed by an older key),
// the token to send from now on.
type collectData struct {
	Accepted     int    `json:"accepted"`
	VisitorToken string `json:"visitor_token,omitempty"`
}

// collect applies a batch of events at the clock's time, in order. An
// identify past the visitor's attribute limits is refused with 400
// too_many_attributes; the events before it stay applied.
func (ws *workspace) collect(events []tracker.Event) (int, error) {
	now := ws.clock.Now()
	for i, ev := range events {
		ev.Time = now
		_, err := ws.eng.Handle(ev)
		if errors.Is(err, engine.ErrTooManyAttributes) {
			e := engineError(err).(*apiError)
			if len(events) > 1 {
				e.Field = fmt.Sprintf("[%d].attributes", i)
				e.Message += fmt.Sprintf(" (the %d events before it were accepted)", i)
			}
			return i, e
		}
		if err != nil {
			return i, fmt.Errorf("apply %s event of visitor %s: %w", ev.Type, ev.VisitorID, err)
		}
	}
	for _, ev := range events {
		ws.metrics.eventAccepted(ws.id, ev.Type)
	}
	return len(events), nil
}

// collectAnswer is okBytes for collectData, built without reflection: the
// beacon calls collect more than anything else. Its ids and token are
// plain ASCII (letters, digits, _ and -), so nothing needs escaping; a test
// keeps it the same as okBytes, byte for byte.
func (s *Server) collectAnswer(r *http.Request, d collectData) []byte {
	m := s.meta(r)
	b := make([]byte, 0, 160)
	b = append(b, `{"data":{"accepted":`...)
	b = strconv.AppendInt(b, int64(d.Accepted), 10)
	if d.VisitorToken != "" {
		b = append(b, `,"visitor_token":"`...)
		b = append(b, d.VisitorToken...)
		b = append(b, '"')
	}
	b = append(b, `},"meta":{"request_id":"`...)
	b = append(b, m.RequestID...)
	b = append(b, `","timestamp":"`...)
	b = append(b, m.Timestamp...)
	return append(b, "\"}}\n"...)
}
