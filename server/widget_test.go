package server_test

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/beckonhq/beckon/pipeline"
)

func TestCORS(t *testing.T) {
	h := newHarness(t, "")
	heartbeat := `{"site":"site_a","visitor_id":"v_cors","type":"page_view","url":"https://shop.example/"TOKEN}`
	t.Run("preflight from a site's origin", func(t *testing.T) {
		r := h.do("OPTIONS", "/v1/collect", "", "Origin", "https://shop.example", "Access-Control-Request-Method", "POST")
		if r.status != 204 || r.header.Get("Access-Control-Allow-Origin") != "https://shop.example" ||
			r.header.Get("Access-Control-Allow-Methods") != "POST, GET" || r.header.Get("Access-Control-Allow-Headers") != "Content-Type" ||
			r.header.Get("Vary") != "Origin" {
			t.Fatalf("%d %v", r.status, r.header)
		}
	})
	t.Run("preflight from a foreign origin", func(t *testing.T) {
		r := h.do("OPTIONS", "/v1/collect", "", "Origin", "https://evil.example")
		checkError(t, r, 403, "forbidden", "")
		if r.header.Get("Access-Control-Allow-Origin") != "" {
			t.Errorf("foreign origin allowed: %v", r.header)
		}
	})
	t.Run("a site's origin gets the header", func(t *testing.T) {
		r := h.widget("/v1/collect", "v_cors", heartbeat, "Origin", "https://shop.example", "Content-Type", "text/plain")
		h.tokens["v_cors"], _ = obj(r.body["data"])["visitor_token"].(string)
		if r.status != 202 || r.header.Get("Access-Control-Allow-Origin") != "https://shop.example" {
			t.Fatalf("%d %v %s", r.status, r.header, r.raw)
		}
	})
	t.Run("another site's origin is refused and not processed", func(t *testing.T) {
		r := h.widget("/v1/collect", "v_refused", strings.Replace(heartbeat, "v_cors", "v_refused", 1), "Origin", "https://b.example")
		checkError(t, r, 403, "forbidden", "")
		checkError(t, h.api("GET", "/v1/visitors/v_refused", ""), 404, "visitor_not_found", "visitor_id")
	})
	t.Run("the stream is limited too", func(t *testing.T) {
		r := h.do("GET", "/v1/stream?site=site_a&visitor_id=v_cors", "", "Origin", "https://evil.example")
		checkError(t, r, 403, "forbidden", "")
	})
	t.Run("without an Origin header", func(t *testing.T) {
		if r := h.widget("/v1/collect", "v_cors", heartbeat); r.status != 202 || r.header.Get("Access-Control-Allow-Origin") != "" {
			t.Fatalf("%d %v", r.status, r.header)
		}
	})
}

func TestCollectErrors(t *testing.T) {
	h := newHarness(t, "")
	many := `[` + strings.Repeat(`{"site":"site_a","visitor_id":"v_1","type":"heartbeat"},`, 50) + `{"site":"site_a","visitor_id":"v_1","type":"heartbeat"}]`
	attrs := map[string]any{}
	for i := range 51 {
		attrs[string(rune('a'+i%26))+strings.Repeat("x", i)] = i
	}
	tooMany, _ := json.Marshal(map[string]any{"site": "site_a", "visitor_id": "v_1", "type": "identify", "attributes": attrs})
	for _, tc := range []struct {
		name, body, code, field string
		status                  int
	}{
		{"unknown site", `{"site":"site_zz","visitor_id":"v_1","type":"heartbeat"}`, "site_not_found", "site", 404},
		{"no site", `{"visitor_id":"v_1","type":"heartbeat"}`, "invalid_request", "site", 400},
		{"no visitor", `{"site":"site_a","type":"heartbeat"}`, "invalid_request", "visitor_id", 400},
		{"visitor id too long", `{"site":"site_a","visitor_id":"` + strings.Repeat("v", 129) + `","type":"heartbeat"}`, "invalid_request", "visitor_id", 400},
		{"unknown type", `{"site":"site_a","visitor_id":"v_1","type":"dance"}`, "invalid_request", "type", 400},
		{"page view without url", `{"site":"site_a","visitor_id":"v_1","type":"page_view"}`, "invalid_request", "url", 400},
		{"scroll beyond 100", `{"site":"site_a","visitor_id":"v_1","type":"scroll","depth":120}`, "invalid_request", "depth", 400},
		{"unknown field in a batch", `[{"site":"site_a","visitor_id":"v_1","type":"heartbeat"},{"site":"site_a","visitor_id":"v_1","type":"heartbeat","x":1}]`, "invalid_request", "[1].x", 400},
		{"two sites in a batch", `[{"site":"site_a","visitor_id":"v_1","type":"heartbeat"},{"site":"site_b","visitor_id":"v_1","type":"heartbeat"}]`, "invalid_request", "[1].site", 400},
		{"51 events", many, "invalid_request", "", 400},
		{"51 attributes", string(tooMany), "invalid_request", "attributes", 400},
		{"attribute value over 1 KiB", `{"site":"site_a","visitor_id":"v_1","type":"identify","attributes":{"note":"` + strings.Repeat("n", 1100) + `"}}`, "invalid_request", "attributes.note", 400},
		{"reply through collect", `{"site":"site_a","visitor_id":"v_1","type":"reply"}`, "invalid_request", "type", 400},
		{"too large", `{"site":"site_a","visitor_id":"v_1","type":"page_view","url":"` + strings.Repeat("u", 33<<10) + `"}`, "payload_too_large", "", 413},
	} {
		t.Run(tc.name, func(t *testing.T) {
			checkError(t, h.do("POST", "/v1/collect", tc.body, "Content-Type", "text/plain"), tc.status, tc.code, tc.field)
		})
	}
}

