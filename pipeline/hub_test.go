package pipeline

import (
	"testing"
	"time"

	"github.com/beckonhq/beckon/message"
)

func TestSubscribeReplaysQueuedThenLive(t *testing.T) {
	p := newPipeline(t, Options{})
	send(t, p, ws, msg("msg_1", "v1", "s1")) // no stream yet: queued
	send(t, p, ws, msg("msg_2", "v1", "s1"))
	send(t, p, ws, msg("msg_x", "v2", "s9")) // someone else's

	ch, cancel := p.Subscribe(ws, "v1")
	for _, want := range []string{"msg_1", "msg_2"} {
		if m := recv(t, ch); m.ID != want {
			t.Fatalf("replayed %s, want %s", m.ID, want)
		}
	}
	send(t, p, ws, msg("msg_3", "v1", "s1"))
	if m := recv(t, ch); m.ID != "msg_3" {
		t.Fatalf("live %s, want msg_3", m.ID)
	}
	// A stream taking a message is not a delivery: the widget's ack is.
	if s, _ := p.Status(ws, "msg_3"); s != message.StatusSent {
		t.Fatalf("msg_3 right after Deliver: %v, want sent until the widget acks it", s)
	}
	cancel()
	if _, ok := <-ch; ok {
		t.Fatal("channel still open after cancel")
	}
	cancel() // harmless twice
	for _, id := range []string{"msg_1", "msg_3"} {
		if err := p.Ack(ws, "v1", id, "delivered"); err != nil {
			t.Fatal(err)
		}
	}
	got, _ := p.SessionMessages(ws, "s1")
	if len(got) != 3 || got[0].Status != message.StatusDelivered || got[1].Status != message.StatusSent || got[2].DeliveredAt == nil {
		t.Fatalf("after the acks: %+v", got)
	}
	again, cancel := p.Subscribe(ws, "v1")
	defer cancel()
	if m := recv(t, again); m.ID != "msg_2" {
		t.Fatalf("next stream replayed %s, want msg_2, the one not acknowledged", m.ID)
	}
	if s, _ := p.Status(ws, "msg_x"); s != message.StatusSent {
		t.Fatalf("other visitor's message: %v, want sent", s)
	}
}

func TestAwaitDelivered(t *testing.T) {
	p := newPipeline(t, Options{})
	send(t, p, ws, msg("msg_1", "v1", "s1"))
	if s, err := p.AwaitDelivered(ws, "v1", "msg_1", time.Hour); err != nil || s != message.StatusSent {
		t.Fatalf("without a stream: %v %v, want sent at once", s, err)
	}
	ch, cancel := p.Subscribe(ws, "v1")
	defer cancel()
	go func() {
		m := <-ch
		p.Ack(ws, "v1", m.ID, "delivered")
	}()
	if s, err := p.AwaitDelivered(ws, "v1", "msg_1", time.Hour); err != nil || s != message.StatusDelivered {
		t.Fatalf("with a widget that acks: %v %v, want delivered", s, err)
	}
}

func TestDeliveredMessagesAreNotReplayed(t *testing.T) {
	p := newPipeline(t, Options{})
	send(t, p, ws, msg("msg_1", "v1", "s1"))
	if err := p.Ack(ws, "v1", "msg_1", "delivered"); err != nil {
		t.Fatal(err)
	}
	send(t, p, ws, msg("msg_2", "v1", "s1"))
	ch, cancel := p.Subscribe(ws, "v1")
	defer cancel()
	if m := recv(t, ch); m.ID != "msg_2" {
		t.Fatalf("replayed %s, want msg_2 only", m.ID)
	}
}

func TestQueueKeepsNewest(t *testing.T) {
	p := newPipeline(t, Options{QueueLen: 2})
	for _, id := range []string{"msg_1", "msg_2", "msg_3"} {
		send(t, p, ws, msg(id, "v1", "s1"))
	}
	ch, cancel := p.Subscribe(ws, "v1")
	defer cancel()
	for _, want := range []string{"msg_2", "msg_3"} {
		if m := recv(t, ch); m.ID != want {
			t.Fatalf("replayed %s, want %s", m.ID, want)
		}
	}
}

func TestFullStreamIsClosedNotWaitedFor(t *testing.T) {
	p := newPipeline(t, Options{QueueLen: 1, StreamBuffer: 2})
	ch, _ := p.Subscribe(ws, "v1")
	for _, id := range []string{"msg_1", "msg_2", "msg_3"} {
		send(t, p, ws, msg(id, "v1", "s1")) // nobody reads: the third overflows
	}
	n := 0
	for range ch {
		n++
	}
	if n != 2 {
		t.Fatalf("stream carried %d messages before closing, want 2", n)
	}
	if s, _ := p.Status(ws, "msg_3"); s != message.StatusSent {
		t.Fatalf("msg_3: %v, want sent (no stream took it)", s)
	}
}

func TestTooManyStreamsCloseTheOldest(t *testing.T) {
	p := newPipeline(t, Options{MaxStreams: 2})
	old, _ := p.Subscribe(ws, "v1")
	_, c2 := p.Subscribe(ws, "v1")
	defer c2()
	_, c3 := p.Subscribe(ws, "v1")
	defer c3()
	if _, ok := <-old; ok {
		t.Fatal("oldest stream still open")
	}
}

func TestCloseEndsStreams(t *testing.T) {
	p := newPipeline(t, Options{})
	ch, _ := p.Subscribe(ws, "v1")
	p.Close()
	if _, ok := <-ch; ok {
		t.Fatal("stream open after Close")
	}
}

func TestLiveMessagesWaitForTheReplay(t *testing.T) {
	h := newHub(4, 2)
	k := streamKey{ws, "v1"}
	s := h.add(k)
	queued, live := msg("msg_1", "v1", "s1"), msg("msg_2", "v1", "s1")
	if n := h.offer(k, live); n != 0 {
		t.Fatalf("offer during replay counted %d takers, want 0 until it is sent", n)
	}
	// msg_2 was committed before the queue was read: it is in both lists.
	took := h.finishReplay(k, s, []*message.Message{queued, live})
	if len(took) != 2 || took[0] != "msg_1" || took[1] != "msg_2" {
		t.Fatalf("took %v, want [msg_1 msg_2]", took)
	}
	if got := []string{recv(t, s.ch).ID, recv(t, s.ch).ID}; got[0] != "msg_1" || got[1] != "msg_2" || len(s.ch) != 0 {
		t.Fatalf("stream got %v then %d more, want msg_1, msg_2 once each", got, len(s.ch))
	}
	if n := h.offer(k, msg("msg_3", "v1", "s1")); n != 1 {
		t.Fatalf("live offer taken by %d, want 1", n)
	}
}
