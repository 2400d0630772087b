package engine

import (
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/beckonhq/beckon/rules"
	"github.com/beckonhq/beckon/store"
	"github.com/beckonhq/beckon/store/redisstore"
	"github.com/beckonhq/beckon/store/redisstore/redistest"
)

// sharedBackends are the stores that several engines share in these
// tests: a bbolt file (the engines told they share it) and, where
// redis-server can run, Redis.
func sharedBackends(t *testing.T) map[string]func(t *testing.T) store.Store {
	return map[string]func(t *testing.T) store.Store{
		"bolt": func(t *testing.T) store.Store {
			st := openBolt(t, filepath.Join(t.TempDir(), "beckon.db"))
			t.Cleanup(func() { st.Close() })
			return st
		},
		"redis": func(t *testing.T) store.Store {
			srv := redistest.ForTest(t)
			st, err := redisstore.Open(srv.URL(), redisstore.Options{})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { st.Close() })
			return st
		},
	}
}

// processes builds n engines in shared mode on st, as n processes would
// run, on one virtual clock.
func processes(t *testing.T, st store.Store, n int, clock Clock) ([]*Engine, []*recorder) {
	t.Helper()
	set, diags := rules.Parse(rules.Source{Name: "rules.yaml", Data: []byte(hello)})
	if set == nil {
		t.Fatalf("rules: %s", diags.Errors())
	}
	var es []*Engine
	var rs []*recorder
	for range n {
		rec := &recorder{}
		e, err := New(Options{Rules: set, Store: st, Sender: rec, Workspace: "ws", Clock: clock, Shared: true})
		if err != nil {
			t.Fatal(err)
		}
		es, rs = append(es, e), append(rs, rec)
	}
	return es, rs
}

func delivered(rs []*recorder) map[string][]string {
	out := map[string][]string{}
	for _, r := range rs {
		r.mu.Lock()
		for _, m := range r.delivered {
			out[m.VisitorID] = append(out[m.VisitorID], m.Rule)
		}
		r.mu.Unlock()
	}
	return out
}

// One visitor's events sent to three engines at once are applied one
// after the other: none is lost, and the rule sends once.
func TestSharedEnginesApplyEachEventOnce(t *testing.T) {
	for name, open := range sharedBackends(t) {
		t.Run(name, func(t *testing.T) {
			st := open(t)
			clock := NewVirtualClock(t0)
			es, rs := processes(t, st, 3, clock)
			const views = 60
			var wg sync.WaitGroup
			for i := range views {
				wg.Go(func() {
					if _, err := es[i%3].Handle(pageView("v1", "/hello", t0)); err != nil {
						t.Error(err)
					}
				})
			}
			wg.Wait()
			s := storedSession(t, st, "ws", "v1")
			if s.PageViews != views {
				t.Errorf("stored page_views = %d, want %d: events were lost", s.PageViews, views)
			}
			if got := delivered(rs)["v1"]; len(got) != 1 {
				t.Errorf("messages sent: %v, want one hello", got)
			}
			if msgs, _ := st.SessionMessages("ws", s.ID); len(msgs) != 1 || s.MessagesSent != 1 {
				t.Errorf("stored: %d messages, messages_sent %d; want 1 and 1", len(msgs), s.MessagesSent)
			}
			if v := view(t, es[2], "v1"); v.Session.PageViews != views {
				t.Errorf("an engine reads page_views %d, want %d", v.Session.PageViews, views)
			}
		})
	}
}

// Wakeups are claimed from the store: run by three engines at once, each
// due timer sends once.
func TestSharedEnginesFireEachWakeupOnce(t *testing.T) {
	for name, open := range sharedBackends(t) {
		t.Run(name, func(t *testing.T) {
			st := open(t)
			clock := NewVirtualClock(t0)
			es, rs := processes(t, st, 3, clock)
			const visitors = 40
			for i := range visitors {
				if _, err := es[i%3].Handle(pageView(fmt.Sprint("v", i), "/linger", t0)); err != nil {
					t.Fatal(err)
				}
			}
			clock.Set(t0.Add(44 * time.Second))
			for _, e := range es {
				e.RunDue(clock.Now())
			}
			if got := delivered(rs); len(got) != 0 {
				t.Fatalf("sent before the timers were due: %v", got)
			}
			clock.Set(t0.Add(46 * time.Second))
			var wg sync.WaitGroup
			for _, e := range es {
				wg.Go(func() { e.runDue(clock.Now(), 4) })
			}
			wg.Wait()
			got := delivered(rs)
			for i := range visitors {
				if rules := got[fmt.Sprint("v", i)]; len(rules) != 1 || rules[0] != "linger" {
					t.Errorf("v%d: sent %v, want [linger] once", i, rules)
				}
			}
			if ids, _, _ := st.ClaimDue(t.Context(), "ws", clock.Now().Add(time.Hour), time.Minute, 100); len(ids) != 0 {
				t.Errorf("wakeups left after they fired: %v", ids)
			}
		})
	}
}
