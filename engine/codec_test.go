package engine

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/beckonhq/beckon/message"
	"github.com/beckonhq/beckon/tracker"
)

func sampleVisitor() *visitorState {
	t := time.Date(2026, 1, 20, 14, 0, 0, 123456789, time.UTC)
	v := &visitorState{}
	v.ID = "v_8f3a9c2e1b7d4a60"
	v.Attributes = map[string]any{"first_name": "Dana", "plan": map[string]any{"tier": "pro", "seats": float64(3)}, "tags": []any{"a", true}}
	v.Device, v.Visits, v.Presence = "mobile", 2, tracker.Online
	v.LastHeard, v.LastReplyAt = t.Add(90*time.Second), t.Add(80*time.Second)
	v.Session = tracker.Session{ID: "sess_1a2b3c4d5e6f7a8b", Start: t, PageViews: 3, Pages: []string{"/", "/services/ac-repair", "/pricing"},
		LandingPage: "/", Referrer: "https://www.google.com/", UTM: tracker.UTM{Source: "google", Campaign: "spring"},
		MessagesSent: 1, Engaged: true, LastReply: tracker.LastReply{Value: "quote", Action: "quote", Text: "Get a Quote"}, Replies: 1, QuickReplyClicks: 1}
	v.Page = tracker.Page{URL: "https://example.com/pricing?utm_source=x", Path: "/pricing", Host: "example.com",
		Query: map[string]string{"utm_source": "x"}, Title: "Pricing", Referrer: "https://example.com/", ViewedAt: t.Add(60 * time.Second), ScrollDepth: 40}
	v.Rules = map[string]*ruleState{
		"ac-repair-linger": {history: history{Fired: true, SentSession: "sess_1a2b3c4d5e6f7a8b", SentEver: true, LastSent: t.Add(45 * time.Second)}},
		"pricing":          {PendingSince: t.Add(60 * time.Second)},
		"pricing-trial": {PendingSince: t.Add(60 * time.Second), // in shadow mode
			Shadow: history{Fired: true, SentSession: "sess_1a2b3c4d5e6f7a8b", SentEver: true, LastSent: t.Add(61 * time.Second)}},
	}
	v.Wakeups = []time.Time{t.Add(105 * time.Second), t.Add(2 * time.Minute)}
	v.LastEval, v.LastSend, v.Score = v.LastHeard, t.Add(45*time.Second), 41
	v.Offers = []message.Offer{{MessageID: "msg_1", QuickReplies: []message.QuickReply{{Text: "Get a Quote", Value: "quote", Action: "quote"}}}}
	return v
}

// The stored form gives back the very same state, nanoseconds and nested
// attributes included, and a state stored as JSON is still read.
func TestVisitorCodecRoundTrip(t *testing.T) {
	v := sampleVisitor()
	data, err := v.marshal()
	if err != nil {
		t.Fatal(err)
	}
	back, err := unmarshalVisitor(data)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, v) {
		t.Fatalf("round trip differs:\n got %+v\nwant %+v", back, v)
	}
	old, _ := json.Marshal(v)
	fromJSON, err := unmarshalVisitor(old)
	if err != nil || !reflect.DeepEqual(fromJSON, v) {
		t.Fatalf("JSON state read back as %+v, %v", fromJSON, err)
	}
	if len(data)*3 > len(old)*2 {
		t.Errorf("stored form is %d bytes, JSON %d: want it at most two thirds", len(data), len(old))
	}
	t.Logf("stored form %d bytes, JSON %d", len(data), len(old))
}

func BenchmarkVisitorCodec(b *testing.B) {
	v := sampleVisitor()
	b.ReportAllocs()
	for range b.N {
		data, _ := v.marshal()
		if _, err := unmarshalVisitor(data); err != nil {
			b.Fatal(err)
		}
	}
}
