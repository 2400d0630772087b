package pipeline

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/beckonhq/beckon/engine"
	"github.com/beckonhq/beckon/message"
)

const secret = "whsec_demo"

// checkSignature recomputes the HMAC without the package's own helpers.
func checkSignature(t *testing.T, h hit) {
	t.Helper()
	sig := h.header.Get("Beckon-Signature")
	ts, v1, ok := strings.Cut(sig, ",v1=")
	if !ok || !strings.HasPrefix(ts, "t=") {
		t.Fatalf("Beckon-Signature = %q", sig)
	}
	m := hmac.New(sha256.New, []byte(secret))
	fmt.Fprintf(m, "%s.%s", strings.TrimPrefix(ts, "t="), h.body)
	if want := hex.EncodeToString(m.Sum(nil)); v1 != want {
		t.Fatalf("v1 = %s, want %s", v1, want)
	}
}

func TestMessageSentWebhookIsSigned(t *testing.T) {
	rcv := newReceiver(t, nil)
	clk := engine.NewVirtualClock(t0.Add(5 * time.Second))
	p := newPipeline(t, Options{Clock: clk.Now})
	p.SetWorkspace(ws, []Webhook{{URL: rcv.URL, Secret: secret}})
	start(t, p)
	m := msg("msg_chat_789", "visitor_abc123", "chat_session_123")
	m.Rule = "ac_repair_help"
	m.Trigger = &message.Trigger{Type: "page_visit", PageURL: "https://example.com/ac", TimeOnPage: 45}
	m.QuickReplies = []message.QuickReply{{Text: "Get a Quote", Value: "quote_request", Action: "quote"}}
	send(t, p, ws, m)

	h := rcv.next(t)
	checkSignature(t, h)
	if err := Verify(secret, h.header.Get("Beckon-Signature"), h.body, clk.Now(), time.Minute); err != nil {
		t.Fatalf("Verify: %v", err)
	}
	if !strings.HasPrefix(h.header.Get("Beckon-Signature"), fmt.Sprintf("t=%d,", clk.Now().Unix())) {
		t.Fatalf("t is not the attempt's time: %s", h.header.Get("Beckon-Signature"))
	}
	want := `{"id":"evt_1","event":"live_chat.message_sent","session_id":"chat_session_123","timestamp":"2024-01-20T14:30:00Z",` +
		`"data":{"message_id":"msg_chat_789","message":"hello msg_chat_789","rule":"ac_repair_help",` +
		`"trigger":{"type":"page_visit","page_url":"https://example.com/ac","time_on_page":45},` +
		`"quick_replies":[{"text":"Get a Quote","value":"quote_request","action":"quote"}],` +
		`"visitor":{"id":"visitor_abc123","status":"online","engagement_score":75}}}`
	if string(h.body) != want {
		t.Fatalf("body\n got %s\nwant %s", h.body, want)
	}
	for k, v := range map[string]string{"Content-Type": "application/json", "Beckon-Event": EventMessageSent, "Beckon-Delivery": "evt_1"} {
		if got := h.header.Get(k); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
	waitFor(t, "an empty outbox", func() bool { n, _ := p.OutboxLen(ws); return n == 0 })
}

func TestVisitorRespondedBody(t *testing.T) {
	const envelope = `{"id":"%s","event":"live_chat.visitor_responded","session_id":"chat_session_123","timestamp":"2024-01-20T14:30:45Z","data":%s}`
	tests := []struct {
		name  string
		reply Reply
		data  string
	}{
		{"click", Reply{QuickReply: &QuickReplyClick{Value: "schedule_service"}},
			`{"message_id":"msg_chat_789","message":"Schedule Service","quick_reply_clicked":{"value":"schedule_service","action":"schedule"},"visitor":{"id":"visitor_abc123","status":"engaged","engagement_score":85}}`},
		{"typed", Reply{Text: "Yes, I need AC repair"},
			`{"message_id":"msg_chat_789","message":"Yes, I need AC repair","quick_reply_clicked":null,"visitor":{"id":"visitor_abc123","status":"engaged","engagement_score":85}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rcv := newReceiver(t, nil)
			p := newPipeline(t, Options{})
			p.SetWorkspace(ws, []Webhook{{URL: rcv.URL, Secret: secret, Events: []string{EventVisitorResponded}}})
			m := msg("msg_chat_789", "visitor_abc123", "chat_session_123")
			m.QuickReplies = []message.QuickReply{{Text: "Schedule Service", Value: "schedule_service", Action: "schedule"}}
			send(t, p, ws, m)
			r := tt.reply
			r.VisitorID, r.MessageID, r.EngagementScore, r.Time = "visitor_abc123", "msg_chat_789", 85, t0.Add(45*time.Second)
			if err := p.VisitorResponded(ws, r); err != nil {
				t.Fatal(err)
			}
			start(t, p)
			h := rcv.next(t)
			if want := fmt.Sprintf(envelope, h.header.Get("Beckon-Delivery"), tt.data); string(h.body) != want {
				t.Fatalf("body\n got %s\nwant %s", h.body, want)
			}
		})
	}
}

func TestVisitorRespondedChecksTheMessage(t *testing.T) {
	p := newPipeline(t, Options{})
	send(t, p, ws, msg("msg_1", "v1", "s1"))
	tests := []struct {
		r    Reply
		want error
	}{
		{Reply{VisitorID: "v2", MessageID: "msg_1", Text: "hi"}, ErrNotFound},
		{Reply{VisitorID: "v1", MessageID: "msg_404", Text: "hi"}, ErrNotFound},
		{Reply{VisitorID: "v1", MessageID: "msg_1", QuickReply: &QuickReplyClick{Value: "nope"}}, ErrUnknownQuickReply},
	}
	for _, tt := range tests {
		if err := p.VisitorResponded(ws, tt.r); !errors.Is(err, tt.want) {
			t.Errorf("VisitorResponded(%+v) = %v, want %v", tt.r, err, tt.want)
		}
	}
}

func TestOnlySubscribedEndpointsGetEvents(t *testing.T) {
	all := newReceiver(t, nil)
	replies := newReceiver(t, nil)
	p := newPipeline(t, Options{})
	p.SetWorkspace(ws, []Webhook{
		{URL: replies.URL, Secret: secret, Events: []string{EventVisitorResponded}},
		{URL: all.URL, Secret: secret},
	})
	p.SetWorkspace("ws_quiet", nil)
	start(t, p)
	send(t, p, "ws_quiet", msg("msg_0", "v1", "s1"))
	send(t, p, ws, msg("msg_1", "v1", "s1"))
	if err := p.Ack(ws, "v1", "msg_1", "read"); err != nil {
		t.Fatal(err)
	}
	if err := p.VisitorResponded(ws, Reply{VisitorID: "v1", MessageID: "msg_1", Text: "yes"}); err != nil {
		t.Fatal(err)
	}
	// sent, then one status event per step passed; order is per endpoint
	// only when attempts do not overlap, so compare as a set.
	got := map[string]bool{}
	for range 4 {
		h := all.next(t)
		got[h.header.Get("Beckon-Event")+" "+statusOf(h.body)] = true
	}
	for _, want := range []string{"live_chat.message_sent ", "live_chat.message_status delivered",
		"live_chat.message_status read", "live_chat.visitor_responded "} {
		if !got[want] {
			t.Errorf("all-events endpoint missed %q (got %v)", want, got)
		}
	}
	if h := replies.next(t); h.header.Get("Beckon-Event") != EventVisitorResponded {
		t.Fatalf("replies endpoint got %s", h.header.Get("Beckon-Event"))
	}
	waitFor(t, "an empty outbox", func() bool { n, _ := p.OutboxLen(ws); return n == 0 })
	if n := replies.count.Load(); n != 1 {
		t.Fatalf("replies endpoint got %d requests, want 1", n)
	}
}

func statusOf(body []byte) string {
	_, after, ok := strings.Cut(string(body), `"status":"`)
	if !ok || !strings.Contains(string(body), EventMessageStatus) {
		return ""
	}
	s, _, _ := strings.Cut(after, `"`)
	return s
}

func TestFailedDeliveryIsRetried(t *testing.T) {
	rcv := newReceiver(t, func(n int64) int {
		if n == 1 {
			return http.StatusInternalServerError
		}
		return http.StatusNoContent
	})
	p := newPipeline(t, Options{})
	p.SetWorkspace(ws, []Webhook{{URL: rcv.URL, Secret: secret, Events: []string{EventVisitorResponded}}})
	start(t, p)
	if err := p.VisitorResponded(ws, Reply{VisitorID: "v1", Text: "hi"}); err != nil {
		t.Fatal(err)
	}
	first, second := rcv.next(t), rcv.next(t)
	if a, b := first.header.Get("Beckon-Delivery"), second.header.Get("Beckon-Delivery"); a != b || string(first.body) != string(second.body) {
		t.Fatalf("retry differs: %s %s / %s %s", a, first.body, b, second.body)
	}
	checkSignature(t, second)
	waitFor(t, "an empty outbox", func() bool { n, _ := p.OutboxLen(ws); return n == 0 })
}

// The events about one message reach an endpoint in order (sent, then
// delivered, then read) even when attempts fail and are retried.
func TestMessageEventsStayInOrderThroughRetries(t *testing.T) {
	var mu sync.Mutex
	seen := map[string]bool{}
	var got []string
	rcv := newReceiver(t, nil)
	rcv.answer = func(int64) int { return http.StatusNoContent }
	rcv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		id := r.Header.Get("Beckon-Delivery")
		mu.Lock()
		defer mu.Unlock()
		if !seen[id] { // every first attempt fails
			seen[id] = true
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		var ev struct {
			Event string `json:"event"`
			Data  struct {
				MessageID string `json:"message_id"`
				Status    string `json:"status"`
			} `json:"data"`
		}
		json.Unmarshal(body, &ev)
		got = append(got, ev.Data.MessageID+" "+strings.TrimPrefix(ev.Event, "live_chat.")+" "+ev.Data.Status)
		w.WriteHeader(http.StatusNoContent)
	})
	p := newPipeline(t, Options{Workers: 4})
	p.SetWorkspace(ws, []Webhook{{URL: rcv.URL, Secret: secret}})
	start(t, p)
	const n = 10
	for i := range n {
		id := fmt.Sprintf("msg_%d", i)
		send(t, p, ws, msg(id, "v1", "s1"))
		if err := p.Ack(ws, "v1", id, "read"); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, "every event", func() bool { mu.Lock(); defer mu.Unlock(); return len(got) == 3*n })
	mu.Lock()
	defer mu.Unlock()
	next := map[string]int{}
	want := []string{"message_sent ", "message_status delivered", "message_status read"}
	for _, g := range got {
		id, what, _ := strings.Cut(g, " ")
		if what != want[next[id]] {
			t.Errorf("%s: got %q, want %q next (all: %q)", id, what, want[next[id]], got)
		}
		next[id]++
	}
}
