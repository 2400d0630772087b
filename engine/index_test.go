package engine_test

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/beckonhq/beckon/engine"
	"github.com/beckonhq/beckon/journey"
	"github.com/beckonhq/beckon/tracker"
)

// guardRule makes a random condition of the kinds the index reads (==, in,
// startsWith on text fields, combined with &&) and of kinds it does not.
func guardRule(rng *rand.Rand) string {
	paths := []string{"/a", "/a/b", "/b", "/pricing", "/blog/x"}
	parts := []string{
		fmt.Sprintf(`page.path == %q`, paths[rng.IntN(len(paths))]),
		fmt.Sprintf(`page.path startsWith %q`, []string{"/a", "/blog/", "/p"}[rng.IntN(3)]),
		`page.path in lists.tops`,
		fmt.Sprintf(`session.utm.source == %q`, []string{"google", "news"}[rng.IntN(2)]),
		fmt.Sprintf(`session.device in [%q, "tablet"]`, []string{"mobile", "desktop"}[rng.IntN(2)]),
		fmt.Sprintf(`visitor.attributes.plan == %q`, []string{"pro", "free"}[rng.IntN(2)]),
		fmt.Sprintf(`event.type == %q`, []string{"page_view", "scroll", "heartbeat", "timer", "custom"}[rng.IntN(5)]),
		`page.scroll_depth >= 50`,
		`session.page_views > 2`,
		`page.path == "/a" || session.utm.source == "news"`,
		`page.time_on_page > 20`,
		`session.duration > 60`,
		`visitor.status == "online"`,
		`visited("/pricing")`,
		`visitor.engagement_score > 15`,
		`session.messages_sent < 2`,
		`session.messages_sent > 0`,
		`session.page_views >= 3`,
		`2 < session.page_views`,
		`page.scroll_depth == 50`,
		`visited("/a/**")`,
		`visited("*")`,
		`visited("/p/*")`,
		`visited("/b")`,
		`page.path != "/blog/x"`,
	}
	n := 1 + rng.IntN(3)
	var when []string
	for range n {
		when = append(when, parts[rng.IntN(len(parts))])
	}
	return strings.Join(when, " && ")
}

func randomJourney(rng *rand.Rand, n int) *journey.Journey {
	var events []journey.Event
	at := time.Duration(0)
	for range 12 {
		at += time.Duration(1+rng.IntN(40)) * time.Second
		d := journey.Duration(at)
		switch rng.IntN(6) {
		case 0, 1:
			url := "https://example.com" + []string{"/a", "/a/b", "/b", "/pricing", "/blog/x", "/p/q"}[rng.IntN(6)]
			if rng.IntN(3) == 0 {
				url += "?utm_source=" + []string{"google", "news"}[rng.IntN(2)]
			}
			events = append(events, journey.Event{At: d, Type: tracker.PageView, URL: url})
		case 2:
			events = append(events, journey.Event{At: d, Type: tracker.Scroll, Depth: float64(rng.IntN(101))})
		case 3:
			events = append(events, journey.Event{At: d, Type: tracker.Identify, Attributes: map[string]any{"plan": []any{"pro", "free", 3.0}[rng.IntN(3)]}})
		case 4:
			events = append(events, journey.Event{At: d, Type: tracker.Custom, Name: "x"})
		default:
			events = append(events, journey.Event{At: d, Type: tracker.Visibility, State: []string{"hidden", "visible"}[rng.IntN(2)]})
		}
	}
	device := []string{"", "mobile", "desktop", "tablet"}[rng.IntN(4)]
	return &journey.Journey{Name: fmt.Sprint("random ", n), Start: start, Visitor: journey.Visitor{ID: "v1", Device: device}, Events: events}
}

// The index and the guards skip only rules that are false: on random rules
// and journeys, the messages sent are the same as when every rule runs
// (explaining runs every rule).
func TestIndexAgreesWithFullScanOnRandomRules(t *testing.T) {
	rng := rand.New(rand.NewPCG(42, 7))
	var rs []string
	for i := range 80 {
		extra := []string{"frequency: always", "cooldown: 20s"}
		if rng.IntN(2) == 0 {
			extra = append(extra, fmt.Sprintf("for: %ds", 5+rng.IntN(30)))
		}
		rs = append(rs, rule(fmt.Sprint("r", i), guardRule(rng), extra...))
	}
	src := "version: 1\npolicy: {min_wait: 0s, max_proactive_per_session: 1000, send_to: [online, idle]}\nlists:\n  tops: [/a, /pricing]\nrules:\n" + strings.Join(rs, "")
	set := mustSet(t, src)
	total := 0
	for n := range 40 {
		j := randomJourney(rng, n)
		if err := j.Validate(); err != nil {
			t.Fatal(err)
		}
		fast, err := journey.Run(set, j, journey.Options{})
		if err != nil {
			t.Fatal(err)
		}
		full, err := journey.Run(set, j, journey.Options{Trace: func(*engine.Evaluation) {}})
		if err != nil {
			t.Fatal(err)
		}
		if a, b := describe(fast), describe(full); !reflect.DeepEqual(a, b) {
			t.Fatalf("journey %d: indexed %v\nfull scan %v", n, a, b)
		}
		total += len(fast)
	}
	if total < 100 {
		t.Fatalf("only %d messages in all: the test exercises too little", total)
	}
}
