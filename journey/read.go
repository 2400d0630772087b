package journey

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/beckonhq/beckon/rules"
	"github.com/beckonhq/beckon/tracker"
)

var (
	journeyKeys = []string{"name", "start", "heartbeat", "until", "visitor", "events"}
	visitorKeys = []string{"id", "attributes", "device", "visits"}
	eventKeys   = []string{"at", "type", "url", "title", "referrer", "depth", "state", "name", "attributes",
		"device", "quick_reply", "text", "message_id"}
)

// LoadFile reads the journeys in a file, one YAML document each. Its
// error lists every problem found, as rules.Diagnostics.
func LoadFile(path string) ([]*Journey, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	d := &decoder{file: path}
	var out []*Journey
	for i, doc := range d.documents(data) {
		out = append(out, d.journey(doc, &Journey{}, "journey", i, nil))
	}
	if len(out) == 0 && len(d.diags) == 0 {
		d.errorf(nil, "", "", "no journey in the file")
	}
	if len(d.diags) > 0 {
		return nil, d.sorted()
	}
	for _, j := range out {
		j.Validate() // sorts the events; the decoder checked them
		if j.Name == "" {
			j.Name = path
		}
	}
	return out, nil
}

// documents returns the file's YAML documents; a syntax error is reported
// and ends the file.
func (d *decoder) documents(data []byte) []*yaml.Node {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var docs []*yaml.Node
	for {
		var doc yaml.Node
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			return docs
		}
		if err != nil {
			line, col, msg := rules.YAMLSyntax(data, err)
			d.diags = append(d.diags, rules.Diagnostic{File: d.file, Line: line, Col: col, Msg: msg})
			return docs
		}
		if len(doc.Content) > 0 && !(doc.Content[0].Kind == yaml.ScalarNode && doc.Content[0].Tag == "!!null") {
			docs = append(docs, doc.Content[0])
		}
	}
}

// journey decodes a journey mapping into j; other handles the keys of a
// rule test that a journey has not.
func (d *decoder) journey(n *yaml.Node, j *Journey, kind string, i int, other map[string]func(f field, ctx string)) *Journey {
	known := journeyKeys
	for k := range other {
		known = append(known[:len(known):len(known)], k)
	}
	ctx := fmt.Sprintf("%s %d", kind, i+1)
	if name := peek(n, "name"); name != "" {
		ctx = fmt.Sprintf("%s %q", kind, name)
	}
	fields := d.mapping(n, ctx, "", known)
	for _, f := range fields {
		if h, ok := other[f.key]; ok {
			h(f, ctx)
			continue
		}
		d.journeyField(j, f, ctx)
	}
	if missing(n, known, "start") {
		d.errorf(n, ctx, "", "start is required: the moment the journey begins, like 2026-01-20T14:29:00Z")
	}
	if missing(n, known, "visitor") {
		d.errorf(n, ctx, "", "visitor is required, with an id: visitor: {id: visitor_1}")
	}
	return j
}

// missing reports whether mapping n lacks key, unless an unknown key of n
// is a misspelling of it: that key's own error already says what to fix.
func missing(n *yaml.Node, known []string, key string) bool {
	n = resolve(n)
	if n.Kind != yaml.MappingNode {
		return false
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i].Value
		if k == key || !contains(known, k) && rules.Suggest(k, known) == " (did you mean "+key+"?)" {
			return false
		}
	}
	return true
}

func (d *decoder) journeyField(j *Journey, f field, ctx string) {
	switch f.key {
	case "name":
		j.Name = d.str(f.node, ctx, "name")
	case "start":
		j.Start = d.timestamp(f.node, ctx, "start")
	case "heartbeat":
		if v, ok := d.duration(f.node, ctx, "heartbeat"); ok {
			j.Heartbeat = &v
		}
	case "until":
		if v, ok := d.duration(f.node, ctx, "until"); ok {
			j.Until = &v
		}
	case "visitor":
		d.visitor(f.node, &j.Visitor, ctx)
	case "events":
		for i, item := range d.items(f.node, ctx, "events") {
			j.Events = append(j.Events, d.event(item, fmt.Sprintf("events[%d]", i), ctx))
		}
	}
}

