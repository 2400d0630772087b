package engine_test

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/beckonhq/beckon/engine"
	"github.com/beckonhq/beckon/journey"
	"github.com/beckonhq/beckon/message"
	"github.com/beckonhq/beckon/tracker"
)

// newEngine is an engine on a temporary store and a virtual clock at start.
func newEngine(t *testing.T, src string, log *slog.Logger) (*engine.Engine, *engine.VirtualClock) {
	t.Helper()
	clock := engine.NewVirtualClock(start)
	eng, err := engine.New(engine.Options{Rules: mustSet(t, src), Store: tempStore(t), Sender: &collect{}, Clock: clock, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	return eng, clock
}

const offerWithDismiss = "  - name: offer\n    when: page.path == \"/a\"\n    message: Need a hand?\n" +
	"    quick_replies: [{text: Call me, value: call_request, action: call}, {text: No thanks, value: no_thanks, action: dismiss}]\n"

// A click on a dismiss button is a reply (last_reply, replies), but it
// does not engage the session and stops its proactive messages: from
// rules, and from the API unless it overrides the cap.
func TestDismissDeclines(t *testing.T) {
	src := fileWith("min_wait: 0s, max_proactive_per_session: 3",
		offerWithDismiss,
		rule("ack-decline", `session.last_reply.action == "dismiss"`),
		rule("engaged-only", `session.engaged`),
		rule("second-offer", `page.path == "/b"`),
	)
	got := simulate(t, mustSet(t, src), run{events: []journey.Event{
		page("0s", "/a"), ev("10s", tracker.Reply, "quick_reply", "no_thanks"), page("20s", "/b"),
	}})
	expectSends(t, got, "0s offer")

	// The decline is a reply all the same: a typed answer later engages.
	got = simulate(t, mustSet(t, src), run{events: []journey.Event{
		page("0s", "/a"), ev("10s", tracker.Reply, "quick_reply", "no_thanks"), ev("20s", tracker.Reply, "text", "actually, yes"),
	}})
	expectSends(t, got, "0s offer", "20s engaged-only")

	eng, clock := newEngine(t, src, nil)
	clock.Set(start)
	eng.Handle(tracker.Event{Time: start, VisitorID: "v1", Type: tracker.PageView, URL: "https://example.com/a"})
	res, err := eng.Handle(tracker.Event{Time: start.Add(time.Second), VisitorID: "v1", Type: tracker.Reply, QuickReply: "no_thanks"})
	if err != nil || res.Reply.Action != "dismiss" || res.Engaged {
		t.Fatalf("dismiss click: %+v, %v; want action dismiss, not engaged", res, err)
	}
	if _, err := eng.Send(engine.SendRequest{VisitorID: "v1", Content: message.Message{Message: "One more thing"}}); !errors.Is(err, engine.ErrFrequencyCapped) {
		t.Errorf("API send after a decline: %v, want ErrFrequencyCapped", err)
	}
	if _, err := eng.Send(engine.SendRequest{VisitorID: "v1", Content: message.Message{Message: "One more thing"}, OverrideCap: true}); err != nil {
		t.Errorf("API send with override_frequency_cap after a decline: %v", err)
	}
	view, _ := eng.Visitor("v1")
	if view.Session.Engaged || view.Session.Replies != 1 || view.Session.LastReply.Action != "dismiss" {
		t.Errorf("session after a decline: %+v", view.Session)
	}
}

// policy.quiet_after_reply: for that long after a reply only follow-ups
// may send; the end is noticed at the next evaluation, with no wakeup.
func TestQuietAfterReply(t *testing.T) {
	set := mustSet(t, fileWith("min_wait: 0s, quiet_after_reply: 1m",
		"  - name: offer\n    when: page.path == \"/a\"\n    message: Need a hand?\n    quick_replies: [{text: Call me, value: call_request, action: call}, {text: Later, value: later}]\n",
		"  - name: call-back\n    when: session.last_reply.action == \"call\"\n    message: Calling you now\n",
		rule("heating", `page.path == "/b"`, "for: 30s"),
	))
	events := []journey.Event{page("0s", "/a"), ev("10s", tracker.Reply, "quick_reply", "call_request"), page("20s", "/b")}
	// heating is ready at 50s, quiet until 1m10s; the heartbeats from
	// the page view at 20s come at 35s, 50s, 1m5s, 1m20s.
	expectSends(t, simulate(t, set, run{events: events}), "0s offer", "10s call-back", "1m20s heating")
	// With no heartbeats nothing evaluates after the quiet ends until the scroll.
	quietEvents := append(events, ev("3m", tracker.Scroll))
	expectSends(t, simulate(t, set, run{heartbeat: "0s", events: quietEvents}), "0s offer", "10s call-back", "3m0s heating")

	var reasons []string
	j := journeyOf(t, run{events: events, until: "1m"})
	journey.Run(set, j, on(journey.Options{Trace: func(e *engine.Evaluation) {
		for _, r := range e.Rules {
			if r.Rule == "heating" && strings.HasPrefix(r.Reason, "quiet") {
				reasons = append(reasons, e.Time.Sub(start).String()+" "+r.Reason)
			}
		}
	}}))
	expectSends(t, reasons, "50s quiet: 40s after a reply, quiet_after_reply is 1m0s")
}

// A quick-reply click answers the latest message that offered its value,
// whatever session that message was sent in.
func TestQuickReplyAcrossSessions(t *testing.T) {
	set := mustSet(t, fileWith("min_wait: 0s",
		offerWithDismiss,
		"  - name: call-back\n    when: session.last_reply.action == \"call\"\n    message: Calling you now\n",
	))
	got := simulate(t, set, run{heartbeat: "0s", events: []journey.Event{
		page("0s", "/a"), ev("10s", tracker.PageLeave),
		page("45m", "/b"), // a new session
		ev("45m10s", tracker.Reply, "quick_reply", "call_request"),
	}})
	expectSends(t, got, "0s offer", "45m10s call-back")
}

// Memory of offers is bounded by values, not messages: a value offered
// before a dozen other messages still resolves to its button.
func TestQuickReplyOfferedLongAgo(t *testing.T) {
	eng, clock := newEngine(t, "version: 1\nrules: []\n", nil)
	eng.Handle(tracker.Event{Time: start, VisitorID: "v1", Type: tracker.PageView, URL: "https://example.com/a"})
	for i := range 12 {
		clock.Set(start.Add(time.Duration(i) * time.Second))
		qr := []message.QuickReply{{Text: fmt.Sprint("Option ", i), Value: fmt.Sprint("v", i), Action: fmt.Sprint("a", i)}}
		content := message.Message{Message: "m", QuickReplies: qr}
		if _, err := eng.Send(engine.SendRequest{VisitorID: "v1", Content: content, OverrideCap: true}); err != nil {
			t.Fatal(err)
		}
	}
	res, err := eng.Handle(tracker.Event{Time: start.Add(time.Minute), VisitorID: "v1", Type: tracker.Reply, QuickReply: "v0"})
	if err != nil || res.Reply.Action != "a0" || res.Reply.Text != "Option 0" {
		t.Fatalf("click on the first message's button: %+v, %v", res.Reply, err)
	}
}

// A value that prints nothing inside the message is reported with the
// send: in the trace (simulate shows it) and in the log.
func TestEmptyValueReported(t *testing.T) {
	src := fileWith("min_wait: 0s",
		"  - name: hello\n    when: page.path == \"/a\"\n    message: Hi {{ visitor.attributes.firstname }}!\n    quick_replies: [{text: A, value: a}, {text: B, value: b}]\n")
	var warnings []string
	j := journeyOf(t, run{events: []journey.Event{page("0s", "/a")}, until: "10s"})
	sent, err := journey.Run(mustSet(t, src), j, on(journey.Options{Trace: func(e *engine.Evaluation) {
		warnings = append(warnings, e.Warnings...)
	}}))
	if err != nil || len(sent) != 1 || sent[0].Message.Message != "Hi !" {
		t.Fatalf("sent %v, %v", describe(sent), err)
	}
	expectSends(t, warnings, "message: {{ visitor.attributes.firstname }} printed nothing")

	var logged bytes.Buffer
	eng, _ := newEngine(t, src, slog.New(slog.NewTextHandler(&logged, nil)))
	eng.Handle(tracker.Event{Time: start, VisitorID: "v1", Type: tracker.PageView, URL: "https://example.com/a"})
	if !strings.Contains(logged.String(), `level=WARN msg="engine: a template value printed nothing" rule=hello`) {
		t.Errorf("log:\n%s", logged.String())
	}
}

// A condition that gives something else than true or false at run time is
// reported as a warning once per rule (then at debug level), not in silence.
func TestWhenNotBoolReported(t *testing.T) {
	src := fileWith("min_wait: 0s", rule("vip", `visitor.attributes.vip ?? false`))
	var logged bytes.Buffer
	eng, _ := newEngine(t, src, slog.New(slog.NewTextHandler(&logged, nil)))
	eng.SeedVisitor("v1", map[string]any{"vip": "yes"}, "", 0)
	for i := range 3 {
		eng.Handle(tracker.Event{Time: start.Add(time.Duration(i) * time.Second), VisitorID: "v1", Type: tracker.Heartbeat})
	}
	want := `level=WARN msg="engine: when failed; taken as false" rule=vip visitor=v1 err="gave the text \"yes\", not true or false"`
	if strings.Count(logged.String(), "level=WARN") != 1 || !strings.Contains(logged.String(), want) {
		t.Errorf("log:\n%s\nwant one line with\n%s", logged.String(), want)
	}
}
