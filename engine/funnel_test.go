package engine_test

import (
	"bytes"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/beckonhq/beckon/engine"
	"github.com/beckonhq/beckon/funnel"
	"github.com/beckonhq/beckon/journey"
	"github.com/beckonhq/beckon/store"
	"github.com/beckonhq/beckon/tracker"
)

// driver feeds one visitor's events to an engine on a virtual clock,
// running due wakeups first, as the server's wakeup loop would.
type driver struct {
	t     *testing.T
	eng   *engine.Engine
	clock *engine.VirtualClock
	out   *collect
	store store.Store
}

// sent lists "AT RULE" for every message the engine sent.
func (d *driver) sent() []string {
	d.out.mu.Lock()
	defer d.out.mu.Unlock()
	var s []string
	for _, m := range d.out.msgs {
		s = append(s, m.Time.Sub(start).String()+" "+m.Rule)
	}
	return s
}

func newDriver(t *testing.T, src string, log *slog.Logger) *driver {
	out := &collect{}
	st := tempStore(t)
	clock := engine.NewVirtualClock(start)
	eng, err := engine.New(engine.Options{Rules: mustSet(t, src), Store: st, Sender: out, Clock: clock, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	return &driver{t: t, eng: eng, clock: clock, out: out, store: st}
}

func (d *driver) at(offset string, e tracker.Event) {
	d.t.Helper()
	at, _ := time.ParseDuration(offset)
	e.Time, e.VisitorID = start.Add(at), "v1"
	d.eng.RunDue(e.Time.Add(-time.Nanosecond))
	d.clock.Set(e.Time)
	if _, err := d.eng.Handle(e); err != nil {
		d.t.Fatal(err)
	}
}

func (d *driver) page(offset, path string) {
	d.at(offset, tracker.Event{Type: tracker.PageView, URL: "https://example.com" + path})
}

// counts lists the engine's counts of a rule as "name n", sorted.
func counts(t *testing.T, eng *engine.Engine, rule string) []string {
	t.Helper()
	cs, err := eng.Counts(time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	sums := map[string]int64{}
	for _, c := range cs {
		if c.Rule == rule {
			sums[c.Name] += c.N
		}
	}
	var out []string
	for name, n := range sums {
		out = append(out, fmt.Sprintf("%s %d", name, n))
	}
	slices.Sort(out)
	return out
}

func expectCounts(t *testing.T, eng *engine.Engine, rule string, want ...string) {
	t.Helper()
	slices.Sort(want)
	if got := counts(t, eng, rule); !slices.Equal(got, want) {
		t.Errorf("counts of %s:\n got %q\nwant %q", rule, got, want)
	}
}

// The engine counts, where it decides, each evaluation at which a rule is
// ready, each reason that held it back, and each send; the counts are
// stored and read back by a new engine on the same store.
func TestSuppressedReasonsCounted(t *testing.T) {
	src := fileWith("min_wait: 30s", rule("offer", `page.path == "/a"`))
	d := newDriver(t, src, nil)
	eng := d.eng
	d.page("0s", "/a")                                                    // ready, min_wait
	d.at("15s", tracker.Event{Type: tracker.Heartbeat})                   // ready, min_wait
	d.at("31s", tracker.Event{Type: tracker.Heartbeat})                   // the wakeup at 30s sent it
	d.page("40s", "/b")                                                   // the stretch ends
	d.page("50s", "/a")                                                   // ready: frequency and cap
	d.at("51s", tracker.Event{Type: tracker.Visibility, State: "hidden"}) // ready: frequency, cap and presence
	expectSends(t, d.sent(), "30s offer")
	want := []string{"ready 5", "sent 1", "suppressed.min_wait 2", "suppressed.frequency 2", "suppressed.cap 2", "suppressed.presence 1"}
	expectCounts(t, eng, "offer", want...)
	if err := eng.Close(); err != nil {
		t.Fatal(err)
	}
	again, err := engine.New(engine.Options{Rules: mustSet(t, src), Store: d.store, Sender: &collect{}, Clock: d.clock})
	if err != nil {
		t.Fatal(err)
	}
	expectCounts(t, again, "offer", want...)
	stats := again.RuleStats()
	if stats[0].Ready != 5 || stats[0].Sent != 1 {
		t.Errorf("RuleStats after a restart: %+v", stats)
	}
}

// Counts read with a since leave out the hours before since's hour.
func TestCountsSince(t *testing.T) {
	d := newDriver(t, fileWith("min_wait: 0s", rule("offer", `page.path == "/a"`)), nil)
	eng := d.eng
	d.page("0s", "/a") // 14:29
	d.page("20m", "/b")
	d.page("35m", "/a") // 15:04: a new stretch in the next hour
	cs, err := eng.Counts(start.Add(40 * time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	var ready int64
	for _, c := range cs {
		if c.Rule == "offer" && c.Name == funnel.Ready {
			ready += c.N
		}
	}
	if ready != 1 {
		t.Errorf("ready since 15:09: %d, want 1 (the hour of 15:00)", ready)
	}
	expectCounts(t, eng, "offer", "ready 2", "sent 1", "suppressed.frequency 1", "suppressed.cap 1")
}

// A shadow rule is evaluated and counted as would_send, once per stretch,
// but sends nothing, takes no share of the cap and does not stop a live
// rule's message at the same instant, even with a higher priority.
func TestShadowRule(t *testing.T) {
	src := fileWith("min_wait: 0s",
		rule("trial", `page.path == "/a"`, "mode: shadow", "priority: 10", "frequency: once_per_visitor"),
		rule("live-a", `page.path == "/a"`),
	)
	expectSends(t, simulate(t, mustSet(t, src), run{events: []journey.Event{page("0s", "/a")}}), "0s live-a")

	src2 := fileWith("min_wait: 0s",
		rule("trial", `page.path == "/a"`, "mode: shadow", "frequency: once_per_visitor"),
		rule("live-b", `page.path == "/b"`),
	)
	d := newDriver(t, src2, nil)
	eng := d.eng
	d.page("0s", "/a")
	d.at("15s", tracker.Event{Type: tracker.Heartbeat})
	d.page("20s", "/b") // the cap is still free: the shadow rule took none
	d.page("30s", "/a") // once_per_visitor holds for the shadow rule's would-sends too
	expectSends(t, d.sent(), "20s live-b")
	expectCounts(t, eng, "trial", "ready 2", "would_send 1", "suppressed.frequency 1", "suppressed.cap 1")
	expectCounts(t, eng, "live-b", "ready 1", "sent 1")

	// Switched to live, the rule sends: its would-sends are not sends.
	eng.Reload(mustSet(t, strings.Replace(src2, "mode: shadow", "mode: live", 1)))
	d.page("50m", "/a") // a new session
	expectSends(t, d.sent(), "20s live-b", "50m0s trial")
}

// A disabled rule is never evaluated (a condition that fails at run time
// logs nothing); each evaluation that passes it by counts as
// suppressed.disabled, and --explain says so.
func TestDisabledRule(t *testing.T) {
	src := fileWith("min_wait: 0s", rule("vip", `visitor.attributes.vip ?? false`, "enabled: false"))
	var logged bytes.Buffer
	d := newDriver(t, src, slog.New(slog.NewTextHandler(&logged, nil)))
	eng := d.eng
	eng.SeedVisitor("v1", map[string]any{"vip": "yes"}, "", 0)
	d.page("0s", "/a")
	d.at("15s", tracker.Event{Type: tracker.Heartbeat})
	if strings.Contains(logged.String(), "when failed") || len(d.sent()) != 0 {
		t.Errorf("the disabled rule was evaluated; sent %q; log:\n%s", d.sent(), logged.String())
	}
	expectCounts(t, eng, "vip", "suppressed.disabled 2")

	var reasons []string
	j := journeyOf(t, run{events: []journey.Event{page("0s", "/a")}, until: "1s"})
	journey.Run(mustSet(t, src), j, journey.Options{Trace: func(e *engine.Evaluation) {
		reasons = append(reasons, e.Rules[0].Reason)
	}})
	expectSends(t, reasons, "disabled (enabled: false)")
}
