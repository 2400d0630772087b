package server_test

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
)

// seedRequest is the outbound API's documented request, as documented.
const seedRequest = `{
    "visitor_id": "visitor_abc123",
    "message": "Hi! I noticed you are looking at our AC repair services. We have same-day appointments available. Can I help answer any questions?",
    "trigger": {
      "type": "page_visit",
      "page_url": "https://example.com/services/ac-repair",
      "time_on_page": 45
    },
    "personalization": {
      "current_interest": "AC Repair"
    },
    "quick_replies": [
      {
        "text": "Get a Quote",
        "value": "quote_request",
        "action": "quote"
      },
      {
        "text": "Schedule Service",
        "value": "schedule_service",
        "action": "schedule"
      },
      {
        "text": "Call Now",
        "value": "call_request",
        "action": "call"
      }
    ]
  }`

// checkSendAnswer asserts the documented response shape, field for field.
func checkSendAnswer(t *testing.T, r reply, status string) {
	t.Helper()
	if r.status != http.StatusOK {
		t.Fatalf("status %d: %s", r.status, r.raw)
	}
	if got := sortedKeys(r.body); !slices.Equal(got, []string{"data", "meta"}) {
		t.Fatalf("keys %v: %s", got, r.raw)
	}
	data := obj(r.body["data"])
	want := []string{"engagement_score", "message_id", "session_id", "status", "visitor_status"}
	if got := sortedKeys(data); !slices.Equal(got, want) {
		t.Fatalf("data keys %v, want %v", got, want)
	}
	for _, k := range []string{"message_id", "session_id", "status", "visitor_status"} {
		if s, ok := data[k].(string); !ok || s == "" {
			t.Errorf("data.%s = %#v, want a non-empty string", k, data[k])
		}
	}
	if score, ok := data["engagement_score"].(float64); !ok || score < 0 || score > 100 {
		t.Errorf("data.engagement_score = %#v, want a number 0-100", data["engagement_score"])
	}
	if !strings.HasPrefix(data["message_id"].(string), "msg_") {
		t.Errorf("message_id %v", data["message_id"])
	}
	if data["status"] != status || data["visitor_status"] != "online" {
		t.Errorf("status %v visitor_status %v, want %s online", data["status"], data["visitor_status"], status)
	}
	checkMeta(t, r)
}

func TestSeedRequest(t *testing.T) {
	h := newHarness(t, "")
	t.Run("sent without an open widget", func(t *testing.T) {
		h.visit("visitor_abc123", "https://example.com/")
		checkSendAnswer(t, h.api("POST", "/v1/outbound/live-chat/message", seedRequest), "sent")
	})
	t.Run("delivered to an open widget that acknowledges it", func(t *testing.T) {
		h.visit("visitor_def456", "https://example.com/")
		events, _ := h.stream("site_a", "visitor_def456")
		acked := make(chan reply, 1)
		go func() { // the widget: take the message, acknowledge it
			ev := <-events
			acked <- h.widget("/v1/ack", "visitor_def456", `{"site":"site_a","visitor_id":"visitor_def456","message_id":"`+ev.id+`","status":"delivered"TOKEN}`)
		}()
		r := h.api("POST", "/v1/outbound/live-chat/message", strings.Replace(seedRequest, "visitor_abc123", "visitor_def456", 1))
		checkSendAnswer(t, r, "delivered")
		if a := next(t, acked, "the widget's ack"); a.status != 200 || obj(a.body["data"])["message_id"] != obj(r.body["data"])["message_id"] {
			t.Errorf("ack: %d %s", a.status, a.raw)
		}
	})
	t.Run("sent to an open widget that does not acknowledge it", func(t *testing.T) {
		h.visit("visitor_ghi789", "https://example.com/")
		events, _ := h.stream("site_a", "visitor_ghi789")
		r := h.api("POST", "/v1/outbound/live-chat/message", strings.Replace(seedRequest, "visitor_abc123", "visitor_ghi789", 1))
		checkSendAnswer(t, r, "sent")
		if ev := next(t, events, "the widget's message"); ev.event != "message" || ev.id != obj(r.body["data"])["message_id"] {
			t.Errorf("widget got %+v", ev)
		}
	})
}

