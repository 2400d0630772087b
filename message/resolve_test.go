package message

import "testing"

func TestResolve(t *testing.T) {
	a := Offer{MessageID: "m1", QuickReplies: []QuickReply{{Text: "Quote", Value: "quote", Action: "quote"}}}
	b := Offer{MessageID: "m2", QuickReplies: []QuickReply{{Text: "Get a quote", Value: "quote", Action: "quote2"}, {Text: "Call", Value: "call"}}}
	offers := []Offer{a, b}
	cases := []struct {
		name, msg, value  string
		wantMsg, wantText string
		ok                bool
	}{
		{"latest offer of the value", "", "quote", "m2", "Get a quote", true},
		{"the named message", "m1", "quote", "m1", "Quote", true},
		{"named message lacks the value", "m1", "call", "", "", false},
		{"unknown message", "m9", "quote", "", "", false},
		{"unknown value", "", "nope", "", "", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o, q, ok := Resolve(offers, c.msg, c.value)
			if ok != c.ok || o.MessageID != c.wantMsg || q.Text != c.wantText {
				t.Fatalf("Resolve(%q, %q) = %q, %q, %v; want %q, %q, %v", c.msg, c.value, o.MessageID, q.Text, ok, c.wantMsg, c.wantText, c.ok)
			}
		})
	}
}

func TestAdvancePassesEveryStatus(t *testing.T) {
	r := Record{Status: StatusSent}
	at := r.SentAt.AddDate(0, 0, 1)
	passed := r.Advance(StatusRead, at)
	if len(passed) != 2 || passed[0] != StatusDelivered || passed[1] != StatusRead {
		t.Fatalf("passed = %v", passed)
	}
	if r.Status != StatusRead || r.DeliveredAt == nil || r.ReadAt == nil {
		t.Fatalf("record = %+v", r)
	}
	if again := r.Advance(StatusDelivered, at); len(again) != 0 || r.Status != StatusRead {
		t.Fatalf("went backwards: %v, %v", again, r.Status)
	}
}
