package funnel_test

import (
	"encoding/json"
	"testing"

	"github.com/beckonhq/beckon/funnel"
	"github.com/beckonhq/beckon/store"
)

// Counts add up by rule into the funnel's JSON shape: every reason is
// present, clicks list the values asked for, unknown names are ignored.
func TestByRule(t *testing.T) {
	counts := []store.Count{
		{Rule: "a", Name: funnel.Ready, N: 5}, {Rule: "a", Name: funnel.Sent, N: 2},
		{Rule: "a", Name: funnel.Suppressed("min_wait"), N: 3}, {Rule: "a", Name: funnel.Suppressed("cap"), N: 1},
		{Rule: "a", Name: funnel.Delivered, N: 2}, {Rule: "a", Name: funnel.Read, N: 1},
		{Rule: "a", Name: funnel.Replied, N: 1}, {Rule: "a", Name: funnel.Click("quote request"), N: 1},
		{Rule: "a", Name: "something_else", N: 9},
		{Rule: "b", Name: funnel.WouldSend, N: 4},
	}
	by := funnel.ByRule(counts)
	a := funnel.Of(by, "a", "quote request", "call")
	got, _ := json.Marshal(a)
	want := `{"ready":5,"suppressed":{"cap":1,"cooldown":0,"disabled":0,"frequency":0,"min_wait":3,"presence":0,"quiet":0,"schedule":0},` +
		`"would_send":0,"sent":2,"delivered":2,"read":1,"replied":1,"clicks":{"call":0,"quote request":1}}`
	if string(got) != want {
		t.Errorf("funnel of a:\n got %s\nwant %s", got, want)
	}
	if a.SuppressedTotal() != 4 || a.ReplyRate() != 0.5 {
		t.Errorf("suppressed total %d, reply rate %g", a.SuppressedTotal(), a.ReplyRate())
	}
	if b := funnel.Of(by, "b"); b.WouldSend != 4 || b.Sent != 0 || b.ReplyRate() != 0 {
		t.Errorf("funnel of b: %+v", b)
	}
	if c := funnel.Of(by, "c", "x"); c.Ready != 0 || len(c.Suppressed) != len(funnel.Reasons) || c.Clicks["x"] != 0 {
		t.Errorf("funnel of a rule that counted nothing: %+v", c)
	}
}