func TestSendErrors(t *testing.T) {
	h := newHarness(t, "")
	h.visit("v_known", "https://shop.example/")
	send := `/v1/outbound/live-chat/message`
	qr := func(n int) string {
		var b []string
		for i := range n {
			b = append(b, fmt.Sprintf(`{"text":"T%d","value":"v%d"}`, i, i))
		}
		return strings.Join(b, ",")
	}
	for _, tc := range []struct {
		name, body, code, field string
		status                  int
	}{
		{"no message", `{"visitor_id":"v_known"}`, "invalid_request", "message", 400},
		{"blank message", `{"visitor_id":"v_known","message":"  "}`, "invalid_request", "message", 400},
		{"message too long", `{"visitor_id":"v_known","message":"` + strings.Repeat("é", 2001) + `"}`, "invalid_request", "message", 400},
		{"no visitor or session", `{"message":"Hi"}`, "invalid_request", "visitor_id", 400},
		{"bad visitor id", `{"visitor_id":"v known","message":"Hi"}`, "invalid_request", "visitor_id", 400},
		{"unknown field", `{"visitor_id":"v_known","message":"Hi","colour":"red"}`, "invalid_request", "colour", 400},
		{"wrong type", `{"visitor_id":"v_known","message":"Hi","quick_replies":[{"text":"A","value":"a"},{"text":"B","value":7}]}`, "invalid_request", "quick_replies[1].value", 400},
		{"object for a string", `{"visitor_id":"v_known","message":{"text":"Hi"}}`, "invalid_request", "message", 400},
		{"nested wrong type", `{"visitor_id":"v_known","message":"Hi","trigger":{"type":"page_visit","time_on_page":"45"}}`, "invalid_request", "trigger.time_on_page", 400},
		{"string for an array", `{"visitor_id":"v_known","message":"Hi","quick_replies":"yes"}`, "invalid_request", "quick_replies", 400},
		{"quick reply without value", `{"visitor_id":"v_known","message":"Hi","quick_replies":[{"text":"A","value":"a"},{"text":"B"}]}`, "invalid_request", "quick_replies[1].value", 400},
		{"quick reply without text", `{"visitor_id":"v_known","message":"Hi","quick_replies":[{"value":"a"}]}`, "invalid_request", "quick_replies[0].text", 400},
		{"eleven quick replies", `{"visitor_id":"v_known","message":"Hi","quick_replies":[` + qr(11) + `]}`, "invalid_request", "quick_replies", 400},
		{"override not a bool", `{"visitor_id":"v_known","message":"Hi","options":{"override_frequency_cap":"yes"}}`, "invalid_request", "options.override_frequency_cap", 400},
		{"template in message", `{"visitor_id":"v_known","message":"Hi {{ visitor.attributes.first_name }}!"}`, "invalid_request", "message", 400},
		{"template in a label", `{"visitor_id":"v_known","message":"Hi","quick_replies":[{"text":"A","value":"a"},{"text":"Book {{x}}","value":"b"}]}`, "invalid_request", "quick_replies[1].text", 400},
		{"template in personalization", `{"visitor_id":"v_known","message":"Hi","personalization":{"a":"ok","b":"{{ page.title }}"}}`, "invalid_request", "personalization.b", 400},
		{"not JSON", `{"visitor_id":`, "invalid_request", "", 400},
		{"unknown visitor", `{"visitor_id":"v_nobody","message":"Hi"}`, "visitor_not_found", "visitor_id", 404},
		{"unknown session", `{"session_id":"sess_nothing","message":"Hi"}`, "session_not_found", "session_id", 404},
		{"too large", `{"visitor_id":"v_known","message":"` + strings.Repeat("x", 65<<10) + `"}`, "payload_too_large", "", 413},
	} {
		t.Run(tc.name, func(t *testing.T) {
			checkError(t, h.api("POST", send, tc.body), tc.status, tc.code, tc.field)
		})
	}

	body := `{"visitor_id":"v_known","message":"Hi"}`
	t.Run("no key", func(t *testing.T) {
		checkError(t, h.do("POST", send, body, "X-Workspace-ID", "ws_a"), 401, "unauthorized", "")
	})
	t.Run("bad key", func(t *testing.T) {
		checkError(t, h.do("POST", send, body, "Authorization", "Bearer sk_wrong_123456", "X-Workspace-ID", "ws_a"), 401, "unauthorized", "")
	})
	t.Run("no workspace header", func(t *testing.T) {
		checkError(t, h.do("POST", send, body, "Authorization", "Bearer "+keyA), 400, "invalid_request", "X-Workspace-ID")
	})
	t.Run("key of another workspace", func(t *testing.T) {
		checkError(t, h.do("POST", send, body, "Authorization", "Bearer "+keyA, "X-Workspace-ID", "ws_b"), 403, "forbidden", "")
	})
	t.Run("second proactive message is capped, unless overridden", func(t *testing.T) {
		if r := h.api("POST", send, body); r.status != 200 {
			t.Fatalf("first send: %d %s", r.status, r.raw)
		}
		checkError(t, h.api("POST", send, body), 409, "frequency_capped", "")
		r := h.api("POST", send, `{"visitor_id":"v_known","message":"Hi again","options":{"override_frequency_cap":true}}`)
		checkSendAnswer(t, r, "sent")
	})
	t.Run("unknown route", func(t *testing.T) {
		checkError(t, h.api("GET", "/v1/nothing", ""), 404, "not_found", "")
		checkError(t, h.api("POST", "/v1/nothing", ""), 404, "not_found", "")
		checkError(t, h.api("GET", send, ""), 405, "method_not_allowed", "")
		checkError(t, h.api("POST", "/healthz", ""), 405, "method_not_allowed", "")
	})
}

