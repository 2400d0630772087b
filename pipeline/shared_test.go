package pipeline

import (
	"encoding/json"
	"fmt"
	"sync"
	"testing"

	"github.com/beckonhq/beckon/message"
	"github.com/beckonhq/beckon/store"
	"github.com/beckonhq/beckon/store/redisstore"
	"github.com/beckonhq/beckon/store/redisstore/redistest"
)

// twoProcesses starts two pipelines on one Redis, as two processes would
// run them, each with its own connection.
func twoProcesses(t *testing.T, hooks []Webhook) (*Pipeline, *Pipeline) {
	t.Helper()
	srv := redistest.ForTest(t)
	var ps []*Pipeline
	for range 2 {
		st, err := redisstore.Open(srv.URL(), redisstore.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		p := newPipeline(t, Options{Store: st, NewID: randomID})
		p.SetWorkspace(ws, hooks)
		start(t, p)
		ps = append(ps, p)
	}
	return ps[0], ps[1]
}

// A message sent on one process reaches the stream another process holds,
// and is marked delivered.
func TestSharedStreamOnAnotherProcess(t *testing.T) {
	a, b := twoProcesses(t, nil)
	ch, cancel := a.Subscribe(ws, "v1")
	defer cancel()
	send(t, b, ws, msg("m1", "v1", "s1"))
	if got := recv(t, ch); got.ID != "m1" {
		t.Fatalf("stream on the other process got %s", got.ID)
	}
	if err := b.Ack(ws, "v1", "m1", "delivered"); err != nil { // the widget's ack, through either
		t.Fatal(err)
	}
	if st, err := a.Status(ws, "m1"); err != nil || st != message.StatusDelivered {
		t.Fatalf("m1 after the ack: %v, %v", st, err)
	}
	send(t, b, ws, msg("m2", "v2", "s2")) // nobody listens: it waits in the store's queue
	ch2, cancel2 := a.Subscribe(ws, "v2")
	defer cancel2()
	if got := recv(t, ch2); got.ID != "m2" {
		t.Fatalf("replayed from the store's queue: %s", got.ID)
	}
}

// Two processes dispatch one outbox: each delivery is sent once, and the
// events about one message arrive in order.
func TestSharedOutboxSendsEachOnce(t *testing.T) {
	var mu sync.Mutex
	seen := map[string]int{}
	events := map[string][]string{} // message id → its events, as they came
	r := newReceiver(t, nil)
	go func() {
		for h := range r.hits {
			var ev struct {
				ID    string `json:"id"`
				Event string `json:"event"`
				Data  struct {
					MessageID string `json:"message_id"`
					Status    string `json:"status"`
				} `json:"data"`
			}
			json.Unmarshal(h.body, &ev)
			mu.Lock()
			seen[ev.ID]++
			events[ev.Data.MessageID] = append(events[ev.Data.MessageID], ev.Event+" "+ev.Data.Status)
			mu.Unlock()
		}
	}()
	a, b := twoProcesses(t, []Webhook{{URL: r.URL, Secret: "s"}})
	const n = 20
	for i := range n {
		p := []*Pipeline{a, b}[i%2]
		id := fmt.Sprint("m", i)
		send(t, p, ws, msg(id, fmt.Sprint("v", i), "s"))
		if err := []*Pipeline{b, a}[i%2].Ack(ws, fmt.Sprint("v", i), id, "read"); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, "every webhook", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(seen) == 3*n
	})
	mu.Lock()
	defer mu.Unlock()
	for id, k := range seen {
		if k != 1 {
			t.Errorf("event %s delivered %d times", id, k)
		}
	}
	want := fmt.Sprint([]string{EventMessageSent + " ", EventMessageStatus + " delivered", EventMessageStatus + " read"})
	for i := range n {
		if got := events[fmt.Sprint("m", i)]; fmt.Sprint(got) != want {
			t.Errorf("m%d: events in the order %q, want %s", i, got, want)
		}
	}
	if n, _ := a.OutboxLen(ws); n != 0 {
		t.Errorf("outbox holds %d", n)
	}
}

var _ store.Sharing = (*redisstore.Store)(nil)