func (d *decoder) visitor(n *yaml.Node, v *Visitor, ctx string) {
	fields := d.mapping(n, ctx, "visitor", visitorKeys)
	for _, f := range fields {
		path := "visitor." + f.key
		switch f.key {
		case "id":
			v.ID = d.str(f.node, ctx, path)
		case "attributes":
			v.Attributes = d.anyMap(f.node, ctx, path)
		case "device":
			v.Device = d.str(f.node, ctx, path)
			if !contains([]string{"desktop", "mobile", "tablet"}, v.Device) && v.Device != "" {
				d.errorf(f.node, ctx, path, "unknown device %q%s", v.Device, rules.OrChoices(v.Device, []string{"desktop", "mobile", "tablet"}))
			}
		case "visits":
			v.Visits = d.integer(f.node, ctx, path)
		}
	}
	if resolve(n).Kind == yaml.MappingNode && !hasKey(fields, "id") {
		d.errorf(n, ctx, "visitor", "id is required")
	}
}

// event decodes one event and checks that its type is known and it has
// what that type needs.
func (d *decoder) event(n *yaml.Node, path, ctx string) Event {
	e := Event{line: n.Line}
	fields := d.mapping(n, ctx, path, eventKeys)
	var typeNode *yaml.Node
	for _, f := range fields {
		d.eventField(&e, f, path+"."+f.key, ctx)
		if f.key == "type" {
			typeNode = f.node
		}
	}
	switch {
	case resolve(n).Kind != yaml.MappingNode:
	case typeNode == nil:
		d.errorf(n, ctx, path, "type is required%s", rules.OrChoices("", tracker.Types))
	case !contains(tracker.Types, e.Type):
		d.errorf(typeNode, ctx, path+".type", "unknown event type %q%s", e.Type, rules.OrChoices(e.Type, tracker.Types))
	default:
		ev := e.tracker(time.Time{}, "v")
		if err := ev.Validate(); err != nil {
			at, p := n, path
			for _, f := range fields { // at the value at fault, when there is one
				if f.key != "type" && strings.Contains(err.Error(), f.key) {
					at, p = f.node, path+"."+f.key
				}
			}
			d.errorf(at, ctx, p, "%v", err)
		}
	}
	if missing(n, eventKeys, "at") {
		d.errorf(n, ctx, path, "at is required: the time from the journey's start, like 45s")
	}
	return e
}

func (d *decoder) eventField(e *Event, f field, path, ctx string) {
	switch f.key {
	case "at":
		e.At, _ = d.duration(f.node, ctx, path)
	case "depth":
		e.Depth = d.number(f.node, ctx, path)
	case "attributes":
		e.Attributes = d.anyMap(f.node, ctx, path)
	default:
		s := d.str(f.node, ctx, path)
		*eventText(e, f.key) = s
	}
}

// eventText is the text field of an event that key names.
func eventText(e *Event, key string) *string {
	return map[string]*string{"type": &e.Type, "url": &e.URL, "title": &e.Title, "referrer": &e.Referrer,
		"state": &e.State, "name": &e.Name, "device": &e.Device, "quick_reply": &e.QuickReply,
		"text": &e.Text, "message_id": &e.MessageID}[key]
}

// peek is the text value of key in mapping n, or "".
func peek(n *yaml.Node, key string) string {
	n = resolve(n)
	for i := 0; n.Kind == yaml.MappingNode && i+1 < len(n.Content); i += 2 {
		if v := resolve(n.Content[i+1]); n.Content[i].Value == key && v.Kind == yaml.ScalarNode {
			return v.Value
		}
	}
	return ""
}

func hasKey(fields []field, key string) bool {
	for _, f := range fields {
		if f.key == key {
			return true
		}
	}
	return false
}