// TestConversation follows one visitor: a page view makes a rule fire
// into the open widget stream, a quick-reply click makes the follow-up
// rule fire and the visitor_responded webhook go out signed, and a read
// receipt shows in the session's messages.
func TestConversation(t *testing.T) {
	h := newHarness(t, "")
	h.visit("v_talk", "https://shop.example/")
	events, resp := h.stream("site_a", "v_talk", "Origin", "https://shop.example")
	for k, want := range map[string]string{"Content-Type": "text/event-stream", "Cache-Control": "no-cache",
		"X-Accel-Buffering": "no", "Access-Control-Allow-Origin": "https://shop.example"} {
		if got := resp.Header.Get(k); got != want {
			t.Errorf("stream header %s = %q, want %q", k, got, want)
		}
	}

	h.visit("v_talk", "https://shop.example/services/ac-repair")
	first := next(t, events, "the rule's message")
	offer := mustJSON(t, []byte(first.data))
	if first.event != "message" || !slices.Equal(sortedKeys(offer),
		[]string{"message", "message_id", "options", "personalization", "quick_replies", "sent_at", "session_id"}) {
		t.Fatalf("event %+v", first)
	}
	if offer["message"] != "Need a hand with your AC?" || offer["sent_at"] != "2026-01-20T14:30:00Z" || obj(offer["personalization"])["current_interest"] != "AC Repair" ||
		len(offer["quick_replies"].([]any)) != 3 {
		t.Fatalf("message %s", first.data)
	}
	messageID, sessionID := offer["message_id"].(string), offer["session_id"].(string)

	h.clock.Set(t0.Add(5 * time.Second)) // one message per visitor per instant: the answer comes later
	click := `{"site":"site_a","visitor_id":"v_talk","session_id":"` + sessionID + `","message_id":"` + messageID +
		`","quick_reply":{"value":"schedule_service"}TOKEN}`
	r := h.widget("/v1/reply", "v_talk", click, "Origin", "https://shop.example", "Content-Type", "text/plain")
	if r.status != 202 || obj(r.body["data"])["visitor_status"] != "engaged" || obj(r.body["data"])["session_id"] != sessionID {
		t.Fatalf("reply: %d %s", r.status, r.raw)
	}
	followUp := next(t, events, "the follow-up")
	if m := mustJSON(t, []byte(followUp.data)); m["message"] != "Let's get you on the calendar." {
		t.Fatalf("follow-up %s", followUp.data)
	}

	hook := next(t, h.hooks, "the webhook")
	if err := pipeline.Verify(secretA, hook.header.Get("Beckon-Signature"), hook.body, h.clock.Now(), 5*time.Minute); err != nil {
		t.Fatalf("signature: %v", err)
	}
	body := mustJSON(t, hook.body)
	if got := sortedKeys(body); !slices.Equal(got, []string{"data", "event", "id", "session_id", "timestamp"}) {
		t.Fatalf("webhook keys %v", got)
	}
	data := obj(body["data"])
	visitor := obj(data["visitor"])
	if body["event"] != "live_chat.visitor_responded" || body["session_id"] != sessionID || body["timestamp"] != "2026-01-20T14:30:05Z" ||
		data["message_id"] != messageID || data["message"] != "Schedule Service" ||
		!slices.Equal(sortedKeys(data), []string{"message", "message_id", "quick_reply_clicked", "visitor"}) ||
		obj(data["quick_reply_clicked"])["value"] != "schedule_service" || obj(data["quick_reply_clicked"])["action"] != "schedule" ||
		visitor["id"] != "v_talk" || visitor["status"] != "engaged" || visitor["engagement_score"] != obj(r.body["data"])["engagement_score"] {
		t.Fatalf("webhook %s", hook.body)
	}

	eventually(t, "the webhook is counted", func() bool {
		return strings.Contains(string(h.do("GET", "/metrics", "", "Authorization", "Bearer "+metricsToken).raw),
			`beckon_webhook_attempts_total{event="live_chat.visitor_responded",outcome="delivered"} 1`+"\n")
	})

	ack := `{"site":"site_a","visitor_id":"v_talk","message_id":"` + messageID + `","status":"read"TOKEN}`
	if r := h.widget("/v1/ack", "v_talk", ack); r.status != 200 || obj(r.body["data"])["status"] != "read" {
		t.Fatalf("ack: %d %s", r.status, r.raw)
	}
	list := h.api("GET", "/v1/sessions/"+sessionID+"/messages", "")
	msgs := obj(list.body["data"])["messages"].([]any)
	if len(msgs) != 3 || obj(msgs[0])["status"] != "read" || obj(msgs[0])["rule"] != "ac-repair-offer" ||
		obj(msgs[0])["direction"] != "outbound" || obj(msgs[1])["direction"] != "visitor" || obj(msgs[1])["message"] != "Schedule Service" ||
		obj(msgs[2])["rule"] != "follow-up-schedule" || obj(msgs[2])["status"] != "sent" || obj(msgs[2])["direction"] != "outbound" {
		t.Fatalf("session messages: %s", list.raw)
	}
}