func TestRateLimits(t *testing.T) {
	h := newHarness(t, "limits: {api_per_second: 1, api_burst: 2, collect_per_second: 1, collect_burst: 3}\n")
	for i := range 2 {
		if r := h.api("GET", "/v1/rules", ""); r.status != 200 {
			t.Fatalf("request %d: %d", i, r.status)
		}
	}
	// The virtual clock stands still, so no token comes back.
	r := h.api("GET", "/v1/rules", "")
	checkError(t, r, 429, "rate_limited", "")
	if r.header.Get("Retry-After") != "1" {
		t.Errorf("Retry-After %q, want 1", r.header.Get("Retry-After"))
	}
	// Another key has its own bucket.
	if r := h.do("GET", "/v1/rules", "", "Authorization", "Bearer "+keyB, "X-Workspace-ID", "ws_b"); r.status != 200 {
		t.Errorf("workspace b: %d", r.status)
	}
	// Collect counts events per client IP: a batch of three empties the bucket.
	batch := `[` + strings.Repeat(`{"site":"site_a","visitor_id":"v_rate","type":"heartbeat"},`, 2) +
		`{"site":"site_a","visitor_id":"v_rate","type":"heartbeat"}]`
	if r := h.do("POST", "/v1/collect", batch); r.status != 202 {
		t.Fatalf("batch: %d %s", r.status, r.raw)
	}
	checkError(t, h.do("POST", "/v1/collect", `{"site":"site_a","visitor_id":"v_rate","type":"heartbeat"}`), 429, "rate_limited", "")
}

func TestWorkspaceIsolation(t *testing.T) {
	h := newHarness(t, "")
	h.visit("v_of_a", "https://shop.example/")
	send := h.api("POST", "/v1/outbound/live-chat/message", `{"visitor_id":"v_of_a","message":"Hi"}`)
	if send.status != 200 {
		t.Fatalf("send in a: %d %s", send.status, send.raw)
	}
	sessionID := obj(send.body["data"])["session_id"].(string)
	asB := []string{"Authorization", "Bearer " + keyB, "X-Workspace-ID", "ws_b", "Content-Type", "application/json"}
	checkError(t, h.do("GET", "/v1/visitors/v_of_a", "", asB...), 404, "visitor_not_found", "visitor_id")
	checkError(t, h.do("GET", "/v1/sessions/"+sessionID+"/messages", "", asB...), 404, "session_not_found", "session_id")
	checkError(t, h.do("POST", "/v1/outbound/live-chat/message", `{"visitor_id":"v_of_a","message":"Hi"}`, asB...), 404, "visitor_not_found", "visitor_id")
	checkError(t, h.do("POST", "/v1/outbound/live-chat/message", `{"session_id":"`+sessionID+`","message":"Hi"}`, asB...), 404, "session_not_found", "session_id")
	// The ack of b's site cannot reach a's message either: a's token is
	// not a token of b, and b's own visitor of that id has no such message.
	ack := `{"site":"site_b","visitor_id":"v_of_a","message_id":"` + obj(send.body["data"])["message_id"].(string) + `","status":"read"TOKEN}`
	checkError(t, h.widget("/v1/ack", "v_of_a", ack), 401, "invalid_visitor_token", "token")
	claim := h.do("POST", "/v1/collect", `{"site":"site_b","visitor_id":"v_of_a","type":"heartbeat"}`)
	tokenB, _ := obj(claim.body["data"])["visitor_token"].(string)
	if tokenB == "" || tokenB == h.tokens["v_of_a"] {
		t.Fatalf("site_b's first collect for the id: %s, want a token of its own", claim.raw)
	}
	checkError(t, h.do("POST", "/v1/ack", strings.Replace(ack, "TOKEN", `,"token":"`+tokenB+`"`, 1)), 404, "not_found", "message_id")
}

func TestIdempotencyKey(t *testing.T) {
	h := newHarness(t, "")
	h.visit("v_idem", "https://shop.example/")
	send := "/v1/outbound/live-chat/message"
	body := `{"visitor_id":"v_idem","message":"Hi once"}`

	const n = 8 // concurrent first tries with one key: one send
	answers := make([]reply, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { answers[i] = h.api("POST", send, body, "Idempotency-Key", "key-1") })
	}
	wg.Wait()
	for i, r := range answers {
		if r.status != 200 || string(r.raw) != string(answers[0].raw) {
			t.Fatalf("answer %d: %d %s, want the first answer %s", i, r.status, r.raw, answers[0].raw)
		}
	}
	// A retry after a restart still gets the first answer (key order and
	// spacing of the body do not matter).
	h.restart()
	retry := h.api("POST", send, `{ "message": "Hi once", "visitor_id": "v_idem" }`, "Idempotency-Key", "key-1")
	if retry.status != 200 || string(retry.raw) != string(answers[0].raw) || retry.header.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("retry: %d %s %v", retry.status, retry.raw, retry.header)
	}
	sessionID := obj(answers[0].body["data"])["session_id"].(string)
	list := h.api("GET", "/v1/sessions/"+sessionID+"/messages", "")
	if msgs := obj(list.body["data"])["messages"].([]any); len(msgs) != 1 {
		t.Fatalf("%d messages in the session, want 1: %s", len(msgs), list.raw)
	}
	checkError(t, h.api("POST", send, `{"visitor_id":"v_idem","message":"Something else"}`, "Idempotency-Key", "key-1"),
		400, "invalid_request", "Idempotency-Key")
}
