package engine_test

import (
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/beckonhq/beckon/engine"
	"github.com/beckonhq/beckon/journey"
	"github.com/beckonhq/beckon/store/boltstore"
	"github.com/beckonhq/beckon/tracker"
)

const equivRules = `version: 1
policy: {min_wait: 30s}
rules:
  - name: linger
    when: page.path == "/a" && page.scroll_depth >= 50
    for: 40s
    message: "Hi {{ visitor.attributes.first_name ?? \"there\" }}, score {{ visitor.engagement_score }}"
    quick_replies: [{text: Quote, value: quote, action: quote}, {text: Call, value: call, action: call}]
  - name: call-back
    when: session.last_reply.action == "call"
    message: Calling you now
`

// The simulator is the engine plus a heartbeat timer: feeding a hand-built
// engine the same events and heartbeats on the same clock gives the same
// messages, field for field.
func TestSimulatorMatchesHandBuiltEngine(t *testing.T) {
	set := mustSet(t, equivRules)
	events := []journey.Event{
		page("0s", "/a"), ev("10s", tracker.Scroll), ev("1m30s", tracker.Reply, "quick_reply", "call"),
	}
	events[1].Depth = 70
	j := &journey.Journey{Name: "equiv", Start: start, Visitor: journey.Visitor{ID: "v1", Attributes: map[string]any{"first_name": "Dana"}}, Events: events}
	until := journey.Duration(3 * time.Minute)
	j.Until = &until
	if err := j.Validate(); err != nil {
		t.Fatal(err)
	}
	simulated, err := journey.Run(set, j, journey.Options{})
	if err != nil {
		t.Fatal(err)
	}

	st := tempStore(t)
	clock := engine.NewVirtualClock(start)
	sink := &collect{}
	n := map[string]int{}
	eng, err := engine.New(engine.Options{Rules: set, Store: st, Sender: sink, Clock: clock, NewID: func(p string) string {
		n[p]++
		return p + "_" + string(rune('0'+n[p]))
	}})
	if err != nil {
		t.Fatal(err)
	}
	eng.SeedVisitor("v1", map[string]any{"first_name": "Dana"}, "", 0)
	at := func(s string) time.Time { d, _ := time.ParseDuration(s); return start.Add(d) }
	feed := []tracker.Event{
		{Time: at("0s"), Type: tracker.PageView, URL: "https://example.com/a"},
		{Time: at("10s"), Type: tracker.Scroll, Depth: 70},
	}
	for _, hb := range []string{"15s", "30s", "45s", "1m0s", "1m15s"} {
		feed = append(feed, tracker.Event{Time: at(hb), Type: tracker.Heartbeat})
	}
	feed = append(feed, tracker.Event{Time: at("1m30s"), Type: tracker.Reply, QuickReply: "call"})
	for _, hb := range []string{"1m45s", "2m0s", "2m15s", "2m30s", "2m45s", "3m0s"} {
		feed = append(feed, tracker.Event{Time: at(hb), Type: tracker.Heartbeat})
	}
	for _, e := range feed {
		e.VisitorID = "v1"
		clock.Set(e.Time)
		if _, err := eng.Handle(e); err != nil {
			t.Fatal(err)
		}
	}
	eng.RunDue(at("3m"))

	if len(simulated) != 2 || len(sink.msgs) != 2 {
		t.Fatalf("simulated %v, hand-built %d messages; want 2 each", describe(simulated), len(sink.msgs))
	}
	for i, s := range simulated {
		if !reflect.DeepEqual(s.Message, sink.msgs[i]) {
			t.Errorf("message %d differs:\nsimulated:  %+v\nhand-built: %+v", i, *s.Message, *sink.msgs[i])
		}
	}
	if got := describe(simulated); got[0] != "50s linger" || got[1] != "1m30s call-back" {
		t.Errorf("simulated sends %v, want [50s linger 1m30s call-back]", got)
	}
}

