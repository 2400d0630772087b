package main

import (
	"fmt"
	"net/http"
	"path/filepath"
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