// A click on a dismiss button is reported like any reply, but the visitor
// is not engaged: the webhook and the answer give the presence, and the
// session takes no further proactive message.
func TestDismissReply(t *testing.T) {
	h := newHarness(t, "")
	h.collect("v_no", `{"site":"site_a","visitor_id":"v_no","type":"heartbeat"TOKEN}`)
	events, _ := h.stream("site_a", "v_no", "Origin", "https://shop.example")
	h.visit("v_no", "https://shop.example/services/ac-repair")
	offer := mustJSON(t, []byte(next(t, events, "the rule's message").data))
	click := `{"site":"site_a","visitor_id":"v_no","message_id":"` + offer["message_id"].(string) + `","quick_reply":{"value":"no_thanks"}TOKEN}`
	r := h.widget("/v1/reply", "v_no", click, "Origin", "https://shop.example")
	if r.status != 202 || obj(r.body["data"])["visitor_status"] != "online" {
		t.Fatalf("reply: %d %s", r.status, r.raw)
	}
	data := obj(mustJSON(t, next(t, h.hooks, "the webhook").body)["data"])
	if obj(data["quick_reply_clicked"])["action"] != "dismiss" || obj(data["visitor"])["status"] != "online" {
		t.Fatalf("webhook data %v", data)
	}
	send := `{"visitor_id":"v_no","message":"Sure you do not need anything?"}`
	checkError(t, h.api("POST", "/v1/outbound/live-chat/message", send), 409, "frequency_capped", "")
}

