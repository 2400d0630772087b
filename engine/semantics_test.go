package engine_test

import (
	"strings"
	"testing"
	"time"

	"github.com/beckonhq/beckon/journey"
	"github.com/beckonhq/beckon/tracker"
)

// One test per numbered item of docs/semantics.md, on the virtual clock.

// 3.1: events at one instant in the order given, then the evaluation at the
// event's time; a wakeup evaluates every rule; a wakeup at an instant that
// already had an evaluation is absorbed.
func TestSpec1EventOrderAndWakeups(t *testing.T) {
	set := mustSet(t, fileWith("min_wait: 0s",
		rule("linger", `page.path == "/a"`, "for: 40s"),
		rule("on-timer", `event.type == "timer" && page.path == "/b"`, "priority: 5"),
		rule("first-of-two", `page.path == "/first"`),
	))
	t.Run("wakeup sends at pending_since+for", func(t *testing.T) {
		got := simulate(t, set, run{heartbeat: "0s", events: []journey.Event{page("0s", "/a")}})
		expectSends(t, got, "40s linger")
	})
	t.Run("a wakeup evaluates all rules, not only the one that asked", func(t *testing.T) {
		// linger's wakeup comes at 40s; by then the visitor is on /b, so
		// linger is no longer pending, but on-timer is evaluated and sends.
		got := simulate(t, set, run{heartbeat: "0s", events: []journey.Event{page("0s", "/a"), page("10s", "/b")}})
		expectSends(t, got, "40s on-timer")
	})
	t.Run("an event at the wakeup's instant absorbs it", func(t *testing.T) {
		got := simulate(t, set, run{heartbeat: "0s", events: []journey.Event{
			page("0s", "/a"), page("10s", "/b"), ev("40s", tracker.Custom, "name", "x"),
		}})
		expectSends(t, got) // the 40s evaluation is the custom event's, not a timer
	})
	t.Run("events at one instant apply in the order given, each evaluated", func(t *testing.T) {
		got := simulate(t, set, run{heartbeat: "0s", events: []journey.Event{page("5s", "/first"), page("5s", "/b")}})
		expectSends(t, got, "5s first-of-two")
	})
}

