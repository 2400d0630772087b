package server_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/beckonhq/beckon/server"
)

// These tests play an attacker against a real server, each next to a real
// visitor who must not be harmed.

// firstMessage reads the id of the first message of a visitor's session.
func (h *harness) firstMessage(visitorID string) (messageID, status string) {
	h.t.Helper()
	v := h.api("GET", "/v1/visitors/"+visitorID, "")
	sessionID, _ := obj(obj(v.body["data"])["session"])["id"].(string)
	list := h.api("GET", "/v1/sessions/"+sessionID+"/messages", "")
	msgs, _ := obj(list.body["data"])["messages"].([]any)
	if len(msgs) == 0 {
		h.t.Fatalf("visitor %s has no message: %s", visitorID, list.raw)
	}
	first := obj(msgs[0])
	return first["message_id"].(string), first["status"].(string)
}

func TestAbuseVisitorIDIsNotACredential(t *testing.T) {
	h := newHarness(t, "")
	token := h.visit("v_victim", "https://shop.example/services/ac-repair") // a rule's message waits for the widget
	if token == "" {
		t.Fatal("the visitor's first collect answered no data.visitor_token")
	}
	messageID, _ := h.firstMessage("v_victim")
	stranger := h.visit("v_stranger", "https://shop.example/") // a valid token, of another visitor

	for _, tok := range []string{"", stranger, token[:len(token)-2] + "xx", "not-a-token"} {
		name := "token " + tok
		if tok == "" {
			name = "no token"
		}
		t.Run(name, func(t *testing.T) {
			field := ""
			if tok != "" {
				field = `,"token":"` + tok + `"`
			}
			_, resp := h.tryStream("site_a", "v_victim", tok)
			if resp.StatusCode != http.StatusUnauthorized {
				t.Errorf("stream: %d, want 401", resp.StatusCode)
			}
			checkError(t, h.do("POST", "/v1/reply", `{"site":"site_a","visitor_id":"v_victim","text":"cancel my order"`+field+`}`),
				401, "invalid_visitor_token", "token")
			checkError(t, h.do("POST", "/v1/ack", `{"site":"site_a","visitor_id":"v_victim","message_id":"`+messageID+`","status":"read"`+field+`}`),
				401, "invalid_visitor_token", "token")
			checkError(t, h.do("POST", "/v1/collect", `{"site":"site_a","visitor_id":"v_victim","type":"identify","attributes":{"first_name":"<b>Mallory</b>"}`+field+`}`),
				401, "invalid_visitor_token", "token")
		})
	}

	// Nothing changed: the message waits, unread; no attribute was set.
	if _, status := h.firstMessage("v_victim"); status != "sent" {
		t.Errorf("message status %s after the attacks, want sent", status)
	}
	v := h.api("GET", "/v1/visitors/v_victim", "")
	if attrs := obj(obj(v.body["data"])["attributes"]); attrs["first_name"] != nil {
		t.Errorf("attributes %v: the attacker set one", attrs)
	}

	// The visitor, with its token, gets its message and is heard.
	events, _ := h.stream("site_a", "v_victim")
	if ev := next(t, events, "the visitor's message"); ev.id != messageID {
		t.Fatalf("stream gave %+v, want %s", ev, messageID)
	}
	if r := h.widget("/v1/ack", "v_victim", `{"site":"site_a","visitor_id":"v_victim","message_id":"`+messageID+`","status":"read"TOKEN}`); r.status != 200 {
		t.Fatalf("ack: %d %s", r.status, r.raw)
	}
	if r := h.widget("/v1/reply", "v_victim", `{"site":"site_a","visitor_id":"v_victim","text":"yes please"TOKEN}`); r.status != 202 {
		t.Fatalf("reply: %d %s", r.status, r.raw)
	}
	hook := next(t, h.hooks, "the visitor's reply webhook")
	if d := obj(mustJSON(t, hook.body)["data"]); d["message"] != "yes please" {
		t.Fatalf("first webhook %s, want the visitor's own reply", hook.body)
	}

	// The token is the visitor's alone: in no API answer, webhook or log.
	answers := string(v.raw) + string(h.api("GET", "/v1/visitors/v_victim", "").raw) + string(hook.body)
	for where, text := range map[string]string{"API answers and webhooks": answers, "logs": h.logs.String()} {
		if strings.Contains(text, token) {
			t.Errorf("the visitor token appears in the %s", where)
		}
	}
}

