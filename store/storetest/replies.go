package storetest

import (
	"testing"
	"time"

	"github.com/beckonhq/beckon/message"
	"github.com/beckonhq/beckon/store"
)

func reply(id, sessionID string, at time.Time) message.Reply {
	return message.Reply{ID: id, VisitorID: "v_" + sessionID, SessionID: sessionID, Text: "text " + id, Time: at}
}

func replyIDs(rs []message.Reply) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.ID
	}
	return out
}

// Replies are kept in their session's transcript in recorded order, and
// listed newest first across the workspace; one may be committed with a
// message's update (the reply, the message's new state, its counts and
// webhooks as one).
func replies(t *testing.T, s store.Store) {
	click := reply("r2", "s1", t0.Add(time.Second))
	click.MessageID, click.Rule = "m1", "offer"
	click.QuickReply = &message.QuickReply{Text: "Yes", Value: "yes", Action: "quote"}
	commit(t, s, &store.Batch{Replies: []message.Reply{reply("r1", "s1", t0), reply("r3", "s2", t0.Add(2*time.Second))}})
	commit(t, s, &store.Batch{Messages: []message.Record{record("m1", "v_s1", "s1", t0)}})
	at := t0.Add(3 * time.Second)
	err := s.UpdateMessage(ctx, ws, "m1", func(r *message.Record) (*store.Batch, error) {
		r.RepliedAt = &at
		return &store.Batch{Replies: []message.Reply{click}, Counts: []store.Count{{Rule: "offer", Name: "replied", Hour: at, N: 1}}}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.SessionReplies(ws, "s1")
	if err != nil || !eq(replyIDs(got), []string{"r1", "r2"}) {
		t.Fatalf("SessionReplies(s1) = %v, %v; want [r1 r2]", replyIDs(got), err)
	}
	if r := got[1]; r.Seq == 0 || r.Seq <= got[0].Seq || r.Rule != "offer" || r.QuickReply == nil || r.QuickReply.Action != "quote" || !r.Time.Equal(click.Time) {
		t.Errorf("the click read back: %+v", r)
	}
	if m, _ := s.Message(ws, "m1"); m.RepliedAt == nil || !m.RepliedAt.Equal(at) {
		t.Errorf("the answered message: %+v", m)
	}
	if c := sums(t, s, time.Time{}); c["offer/replied"] != 1 {
		t.Errorf("the update's count: %v", c)
	}
	if l, _ := s.SessionReplies(ws, "s"); len(l) != 0 {
		t.Errorf("a session whose id is a prefix of another's sees its replies: %v", replyIDs(l))
	}
	recent, err := s.RecentReplies(ws, 2)
	if err != nil || !eq(replyIDs(recent), []string{"r2", "r3"}) {
		t.Errorf("RecentReplies(2) = %v, %v; want [r2 r3] (newest recorded first)", replyIDs(recent), err)
	}
	if other, _ := s.RecentReplies("ws_other", 10); len(other) != 0 {
		t.Errorf("another workspace sees the replies: %v", replyIDs(other))
	}
}
