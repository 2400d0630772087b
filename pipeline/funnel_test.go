package pipeline

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/beckonhq/beckon/message"
	"github.com/beckonhq/beckon/store"
)

// storedCounts lists the stored counts as "rule name n", sorted.
func storedCounts(t *testing.T, st store.Store) []string {
	t.Helper()
	cs, err := st.Counts(ws, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, c := range cs {
		out = append(out, fmt.Sprintf("%s %s %d", c.Rule, c.Name, c.N))
	}
	slices.Sort(out)
	return out
}

func expect(t *testing.T, what string, got []string, want ...string) {
	t.Helper()
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("%s:\n got %q\nwant %q", what, got, want)
	}
}

// What happens to a rule's message after it is sent counts in the rule's
// funnel, committed with the change itself: delivered and read with the
// status, replied (once per message) and clicks (per value) with the
// reply. An API message counts nothing.
func TestFunnelCountsAfterTheSend(t *testing.T) {
	st := tempDB(t)
	p := newPipeline(t, Options{Store: st, Clock: func() time.Time { return t0 }})
	offer := msg("msg_1", "v1", "s1")
	offer.Rule = "offer"
	offer.QuickReplies = []message.QuickReply{{Text: "Get a Quote", Value: "quote", Action: "quote"}, {Text: "Call", Value: "call"}}
	send(t, p, ws, offer)
	api := msg("msg_2", "v1", "s1")
	api.QuickReplies = offer.QuickReplies
	send(t, p, ws, api)

	for _, id := range []string{"msg_1", "msg_2"} {
		if err := p.Ack(ws, "v1", id, "read"); err != nil { // passes delivered
			t.Fatal(err)
		}
	}
	if err := p.Ack(ws, "v1", "msg_1", "read"); err != nil { // no change, no count
		t.Fatal(err)
	}
	replies := []Reply{
		{MessageID: "msg_1", QuickReply: &QuickReplyClick{Value: "quote"}},
		{MessageID: "msg_1", Text: "and tomorrow?"},
		{MessageID: "msg_1", QuickReply: &QuickReplyClick{Value: "quote"}},
		{MessageID: "msg_2", QuickReply: &QuickReplyClick{Value: "call"}},
		{Text: "anyone there?"},
	}
	for _, r := range replies {
		r.VisitorID = "v1"
		if err := p.VisitorResponded(ws, r); err != nil {
			t.Fatal(err)
		}
	}
	expect(t, "stored counts", storedCounts(t, st),
		"offer delivered 1", "offer read 1", "offer replied 1", "offer click.quote 2")
	if m, _ := p.Message(ws, "msg_1"); m.RepliedAt == nil {
		t.Error("the answered message has no replied_at")
	}
}

// Each reply is kept in its session's transcript, in order, with the
// button clicked and the answered message's rule.
func TestRepliesKeptInTheTranscript(t *testing.T) {
	st := tempDB(t)
	p := newPipeline(t, Options{Store: st, Clock: func() time.Time { return t0 }})
	offer := msg("msg_1", "v1", "s1")
	offer.Rule = "offer"
	offer.QuickReplies = []message.QuickReply{{Text: "Get a Quote", Value: "quote", Action: "quote"}}
	send(t, p, ws, offer)
	for i, r := range []Reply{{MessageID: "msg_1", QuickReply: &QuickReplyClick{Value: "quote"}}, {SessionID: "s1", Text: "<b>now</b>"}} {
		r.VisitorID, r.Time = "v1", t0.Add(time.Duration(i+1)*time.Second)
		if err := p.VisitorResponded(ws, r); err != nil {
			t.Fatal(err)
		}
	}
	got, err := st.SessionReplies(ws, "s1")
	if err != nil || len(got) != 2 {
		t.Fatalf("transcript: %+v, %v", got, err)
	}
	click, typed := got[0], got[1]
	if click.Text != "Get a Quote" || click.QuickReply == nil || click.QuickReply.Value != "quote" || click.Rule != "offer" ||
		click.MessageID != "msg_1" || !click.Time.Equal(t0.Add(time.Second)) || click.ID == "" {
		t.Errorf("the click: %+v", click)
	}
	if typed.Text != "<b>now</b>" || typed.QuickReply != nil || typed.MessageID != "" || typed.Rule != "" {
		t.Errorf("the typed reply: %+v", typed)
	}
}

// Watchers of a workspace hear its replies and sent messages, and no
// other workspace's; a watcher that falls behind is closed, not waited for.
func TestWatch(t *testing.T) {
	p := newPipeline(t, Options{})
	feed, cancel := p.Watch(ws)
	defer cancel()
	other, cancelOther := p.Watch("ws_other")
	defer cancelOther()
	send(t, p, ws, msg("msg_1", "v1", "s1"))
	if err := p.VisitorResponded(ws, Reply{VisitorID: "v1", MessageID: "msg_1", Text: "hi"}); err != nil {
		t.Fatal(err)
	}
	if a := <-feed; a.Message == nil || a.Message.ID != "msg_1" {
		t.Errorf("first activity: %+v", a)
	}
	if a := <-feed; a.Reply == nil || a.Reply.Text != "hi" || a.Reply.SessionID != "s1" {
		t.Errorf("second activity: %+v", a)
	}
	select {
	case a := <-other:
		t.Errorf("another workspace's watcher heard %+v", a)
	default:
	}
	slow, cancelSlow := p.Watch(ws)
	defer cancelSlow()
	for i := range watchBuffer + 1 {
		send(t, p, ws, msg(fmt.Sprint("msg_x", i), "v1", "s1"))
		<-feed
	}
	n := 0
	for range slow {
		n++
	}
	if n != watchBuffer {
		t.Errorf("the slow watcher got %d before it was closed, want %d", n, watchBuffer)
	}
}
