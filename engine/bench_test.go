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
// own pages: three in ten name one page, three a section (startsWith),
// three a list of pages, and one in ten no page at all (an attribute), so
// that last kind runs at every event. The visitors read /pricing, which
// the first list rule also names.
func benchRules(b *testing.B, n int) *rules.Set {
	var lists, rs strings.Builder
	for i := range n {
		var when string
		switch i % 10 {
		case 0, 1, 2:
			when = fmt.Sprintf(`page.path == "/services/s%d" && page.time_on_page > 20`, i)
		case 3, 4, 5:
			when = fmt.Sprintf(`page.path startsWith "/area/%d/" && page.scroll_depth >= 50`, i)
		case 6, 7, 8:
			pricing := ""
			if i == 6 {
				pricing = "/pricing, "
			}
			fmt.Fprintf(&lists, "  l%d: [%s/p%d/a, /p%d/b]\n", i, pricing, i, i)
			when = fmt.Sprintf(`page.path in lists.l%d && session.page_views > 1`, i)
		default:
			when = fmt.Sprintf(`visitor.attributes.plan == "p%d" && !session.engaged`, i)
		}
		rs.WriteString(rule(fmt.Sprintf("r%d", i), when, "for: 45s"))
	}
	return mustSet(b, "version: 1\nlists:\n"+lists.String()+"rules:\n"+rs.String())
}

// BenchmarkEvent is one beacon event through tracker + engine: state
// update, scoring and every rule evaluated, for visitors spread over the
// shards. State stays in memory (no flush), as on the server between
// group commits.
func BenchmarkEvent(b *testing.B) {
	for _, n := range []int{10, 1000} {
		b.Run(fmt.Sprintf("rules=%d", n), func(b *testing.B) {
			set := benchRules(b, n)
			eng, err := engine.New(engine.Options{Rules: set, Store: tempStore(b), Sender: &collect{}})
			if err != nil {
				b.Fatal(err)
			}
			const visitors = 1000
			ids := make([]string, visitors)
			t0 := time.Date(2026, 1, 20, 14, 0, 0, 0, time.UTC)
			for i := range ids {
				ids[i] = fmt.Sprintf("v%d", i)
				eng.Handle(tracker.Event{Time: t0, VisitorID: ids[i], Type: tracker.PageView, URL: "https://example.com/pricing"})
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				e := tracker.Event{
					Time:      t0.Add(time.Duration(i/visitors+1) * time.Millisecond),
					VisitorID: ids[i%visitors], Type: tracker.Heartbeat,
				}
				if _, err := eng.Handle(e); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