// hogStreams mints visitors from one address and opens a stream for each
// until the server refuses one; it returns how many opened and the refusal.
func (h *harness) hogStreams(site string, ip func(i int) string, most int) (int, reply) {
	h.t.Helper()
	for i := range most {
		vid := fmt.Sprintf("v_hog_%d", i)
		h.collect(vid, `{"site":"`+site+`","visitor_id":"`+vid+`","type":"heartbeat"TOKEN}`, "X-Forwarded-For", ip(i))
		_, resp := h.tryStream(site, vid, h.tokens[vid], "X-Forwarded-For", ip(i))
		if resp.StatusCode != http.StatusOK {
			r := reply{status: resp.StatusCode, header: resp.Header}
			return i, r
		}
	}
	return most, reply{}
}

func TestAbuseOneIPCannotHoldEveryStream(t *testing.T) {
	h := newHarness(t, "client_ip_header: X-Forwarded-For\nlimits: {max_streams: 200, collect_burst: 1000}\n")
	opened, refused := h.hogStreams("site_a", func(int) string { return "203.0.113.7" }, 200)
	if opened != 50 || refused.status != http.StatusTooManyRequests || refused.header.Get("Retry-After") == "" {
		t.Errorf("one address opened %d streams, then %d (Retry-After %q); want 50, then 429 with Retry-After",
			opened, refused.status, refused.header.Get("Retry-After"))
	}
	h.collect("v_real", `{"site":"site_a","visitor_id":"v_real","type":"heartbeat"TOKEN}`, "X-Forwarded-For", "198.51.100.2")
	if _, resp := h.tryStream("site_a", "v_real", h.tokens["v_real"], "X-Forwarded-For", "198.51.100.2"); resp.StatusCode != 200 {
		t.Errorf("a visitor from another address got %d, want its stream", resp.StatusCode)
	}
}

func TestAbuseOneSiteCannotHoldEveryStream(t *testing.T) {
	h := newHarness(t, "client_ip_header: X-Forwarded-For\nlimits: {max_streams: 20, collect_burst: 1000}\n")
	opened, refused := h.hogStreams("site_a", func(i int) string { return fmt.Sprintf("203.0.113.%d", i) }, 20)
	if opened != 10 || refused.status != http.StatusTooManyRequests || refused.header.Get("Retry-After") == "" {
		t.Errorf("site_a opened %d streams, then %d; want half of 20, then 429 with Retry-After", opened, refused.status)
	}
	h.collect("v_b", `{"site":"site_b","visitor_id":"v_b","type":"heartbeat"TOKEN}`)
	if _, resp := h.tryStream("site_b", "v_b", h.tokens["v_b"]); resp.StatusCode != 200 {
		t.Errorf("a visitor of site_b got %d, want its stream", resp.StatusCode)
	}
}

func TestAbuseReplyFloodCannotFillTheOutbox(t *testing.T) {
	down := func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusServiceUnavailable) }
	h := newHarnessReceiver(t, "limits: {collect_burst: 1000}\n", down, func(o *server.Options) { o.Pipeline.MaxOutbox = 15 })
	h.visit("v_flood", "https://shop.example/")
	accepted, refused := 0, reply{}
	for range 40 {
		r := h.widget("/v1/reply", "v_flood", `{"site":"site_a","visitor_id":"v_flood","text":"spam"TOKEN}`)
		if r.status != http.StatusAccepted {
			refused = r
			break
		}
		accepted++
	}
	if accepted != 10 || refused.status != http.StatusTooManyRequests || refused.header.Get("Retry-After") == "" {
		t.Errorf("one visitor had %d replies accepted, then %d %s; want 10, then 429 with Retry-After", accepted, refused.status, refused.raw)
	}
	h.visit("v_real", "https://shop.example/")
	if r := h.widget("/v1/reply", "v_real", `{"site":"site_a","visitor_id":"v_real","text":"I need help"TOKEN}`); r.status != http.StatusAccepted {
		t.Errorf("a real visitor's reply got %d %s, want 202", r.status, r.raw)
	}
}

func TestAbuseAckFloodIsLimited(t *testing.T) {
	h := newHarness(t, "limits: {collect_burst: 1000}\n")
	h.visit("v_acks", "https://shop.example/")
	ack := `{"site":"site_a","visitor_id":"v_acks","message_id":"msg_nothing","status":"read"TOKEN}`
	n := 0
	var last reply
	for n = 0; n < 300; n++ {
		if last = h.widget("/v1/ack", "v_acks", ack); last.status != http.StatusNotFound {
			break
		}
	}
	if n != 100 || last.status != http.StatusTooManyRequests || last.header.Get("Retry-After") == "" {
		t.Errorf("%d acks answered, then %d; want 100, then 429 with Retry-After", n, last.status)
	}
	h.visit("v_other", "https://shop.example/")
	checkError(t, h.widget("/v1/ack", "v_other", strings.ReplaceAll(ack, "v_acks", "v_other")), 404, "not_found", "message_id")
}

