package main

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"github.com/beckonhq/beckon"
	"github.com/beckonhq/beckon/engine"
	"github.com/beckonhq/beckon/message"
	"github.com/beckonhq/beckon/rules"
	"github.com/beckonhq/beckon/store"
	"github.com/beckonhq/beckon/store/boltstore"
	"github.com/beckonhq/beckon/tracker"
)

// fill stores c.visitors visitors (ids prefix + number) in the workspace's
// data file, each with one page view two days ago: stored, none active.
func fill(c config) error {
	set, diags := rules.Parse(rules.Source{Name: "rules.example.yaml", Data: beckon.ExampleRules})
	if set == nil {
		return fmt.Errorf("rules: %s", diags.Errors())
	}
	st, err := boltstore.Open(filepath.Join(c.data, "beckon.db"), boltstore.Options{})
	if err != nil {
		return err
	}
	defer st.Close()
	at := time.Now().UTC().Add(-48 * time.Hour)
	clock := engine.NewVirtualClock(at)
	began := time.Now()
	const chunk = 20000
	for from := 0; from < c.visitors; from += chunk {
		eng, err := engine.New(engine.Options{Rules: set, Store: st, Sender: discard{}, Workspace: c.workspace, Clock: clock})
		if err != nil {
			return err
		}
		for v := from; v < min(from+chunk, c.visitors); v++ {
			ev := tracker.Event{Time: at, VisitorID: fmt.Sprintf("%s%d", c.prefix, v), Type: tracker.PageView,
				URL: fmt.Sprintf("https://example.com/blog/post-%d", v%500)}
			if _, err := eng.Handle(ev); err != nil {
				return err
			}
		}
		if err := eng.Close(); err != nil {
			return err
		}
	}
	fmt.Printf("mode=fill visitors=%d took=%s\n", c.visitors, time.Since(began).Round(time.Millisecond))
	return nil
}

type discard struct{}

func (discard) Stage(*store.Batch, *message.Message) {}
func (discard) Deliver(*message.Message)             {}

// ready polls until the server answers /healthz and accepts a collect, and
// prints how long that took after c.since.
func ready(c config) error {
	client := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(2 * time.Minute)
	healthy := time.Duration(0)
	for time.Now().Before(deadline) {
		if healthy == 0 {
			if resp, err := client.Get(c.base + "/healthz"); err == nil {
				resp.Body.Close()
				if resp.StatusCode == 200 {
					healthy = time.Since(time.Unix(0, c.since))
				}
			}
		}
		if healthy > 0 && post(client, c.base+"/v1/collect", nil, event(c, 0, "page_view")) {
			accepted := time.Since(time.Unix(0, c.since))
			fmt.Printf("mode=ready healthz=%s collect=%s\n", healthy.Round(time.Millisecond), accepted.Round(time.Millisecond))
			return nil
		}
		time.Sleep(time.Millisecond)
	}
	return fmt.Errorf("the server did not answer in 2 minutes")
}

// footprint measures what c.visitors visitors cost: the heap they take in
// one engine (each with a page view from a campaign, an identify and a
// heartbeat, through the example rules), and the data file once they are
// committed.
func footprint(c config) error {
	set, diags := rules.Parse(rules.Source{Name: "rules.example.yaml", Data: beckon.ExampleRules})
	if set == nil {
		return fmt.Errorf("rules: %s", diags.Errors())
	}
	path := filepath.Join(c.data, "beckon.db")
	st, err := boltstore.Open(path, boltstore.Options{NoSync: true})
	if err != nil {
		return err
	}
	defer st.Close()
	at := time.Date(2026, 1, 20, 14, 0, 0, 0, time.UTC)
	clock := engine.NewVirtualClock(at)
	eng, err := engine.New(engine.Options{Rules: set, Store: st, Sender: discard{}, Workspace: c.workspace, Clock: clock})
	if err != nil {
		return err
	}
	before := heap()
	for v := range c.visitors {
		id := fmt.Sprintf("%s%d", c.prefix, v)
		events := []tracker.Event{
			{Type: tracker.PageView, URL: fmt.Sprintf("https://example.com/blog/post-%d?utm_source=news", v%500), Title: "A post"},
			{Type: tracker.Identify, Attributes: map[string]any{"plan": "pro", "first_name": "Dana"}},
			{Type: tracker.Heartbeat},
		}
		for _, ev := range events {
			ev.Time, ev.VisitorID = at, id
			if _, err := eng.Handle(ev); err != nil {
				return err
			}
		}
	}
	perVisitor := float64(heap()-before) / float64(c.visitors)
	if err := eng.Close(); err != nil {
		return err
	}
	fi, err := os.Stat(path)
	if err != nil {
		return err
	}
	fmt.Printf("mode=footprint visitors=%d heap_per_visitor=%.0fB data_file_per_visitor=%.0fB in_memory=%d\n",
		c.visitors, perVisitor, float64(fi.Size())/float64(c.visitors), eng.InMemory())
	return nil
}

// heap is the live heap after a full collection.
func heap() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}
