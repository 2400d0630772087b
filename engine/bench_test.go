package engine_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/beckonhq/beckon/engine"
	"github.com/beckonhq/beckon/rules"
	"github.com/beckonhq/beckon/tracker"
)

// benchRules builds n rules of the shapes marketers write, each about its
// own audience. A quarter are about pages (a page, a section, a list of
// pages); the rest are not: a campaign (utm_source), an attribute (a
// plan), a device with a referrer, a page visited earlier, and time on
// site since landing on a page. The visitors read /pricing, came from one
// campaign, on one device, with one plan, so a few rules of each kind hold
// for them.
func benchRules(b *testing.B, n int) *rules.Set {
	var lists, rs strings.Builder
	for i := range n {
		var when string
		switch i % 12 {
		case 0:
			when = fmt.Sprintf(`page.path == "/services/s%d" && page.time_on_page > 20`, i)
		case 1:
			when = fmt.Sprintf(`page.path startsWith "/area/%d/" && page.scroll_depth >= 50`, i)
		case 2:
			pricing := ""
			if i == 2 {
				pricing = "/pricing, "
			}
			fmt.Fprintf(&lists, "  l%d: [%s/p%d/a, /p%d/b]\n", i, pricing, i, i)
			when = fmt.Sprintf(`page.path in lists.l%d && session.page_views > 1`, i)
		case 3, 4:
			when = fmt.Sprintf(`session.utm.source == "src%d" && page.time_on_page > 30`, i%40)
		case 5, 6:
			when = fmt.Sprintf(`visitor.attributes.plan == "p%d" && !session.engaged`, i%50)
		case 7:
			when = fmt.Sprintf(`session.device == "mobile" && session.referrer == "https://ref%d.example/"`, i)
		case 8, 9:
			when = fmt.Sprintf(`visited("/docs/d%d/**") && session.duration > 60`, i)
		default:
			when = fmt.Sprintf(`session.duration > %d && session.landing_page == "/lp/%d"`, 60+i%600, i%100)
		}
		rs.WriteString(rule(fmt.Sprintf("r%d", i), when, "for: 45s"))
	}
	return mustSet(b, "version: 1\nlists:\n"+lists.String()+"rules:\n"+rs.String())
}

// BenchmarkEvent is one beacon event through tracker + engine: state
// update, scoring and the rules that can hold evaluated, for visitors
// spread over the shards; nine in ten events are heartbeats, one a page
// view (of one of three pages), as from the beacon of a reading visitor.
// Visitors come in cohorts of 1,000 that stay 100 seconds (an identify and
// a landing page view each, not timed), so every run sees the same mix
// whatever its length. State stays in memory (no flush), as on the server
// between group commits.
func BenchmarkEvent(b *testing.B) {
	for _, n := range []int{10, 1000, 5000} {
		b.Run(fmt.Sprintf("rules=%d", n), func(b *testing.B) {
			set := benchRules(b, n)
			eng, err := engine.New(engine.Options{Rules: set, Store: tempStore(b), Sender: &collect{}})
			if err != nil {
				b.Fatal(err)
			}
			const visitors, stay = 1000, 100
			t0 := time.Date(2026, 1, 20, 14, 0, 0, 0, time.UTC)
			pages := []string{"https://example.com/pricing", "https://example.com/services/s12", "https://example.com/docs/d8/intro"}
			ids := make([]string, visitors)
			arrive := func(cohort int) {
				b.StopTimer()
				at := t0.Add(time.Duration(cohort) * time.Hour)
				for v := range ids {
					ids[v] = fmt.Sprintf("c%d-v%d", cohort, v)
					eng.Handle(tracker.Event{Time: at, VisitorID: ids[v], Type: tracker.Identify, Attributes: map[string]any{"plan": "p5"}})
					eng.Handle(tracker.Event{Time: at, VisitorID: ids[v], Type: tracker.PageView, URL: "https://example.com/pricing?utm_source=src3", Device: "mobile"})
				}
				b.StartTimer()
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				round := i / visitors
				cohort, r := round/stay, round%stay
				if i%(visitors*stay) == 0 {
					arrive(cohort)
				}
				e := tracker.Event{Time: t0.Add(time.Duration(cohort)*time.Hour + time.Duration(r+1)*time.Second),
					VisitorID: ids[i%visitors], Type: tracker.Heartbeat}
				if r%10 == 9 {
					e.Type, e.URL = tracker.PageView, pages[(r/10)%len(pages)]
				}
				if _, err := eng.Handle(e); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