// scoringRules add signals that overflow to +Inf and to NaN once a visitor
// says its budget.
const scoringRules = `
scoring:
  bias: 0
  signals:
    - {name: budget_huge, value: "(visitor.attributes.budget ?? 0) * 1e308", weight: 1}
    - {name: budget_nan, value: "(visitor.attributes.budget ?? 0) * 1e308 - (visitor.attributes.budget ?? 0) * 1e308", weight: 1}
`

func TestAbuseNonFiniteScore(t *testing.T) {
	h := newHarness(t, "")
	writeFile(t, h.dir+"/rules.yaml", readFile(t, "testdata/rules.yaml")+scoringRules)
	if err := h.srv.Reload(); err != nil {
		t.Fatal(err)
	}
	h.visit("v_score", "https://shop.example/")
	h.collect("v_score", `{"site":"site_a","visitor_id":"v_score","type":"identify","attributes":{"budget":10}TOKEN}`)
	r := h.widget("/v1/reply", "v_score", `{"site":"site_a","visitor_id":"v_score","text":"hello"TOKEN}`)
	if s, ok := obj(r.body["data"])["engagement_score"].(float64); r.status != 202 || !ok || s < 0 || s > 100 {
		t.Errorf("reply: %d %s, want 202 with a score 0-100", r.status, r.raw)
	}
	v := h.api("GET", "/v1/visitors/v_score", "")
	if s, ok := obj(obj(v.body["data"])["engagement"])["score"].(float64); v.status != 200 || !ok || s < 0 || s > 100 {
		t.Errorf("visitor: %d %s, want 200 with a score 0-100", v.status, v.raw)
	}
	for _, name := range []string{"budget_huge", "budget_nan"} {
		if n := strings.Count(h.logs.String(), "signal="+name+" "); n != 1 {
			t.Errorf("signal %s warned %d times, want once for this rule set", name, n)
		}
	}
}

func TestAbuseMetricsNeedTheirToken(t *testing.T) {
	t.Run("off without metrics_token", func(t *testing.T) {
		h := newHarness(t, "")
		h.cfg.MetricsTokenHash = nil
		h.restart()
		checkError(t, h.do("GET", "/metrics", ""), 404, "not_found", "")
	})
	t.Run("with metrics_token", func(t *testing.T) {
		h := newHarness(t, "")
		checkError(t, h.do("GET", "/metrics", ""), 401, "unauthorized", "")
		checkError(t, h.do("GET", "/metrics", "", "Authorization", "Bearer "+keyA), 401, "unauthorized", "")
		if r := h.do("GET", "/metrics", "", "Authorization", "Bearer "+metricsToken); r.status != 200 ||
			!strings.Contains(string(r.raw), "beckon_open_streams") {
			t.Errorf("with the token: %d %s", r.status, r.raw)
		}
	})
}

func TestAbuseOriginEqualToHostIsNotASiteOrigin(t *testing.T) {
	h := newHarness(t, "")
	u, _ := url.Parse(h.ts.URL)
	r := h.do("POST", "/v1/collect", `{"site":"site_a","visitor_id":"v_host","type":"heartbeat"}`, "Origin", "http://"+u.Host)
	checkError(t, r, 403, "forbidden", "")
	checkError(t, h.api("GET", "/v1/visitors/v_host", ""), 404, "visitor_not_found", "visitor_id")
}

func TestAbuseDeadStreamDoesNotMarkDelivered(t *testing.T) {
	h := newHarness(t, "")
	h.visit("v_gone", "https://shop.example/")
	events, resp := h.stream("site_a", "v_gone")
	h.visit("v_gone", "https://shop.example/services/ac-repair") // the rule sends into the open stream
	first := next(t, events, "the message")
	resp.Body.Close() // the connection dies before the widget could show it

	messageID, status := h.firstMessage("v_gone")
	if first.id != messageID || status != "sent" {
		t.Fatalf("message %s taken by a stream that never acknowledged it: %s, want sent", messageID, status)
	}
	again, _ := h.stream("site_a", "v_gone")
	if ev := next(t, again, "the message again"); ev.id != messageID {
		t.Fatalf("the next stream got %+v, want %s again", ev, messageID)
	}
	if r := h.widget("/v1/ack", "v_gone", `{"site":"site_a","visitor_id":"v_gone","message_id":"`+messageID+`","status":"delivered"TOKEN}`); r.status != 200 {
		t.Fatalf("ack: %d %s", r.status, r.raw)
	}
	if _, status := h.firstMessage("v_gone"); status != "delivered" {
		t.Errorf("after the ack: %s, want delivered", status)
	}
}
