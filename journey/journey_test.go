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

// Journey files get the rule file's treatment: file:line:col, plain
// words, a did-you-mean, every problem at once.
func TestLoadFileErrors(t *testing.T) {
	head := "name: x\nstart: 2026-01-20T14:29:00Z\nvisitor: {id: v}\nevents:\n"
	cases := []struct {
		body string
		want []string
	}{
		{head + "  - {at: 0s, type: page_view, url: /a, colour: red}\n", []string{
			`F:5:40: journey "x": unknown key events[0].colour (use at, type, url, title, referrer, depth, state, name, attributes, device, quick_reply, text or message_id)`}},
		{head + "  - {at: 10, type: page_view, url: /a}\n", []string{
			`F:5:10: journey "x": events[0].at: 10 has no unit: write 10s, 10m or 10h`}},
		{"name: x\nvisitor: {id: v}\nevents: []\n", []string{
			`F:1:1: journey "x": start is required: the moment the journey begins, like 2026-01-20T14:29:00Z`}},
		{"name: x\nstart: 2026-01-20 14:29\nvisitor: {name: v}\nevents: []\n", []string{
			`F:2:8: journey "x": start: "2026-01-20 14:29" is not a time: write it like 2026-01-20T14:29:00Z (a date, T, a time and a zone: Z for UTC, or like -06:00)`,
			`F:3:10: journey "x": visitor: id is required`,
			`F:3:11: journey "x": unknown key visitor.name (use id, attributes, device or visits)`}},
		{head + "  - {at: 0s, type: page_veiw, url: /a}\n  - {at: 5s, type: scroll, depth: 140}\n  - {type: exit_intent}\n", []string{
			`F:5:20: journey "x": events[0].type: unknown event type "page_veiw" (did you mean page_view?)`,
			`F:6:35: journey "x": events[1].depth: scroll depth 140 is outside 0-100`,
			`F:7:5: journey "x": events[2]: at is required: the time from the journey's start, like 45s`}},
		// A misspelled key is not reported as missing as well.
		{"name: x\nstart: 2026-01-20T14:29:00Z\nvisitr: {id: v}\n", []string{
			`F:3:1: journey "x": unknown key visitr (did you mean visitor?)`}},
		{"name: x\nstart: 2026-01-20T14:29:00Z\n  visitor: {id: v}\n", []string{
			`F:3:10: yaml: mapping values are not allowed in this context (check the indentation, and quote text that contains ": ")`}},
		{"", []string{"F:1:1: no journey in the file"}},
	}
	for _, c := range cases {
		p := writeFile(t, c.body)
		_, err := LoadFile(p)
		want := strings.ReplaceAll(strings.Join(c.want, "\n"), "F:", p+":")
		if err == nil || err.Error() != want {
			t.Errorf("LoadFile(%q):\n got %v\nwant %s", c.body, err, want)
		}
	}
}

// Rule test files too, and the rules a test expects must exist.
func TestRunTestFileErrors(t *testing.T) {
	dir := t.TempDir()
	rulesPath := filepath.Join(dir, "rules.yaml")
	os.WriteFile(rulesPath, []byte("version: 1\npolicy: {min_wait: 0s}\nrules:\n  - {name: ac-repair-linger, when: 'page.path == \"/a\"', message: hi}\n"), 0o644)
	cases := []struct {
		body string
		want []string
	}{
		{"rule_files: [rules.yaml]\ntests:\n  - name: t\n    start: 2026-01-20T14:29\n    visitor: {id: v}\n    events: []\n    expects: []\n", []string{
			`F:4:12: test "t": start: "2026-01-20T14:29" is not a time: write it like 2026-01-20T14:29:00Z (a date, T, a time and a zone: Z for UTC, or like -06:00)`,
			`F:7:5: test "t": unknown key expects (did you mean expect?)`}},
		{"rule_files: [rules.yaml]\ntests:\n  - name: t\n    start: 2026-01-20T14:29:00Z\n    visitor: {id: v}\n    events: []\n", []string{
			`F:3:5: test "t": expect is required: the messages the test must get, in order (expect: [] for none)`}},
		{"rule_files: [rules.yaml]\ntests:\n  - name: t\n    start: 2026-01-20T14:29:00Z\n    visitor: {id: v}\n    events: [{at: 0s, type: page_view, url: /a}]\n    expect: [{at: 0s, rule: ac-repair-lingr}, {rule: x}]\n", []string{
			`F:7:29: test "t": expect[0].rule: no rule ac-repair-lingr in the rule files (did you mean ac-repair-linger?)`,
			`F:7:47: test "t": expect[1]: at is required`,
			`F:7:54: test "t": expect[1].rule: no rule x in the rule files`}},
		{"tests: []\n", []string{
			`F:1:1: rule_files: is required: the rule files to test, relative to this file, like rule_files: [../rules.yaml]`}},
	}
	for _, c := range cases {
		p := filepath.Join(dir, "t.test.yaml")
		os.WriteFile(p, []byte(c.body), 0o644)
		_, err := RunTestFile(p)
		want := strings.ReplaceAll(strings.Join(c.want, "\n"), "F:", p+":")
		if err == nil || err.Error() != want {
			t.Errorf("RunTestFile(%q):\n got %v\nwant %s", c.body, err, want)
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
