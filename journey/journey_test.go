package journey

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func writeFile(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "j.yaml")
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestLoadFileErrors(t *testing.T) {
	cases := []struct{ body, want string }{
		{"name: x\nstart: 2026-01-20T14:29:00Z\nvisitor: {id: v}\nevents:\n  - {at: 0s, type: page_view, url: /a, colour: red}\n",
			"line 5: unknown key colour"},
		{"name: x\nstart: 2026-01-20T14:29:00Z\nvisitor: {id: v}\nevents:\n  - {at: 10, type: page_view, url: /a}\n",
			`line 5: "10" is not a duration (write it like 45s or 1m30s)`},
		{"name: x\nvisitor: {id: v}\nevents: []\n", "start is required"},
		{"name: x\nstart: 2026-01-20T14:29:00Z\nevents: []\n", "visitor.id is required"},
		{"name: x\nstart: 2026-01-20T14:29:00Z\nvisitor: {id: v}\nevents:\n  - {at: 0s, type: page_veiw, url: /a}\n",
			`events[0] (line 5): unknown event type "page_veiw"`},
		{"name: x\nstart: 2026-01-20T14:29:00Z\nvisitor: {id: v}\nevents:\n  - {at: 0s, type: scroll, depth: 140}\n",
			"events[0] (line 5): scroll depth 140 is outside 0-100"},
		{"name: x\nstart: 2026-01-20T14:29:00Z\nvisitr: {id: v}\n", "field visitr not found"},
		{"", "no journey in the file"},
	}
	for _, c := range cases {
		_, err := LoadFile(writeFile(t, c.body))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("LoadFile(%q): err = %v, want it to contain %q", c.body, err, c.want)
		}
	}
}

func TestLoadFileSortsAndDefaults(t *testing.T) {
	js, err := LoadFile(writeFile(t, `name: one
start: 2026-01-20T14:29:00Z
visitor: {id: v}
events:
  - {at: 20s, type: scroll, depth: 10}
  - {at: 5s, type: page_view, url: /a}
  - {at: 20s, type: exit_intent}
---
name: two
start: 2026-01-20T14:29:00Z
heartbeat: 0s
until: 1m
visitor: {id: w}
events: []
`))
	if err != nil {
		t.Fatal(err)
	}
	if len(js) != 2 {
		t.Fatalf("got %d journeys", len(js))
	}
	var order []string
	for _, e := range js[0].Events {
		order = append(order, e.Type)
	}
	if strings.Join(order, ",") != "page_view,scroll,exit_intent" {
		t.Errorf("events in order %v: want time order, ties as given", order)
	}
	if js[0].End() != 20*time.Second+DefaultTail || js[0].HeartbeatEvery() != DefaultHeartbeat {
		t.Errorf("defaults: end %s heartbeat %s", js[0].End(), js[0].HeartbeatEvery())
	}
	if js[1].End() != time.Minute || js[1].HeartbeatEvery() != 0 {
		t.Errorf("set: end %s heartbeat %s", js[1].End(), js[1].HeartbeatEvery())
	}
}