func TestReplyAndAckErrors(t *testing.T) {
	h := newHarness(t, "")
	h.visit("v_r", "https://shop.example/")
	h.visit("v_other", "https://shop.example/")
	sent := h.api("POST", "/v1/outbound/live-chat/message",
		`{"visitor_id":"v_r","message":"Hi","quick_replies":[{"text":"Yes","value":"yes"},{"text":"No","value":"no"}]}`)
	id := obj(sent.body["data"])["message_id"].(string)
	for _, tc := range []struct {
		name, path, body, code, field string
		status                        int
	}{
		{"reply without text or click", "/v1/reply", `{"site":"site_a","visitor_id":"v_r"}`, "invalid_request", "text", 400},
		{"reply with both", "/v1/reply", `{"site":"site_a","visitor_id":"v_r","message_id":"` + id + `","text":"hi","quick_reply":{"value":"yes"}}`, "invalid_request", "quick_reply", 400},
		{"click without message", "/v1/reply", `{"site":"site_a","visitor_id":"v_r","quick_reply":{"value":"yes"}}`, "invalid_request", "message_id", 400},
		{"click on a value not offered", "/v1/reply", `{"site":"site_a","visitor_id":"v_r","message_id":"` + id + `","quick_reply":{"value":"maybe"}}`, "invalid_request", "quick_reply.value", 400},
		{"reply to another visitor's message", "/v1/reply", `{"site":"site_a","visitor_id":"v_other","message_id":"` + id + `","text":"hi"}`, "not_found", "message_id", 404},
		{"reply naming another session", "/v1/reply", `{"site":"site_a","visitor_id":"v_r","session_id":"sess_else","message_id":"` + id + `","text":"hi"}`, "session_not_found", "session_id", 404},
		{"reply too large", "/v1/reply", `{"site":"site_a","visitor_id":"v_r","text":"` + strings.Repeat("t", 9<<10) + `"}`, "payload_too_large", "", 413},
		{"ack of an unknown message", "/v1/ack", `{"site":"site_a","visitor_id":"v_r","message_id":"msg_nothing","status":"read"}`, "not_found", "message_id", 404},
		{"ack with a bad status", "/v1/ack", `{"site":"site_a","visitor_id":"v_r","message_id":"` + id + `","status":"sent"}`, "invalid_request", "status", 400},
	} {
		t.Run(tc.name, func(t *testing.T) {
			vid := "v_r"
			if strings.Contains(tc.body, "v_other") {
				vid = "v_other"
			}
			body := strings.TrimSuffix(tc.body, "}") + "TOKEN}" // each with the visitor's own token
			checkError(t, h.widget(tc.path, vid, body), tc.status, tc.code, tc.field)
		})
	}
	t.Run("typed reply", func(t *testing.T) {
		r := h.widget("/v1/reply", "v_r", `{"site":"site_a","visitor_id":"v_r","message_id":"`+id+`","text":"Yes, I need AC repair"TOKEN}`)
		if r.status != 202 {
			t.Fatalf("%d %s", r.status, r.raw)
		}
		hook := mustJSON(t, next(t, h.hooks, "the webhook").body)
		if d := obj(hook["data"]); d["message"] != "Yes, I need AC repair" || d["quick_reply_clicked"] != nil {
			t.Fatalf("webhook %v", hook)
		}
	})
}

// A visitor's attributes are bounded in number and size: an identify past
// either is refused, and the visitor keeps what it had.
func TestAttributeLimits(t *testing.T) {
	h := newHarness(t, "limits: {max_attributes_per_visitor: 3, max_attribute_bytes_per_visitor: 100}\n")
	identify := func(attrs string) reply {
		r := h.widget("/v1/collect", "v_attr", `{"site":"site_a","visitor_id":"v_attr","type":"identify","attributes":`+attrs+`TOKEN}`,
			"Content-Type", "text/plain")
		if tok, ok := obj(r.body["data"])["visitor_token"].(string); ok {
			h.tokens["v_attr"] = tok
		}
		return r
	}
	if r := identify(`{"a":1,"b":2,"c":3}`); r.status != http.StatusAccepted {
		t.Fatalf("three attributes: %d %s", r.status, r.raw)
	}
	r := identify(`{"d":4}`)
	checkError(t, r, 400, "too_many_attributes", "attributes")
	if msg := obj(r.body["error"])["message"].(string); msg != "a visitor keeps at most 3 attributes (this would make 4); the visitor keeps what it had" {
		t.Errorf("message %q", msg)
	}
	checkError(t, identify(`{"a":"`+strings.Repeat("x", 100)+`"}`), 400, "too_many_attributes", "attributes")
	v := h.api("GET", "/v1/visitors/v_attr", "")
	if got, _ := json.Marshal(obj(v.body["data"])["attributes"]); string(got) != `{"a":1,"b":2,"c":3}` {
		t.Fatalf("attributes after the refusals: %s", got)
	}
}