// 3.2: pending from the first true evaluation, cleared by a false one; the
// wakeup at pending_since+for; ready when t - pending_since >= for.
func TestSpec2For(t *testing.T) {
	set := mustSet(t, fileWith("min_wait: 0s", rule("linger", `page.path == "/a"`, "for: 45s")))
	cases := []struct {
		name   string
		r      run
		expect []string
	}{
		{"exactly at for, by wakeup", run{heartbeat: "0s", events: []journey.Event{page("0s", "/a")}}, []string{"45s linger"}},
		{"heartbeats do not change the time", run{events: []journey.Event{page("0s", "/a")}}, []string{"45s linger"}},
		{"a false evaluation restarts the wait", run{heartbeat: "0s", events: []journey.Event{
			page("0s", "/a"), page("30s", "/b"), page("40s", "/a"),
		}}, []string{"1m25s linger"}},
		{"page_leave clears it; the next view starts over", run{events: []journey.Event{
			page("0s", "/a"), ev("20s", tracker.PageLeave), page("2m", "/a"),
		}}, []string{"2m45s linger"}},
		{"late-starting stretch uses its own pending_since", run{heartbeat: "0s", events: []journey.Event{
			page("0s", "/b"), page("7s", "/a"),
		}}, []string{"52s linger"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { expectSends(t, simulate(t, set, c.r), c.expect...) })
	}
}

// 3.3: a rule that sent stays fired until its condition is false again:
// `always` sends once per stretch.
func TestSpec3Fired(t *testing.T) {
	set := mustSet(t, fileWith("min_wait: 0s, max_proactive_per_session: 10",
		rule("on-a", `page.path == "/a"`, "frequency: always", "cooldown: 1s")))
	got := simulate(t, set, run{events: []journey.Event{
		page("0s", "/a"), // sends; heartbeats keep it true, no repeat
		page("1m", "/b"),
		page("1m30s", "/a"), // a new stretch
	}})
	expectSends(t, got, "0s on-a", "1m30s on-a")
}

// 3.4: each block, and the min_wait wakeup.
func TestSpec4Blocks(t *testing.T) {
	t.Run("min_wait floor schedules a wakeup at session start + min_wait", func(t *testing.T) {
		set := mustSet(t, fileWith("min_wait: 30s", rule("now", `page.path == "/b"`)))
		got := simulate(t, set, run{heartbeat: "0s", events: []journey.Event{page("0s", "/a"), page("10s", "/b")}})
		expectSends(t, got, "30s now")
	})
	t.Run("rule min_wait overrides the policy", func(t *testing.T) {
		set := mustSet(t, fileWith("min_wait: 30s", rule("now", `page.path == "/b"`, "min_wait: 5s")))
		got := simulate(t, set, run{heartbeat: "0s", events: []journey.Event{page("0s", "/b")}})
		expectSends(t, got, "5s now")
	})
	t.Run("the proactive cap counts every message of the session", func(t *testing.T) {
		set := mustSet(t, fileWith("min_wait: 0s",
			rule("first", `page.path == "/a"`), rule("second", `page.path == "/b"`)))
		got := simulate(t, set, run{events: []journey.Event{page("0s", "/a"), page("20s", "/b")}})
		expectSends(t, got, "0s first")
	})
	t.Run("once_per_session", func(t *testing.T) {
		set := mustSet(t, fileWith("min_wait: 0s, max_proactive_per_session: 10", rule("a", `page.path == "/a"`)))
		got := simulate(t, set, run{events: []journey.Event{page("0s", "/a"), page("20s", "/b"), page("40s", "/a")}})
		expectSends(t, got, "0s a")
	})
	t.Run("once_per_visitor holds across sessions", func(t *testing.T) {
		set := mustSet(t, fileWith("min_wait: 0s", rule("a", `page.path == "/a"`, "frequency: once_per_visitor"),
			rule("b", `page.path == "/a"`, "priority: -1")))
		got := simulate(t, set, run{heartbeat: "0s", events: []journey.Event{page("0s", "/a"), page("40m", "/a")}})
		expectSends(t, got, "0s a", "40m0s b")
	})
	t.Run("always waits out its cooldown; a cooldown's end is noticed at the next evaluation", func(t *testing.T) {
		set := mustSet(t, fileWith("min_wait: 0s, max_proactive_per_session: 10",
			rule("a", `page.path == "/a"`, "frequency: always", "cooldown: 1m")))
		got := simulate(t, set, run{events: []journey.Event{
			page("0s", "/a"), page("10s", "/b"), page("20s", "/a"), // in cooldown: pending, blocked
		}})
		// 20s: blocked by cooldown; the heartbeats at 35s, 50s, 65s: the
		// cooldown ends at 60s, noticed at the 65s heartbeat.
		expectSends(t, got, "0s a", "1m5s a")
	})
	t.Run("a closed schedule blocks; its opening is noticed at the next evaluation", func(t *testing.T) {
		// business opens 14:30 UTC; the journey starts 14:29:00.
		set := mustSet(t, "version: 1\npolicy: {min_wait: 0s}\nschedules:\n  open_at_1430: {cron: \"30 14 * * *\", for: 1h}\nrules:\n"+
			rule("a", `page.path == "/a"`, "during: open_at_1430"))
		got := simulate(t, set, run{events: []journey.Event{page("0s", "/a")}})
		expectSends(t, got, "1m0s a") // the heartbeat at 60s is the first evaluation at or after 14:30
		got = simulate(t, set, run{heartbeat: "0s", events: []journey.Event{page("0s", "/a"), ev("1m10s", tracker.Scroll)}})
		expectSends(t, got, "1m10s a") // no heartbeats: the scroll is the first evaluation after it opened
	})
	t.Run("only online visitors by default", func(t *testing.T) {
		set := mustSet(t, fileWith("min_wait: 0s", rule("a", `page.path == "/a"`, "for: 30s")))
		got := simulate(t, set, run{events: []journey.Event{page("0s", "/a"), ev("10s", tracker.Visibility, "state", "hidden")}})
		expectSends(t, got) // idle at 30s, offline from 70s
		set = mustSet(t, fileWith("min_wait: 0s, send_to: [online, idle]", rule("a", `page.path == "/a"`, "for: 30s")))
		got = simulate(t, set, run{events: []journey.Event{page("0s", "/a"), ev("10s", tracker.Visibility, "state", "hidden")}})
		expectSends(t, got, "30s a")
	})
	t.Run("a failed render sends nothing for that rule; the next one may", func(t *testing.T) {
		set := mustSet(t, fileWith("min_wait: 0s",
			"  - name: broken\n    when: page.path == \"/a\"\n    priority: 5\n    message: 'x {{ int(\"not a number\") }}'\n    quick_replies: [{text: A, value: a}, {text: B, value: b}]\n",
			rule("fallback", `page.path == "/a"`)))
		got := simulate(t, set, run{events: []journey.Event{page("0s", "/a")}})
		expectSends(t, got, "0s fallback")
	})
}

// 3.5: highest priority wins, ties by file order, one message per instant.
func TestSpec5Priority(t *testing.T) {
	set := mustSet(t, fileWith("min_wait: 0s, max_proactive_per_session: 10",
		rule("low", `page.path == "/a"`),
		rule("tie-first", `page.path == "/a"`, "priority: 5"),
		rule("tie-second", `page.path == "/a"`, "priority: 5"),
	))
	got := simulate(t, set, run{heartbeat: "0s", events: []journey.Event{
		page("0s", "/a"),
		ev("0s", tracker.Scroll), // the same instant: no second message
		ev("10s", tracker.Scroll),
		ev("20s", tracker.Scroll),
	}})
	expectSends(t, got, "0s tie-first", "10s tie-second", "20s low")
}

// 3.6: a reply engages the session: the cap and min_wait no longer apply,
// so a follow-up answers at once.
func TestSpec6ReplyEngages(t *testing.T) {
	set := mustSet(t, fileWith("min_wait: 30s",
		rule("offer", `page.path == "/a"`),
		"  - name: call-back\n    when: session.last_reply.action == \"call\"\n    message: Calling you now\n",
		rule("after-engaged", `session.engaged && page.path == "/b"`),
	))
	got := simulate(t, set, run{events: []journey.Event{
		page("0s", "/a"),
		ev("40s", tracker.Reply, "quick_reply", "call_request"),
		page("45s", "/b"),
	}})
	// offer waits for min_wait (30s); the reply at 40s resolves to the
	// offered button only if offered: here the value is unknown, so
	// call-back stays quiet; after-engaged answers at once on /b.
	expectSends(t, got, "30s offer", "45s after-engaged")

	set = mustSet(t, fileWith("min_wait: 30s",
		"  - name: offer\n    when: page.path == \"/a\"\n    message: Need a call?\n    quick_replies: [{text: Call me, value: call_request, action: call}, {text: No, value: no}]\n",
		"  - name: call-back\n    when: session.last_reply.action == \"call\"\n    message: Calling you now\n",
	))
	got = simulate(t, set, run{events: []journey.Event{page("0s", "/a"), ev("40s", tracker.Reply, "quick_reply", "call_request")}})
	expectSends(t, got, "30s offer", "40s call-back")
	// Typed text engages too, and lifts the cap before min_wait.
	got = simulate(t, set, run{events: []journey.Event{page("0s", "/b"), ev("5s", tracker.Reply, "text", "hi"), page("6s", "/a")}})
	expectSends(t, got, "6s offer")
}

// 3.7: presence.
func TestSpec7Presence(t *testing.T) {
	set := mustSet(t, fileWith("min_wait: 0s, send_to: [offline]",
		rule("gone", `page.path == "/a" || visitor.status == "offline"`, "for: 1m30s")))
	// No heartbeats: 60s after the page view the visitor is offline, so at
	// the 90s wakeup only offline visitors may be sent to.
	got := simulate(t, set, run{heartbeat: "0s", events: []journey.Event{page("0s", "/a")}})
	expectSends(t, got, "1m30s gone")
	// With heartbeats the visitor stays online: nothing may be sent.
	got = simulate(t, set, run{events: []journey.Event{page("0s", "/a")}, until: "3m"})
	expectSends(t, got)

	set = mustSet(t, fileWith("min_wait: 0s, max_proactive_per_session: 9",
		rule("online", `visitor.status == "online"`, "frequency: always", "cooldown: 1s"),
		rule("idle", `visitor.status == "idle"`, "frequency: always", "cooldown: 1s"),
		rule("offline", `visitor.status == "offline"`, "frequency: always", "cooldown: 1s"),
	))
	set.Policy.SendTo = []string{"online", "idle", "offline"}
	got = simulate(t, set, run{heartbeat: "0s", events: []journey.Event{
		page("0s", "/a"),
		ev("10s", tracker.Visibility, "state", "hidden"),
		ev("20s", tracker.Visibility, "state", "visible"),
		ev("30s", tracker.PageLeave),
		ev("40s", tracker.Scroll),
	}})
	expectSends(t, got, "0s online", "10s idle", "20s online", "30s offline", "40s online")
}

// 3.8: 30 minutes of silence ends a session: caps and pending reset,
// visits count up, wakeups of the ended session are dropped.
func TestSpec8Sessions(t *testing.T) {
	set := mustSet(t, fileWith("min_wait: 0s",
		rule("first-visit", `page.path == "/a" && !visitor.returning && visitor.visits == 1`),
		rule("returning", `page.path == "/a" && visitor.returning && visitor.visits == 2`),
		rule("slow", `page.path == "/slow"`, "for: 45m"),
	))
	got := simulate(t, set, run{heartbeat: "0s", events: []journey.Event{
		page("0s", "/a"),
		page("29m59s", "/slow"), // pending; wakeup at 74m59s belongs to this session
		page("1h0m0s", "/a"),    // 30m01s of silence: a new session, cap reset
	}})
	expectSends(t, got, "0s first-visit", "1h0m0s returning")

	// A journey may start as a returning visitor.
	got = simulate(t, set, run{heartbeat: "0s", visitor: journeyVisitor("v9", 1), events: []journey.Event{page("0s", "/a")}})
	expectSends(t, got, "0s returning")
}

// 3.9: the simulator's heartbeats: every 15s while visible from the page
// view, restarted when visible again, none while hidden or after
// page_leave; the journey runs 10 minutes past its last event.
func TestSpec9Heartbeats(t *testing.T) {
	got := heartbeatOffsets(t, run{events: []journey.Event{
		page("0s", "/a"),
		ev("40s", tracker.Visibility, "state", "hidden"),
		ev("50s", tracker.Visibility, "state", "visible"),
		ev("1m10s", tracker.PageLeave),
	}})
	expectSends(t, got, "15s", "30s", "1m5s")

	got = heartbeatOffsets(t, run{events: []journey.Event{page("0s", "/a"), page("20s", "/b")}, until: "1m"})
	expectSends(t, got, "15s", "35s", "50s") // a page view restarts the count

	got = heartbeatOffsets(t, run{heartbeat: "0s", events: []journey.Event{page("0s", "/a")}})
	expectSends(t, got)

	// visible after page_leave: no page, no heartbeats (until a page view).
	got = heartbeatOffsets(t, run{events: []journey.Event{
		page("0s", "/a"), ev("20s", tracker.PageLeave), ev("30s", tracker.Visibility, "state", "visible"),
	}, until: "2m"})
	expectSends(t, got, "15s")
	// A heartbeat written in the journey while hidden is only that event.
	got = heartbeatOffsets(t, run{events: []journey.Event{
		page("0s", "/a"), ev("20s", tracker.Visibility, "state", "hidden"), ev("30s", tracker.Heartbeat),
	}, until: "1m30s"})
	expectSends(t, got, "15s", "30s")
	// visible while already visible, or a written heartbeat, keeps the phase.
	got = heartbeatOffsets(t, run{events: []journey.Event{
		page("0s", "/a"), ev("20s", tracker.Visibility, "state", "visible"), ev("25s", tracker.Heartbeat),
	}, until: "50s"})
	expectSends(t, got, "15s", "25s", "30s", "45s")

	got = heartbeatOffsets(t, run{events: []journey.Event{page("0s", "/a")}})
	if len(got) != 40 || got[39] != "10m0s" {
		t.Errorf("default run: %d heartbeats ending %v, want 40 ending at 10m0s", len(got), got[len(got)-1])
	}
}

func journeyVisitor(id string, earlierVisits int) journey.Visitor {
	return journey.Visitor{ID: id, Visits: earlierVisits}
}

// heartbeatOffsets returns when the simulator sent heartbeats.
func heartbeatOffsets(t *testing.T, r run) []string {
	t.Helper()
	set := mustSet(t, "version: 1\nrules: []\n")
	j := journeyOf(t, r)
	var got []string
	_, err := journey.Run(set, j, on(journey.Options{OnEvent: func(at time.Duration, e tracker.Event) {
		if e.Type == tracker.Heartbeat {
			got = append(got, at.String())
		}
	}}))
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// page.query holds the current page's query, each key with its first
// value, in conditions and templates alike.
func TestPageQuery(t *testing.T) {
	src := strings.Replace(fileWith("min_wait: 0s", rule("promo", `page.query.promo == "spring"`)),
		"message: hello from promo", `message: "Code {{ page.query.promo }} applied"`, 1)
	set := mustSet(t, src)
	sent, err := journey.Run(set, journeyOf(t, run{events: []journey.Event{
		page("0s", "/a?x=1"), page("10s", "/b?promo=spring&promo=other"),
	}}), on(journey.Options{}))
	if err != nil {
		t.Fatal(err)
	}
	if got := describe(sent); len(got) != 1 || got[0] != "10s promo" || sent[0].Message.Message != "Code spring applied" {
		t.Fatalf("sent %v (%+v)", got, sent)
	}
}
