package engine_test

import (
	"testing"
	"time"

	"github.com/beckonhq/beckon/tracker"
)

// Live lists the visitors on the site now, most recently heard first,
// with their explained scores; those who left or went silent are not.
func TestLive(t *testing.T) {
	eng, clock := newEngine(t, fileWith("min_wait: 0s", rule("offer", `page.path == "/x"`)), nil)
	events := []tracker.Event{
		{VisitorID: "v_left", Type: tracker.PageView, URL: "https://example.com/a"},
		{VisitorID: "v_reading", Type: tracker.PageView, URL: "https://example.com/pricing", Title: "Pricing"},
		{VisitorID: "v_hidden", Type: tracker.PageView, URL: "https://example.com/b"},
		{VisitorID: "v_silent", Type: tracker.PageView, URL: "https://example.com/c"},
		{VisitorID: "v_left", Type: tracker.PageLeave},
		{VisitorID: "v_hidden", Type: tracker.Visibility, State: "hidden"},
	}
	for i, ev := range events {
		ev.Time = start.Add(time.Duration(i) * time.Second)
		if ev.VisitorID == "v_silent" {
			ev.Time = start.Add(-2 * time.Minute)
		}
		clock.Set(ev.Time)
		if _, err := eng.Handle(ev); err != nil {
			t.Fatal(err)
		}
	}
	clock.Set(start.Add(10 * time.Second))
	live := eng.Live(10)
	var got []string
	for _, v := range live {
		got = append(got, v.ID+" "+v.Status+" "+v.Page.Path)
	}
	expectSends(t, got, "v_hidden idle /b", "v_reading online /pricing")
	if len(live) == 2 && (live[1].Score.Value == 0 || len(live[1].Score.Parts) == 0) {
		t.Errorf("no explained score: %+v", live[1].Score)
	}
	if n := len(eng.Live(1)); n != 1 {
		t.Errorf("Live(1) gave %d", n)
	}
}