// Timers survive a restart: a wakeup stored by one engine is run by the
// next one over the same file, at its own time.
func TestWakeupSurvivesRestart(t *testing.T) {
	set := mustSet(t, fileWith("min_wait: 0s", rule("linger", `page.path == "/a"`, "for: 45s")))
	path := filepath.Join(t.TempDir(), "beckon.db")
	open := func(now time.Time) (*engine.Engine, *collect, *boltstore.Store) {
		db := openStore(t, path)
		sink := &collect{}
		eng, err := engine.New(engine.Options{Rules: set, Store: db, Sender: sink, Clock: engine.NewVirtualClock(now)})
		if err != nil {
			t.Fatal(err)
		}
		return eng, sink, db
	}
	eng, sink, db := open(start)
	if _, err := eng.Handle(tracker.Event{Time: start, VisitorID: "v1", Type: tracker.PageView, URL: "https://example.com/a"}); err != nil {
		t.Fatal(err)
	}
	if err := eng.Flush(); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if len(sink.msgs) != 0 {
		t.Fatalf("sent before the wait: %+v", sink.msgs)
	}

	later := start.Add(50 * time.Second)
	eng, sink, db = open(later)
	defer db.Close()
	next, ok := eng.NextWakeup()
	if !ok || !next.Equal(start.Add(45*time.Second)) {
		t.Fatalf("NextWakeup after restart = %v, %v; want %v", next, ok, start.Add(45*time.Second))
	}
	eng.RunDue(later)
	if len(sink.msgs) != 1 || !sink.msgs[0].Time.Equal(start.Add(45*time.Second)) || sink.msgs[0].Rule != "linger" {
		t.Fatalf("after restart: %+v; want linger at +45s", sink.msgs)
	}
}

// A rule's send and the visitor's memory of it are one commit: after a
// restart the rule does not send again.
func TestSendIsRememberedAcrossRestart(t *testing.T) {
	set := mustSet(t, fileWith("min_wait: 0s", rule("hello", `page.path == "/a"`)))
	path := filepath.Join(t.TempDir(), "beckon.db")
	for round := range 2 {
		db := openStore(t, path)
		sink := &collect{}
		eng, err := engine.New(engine.Options{Rules: set, Store: db, Sender: sink, Clock: engine.NewVirtualClock(start)})
		if err != nil {
			t.Fatal(err)
		}
		// No Flush: only the send's own commit is on disk.
		at := start.Add(time.Duration(round) * 10 * time.Second)
		eng.Handle(tracker.Event{Time: at, VisitorID: "v1", Type: tracker.PageView, URL: "https://example.com/a"})
		db.Close()
		if want := 1 - round; len(sink.msgs) != want {
			t.Fatalf("round %d: %d messages, want %d", round, len(sink.msgs), want)
		}
	}
}

// The page index skips rules whose page.path guard cannot match; explaining
// runs every rule. Both must send the same messages.
func TestIndexAndFullScanAgree(t *testing.T) {
	set := mustSet(t, fileWith("min_wait: 0s, max_proactive_per_session: 10",
		rule("exact", `page.path == "/a" && page.scroll_depth < 90`, "for: 20s", "frequency: always", "cooldown: 5s"),
		rule("prefix", `page.path startsWith "/s/"`, "for: 10s", "frequency: always", "cooldown: 5s"),
		rule("listed", `page.path in ["/x", "/y"]`, "frequency: always", "cooldown: 5s"),
		rule("anywhere", `session.page_views >= 4`),
	))
	j := &journey.Journey{Name: "mix", Start: start, Visitor: journey.Visitor{ID: "v1"}, Events: []journey.Event{
		page("0s", "/a"), page("15s", "/s/1"), page("30s", "/a"), ev("45s", tracker.Scroll), page("1m", "/x"),
		page("1m10s", "/y"), page("1m20s", "/s/2"), ev("1m25s", tracker.PageLeave), page("2m", "/s/3"),
	}}
	j.Events[3].Depth = 95
	if err := j.Validate(); err != nil {
		t.Fatal(err)
	}
	fast, err := journey.Run(set, j, journey.Options{})
	if err != nil {
		t.Fatal(err)
	}
	full, err := journey.Run(set, j, journey.Options{Trace: func(*engine.Evaluation) {}})
	if err != nil {
		t.Fatal(err)
	}
	if a, b := describe(fast), describe(full); !reflect.DeepEqual(a, b) || len(a) < 4 {
		t.Fatalf("indexed %v, full scan %v; want the same, at least 4", a, b)
	}
}
