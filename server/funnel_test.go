package server_test

import (
	"encoding/json"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// controlRules are added to the test rules: a shadow rule on /pricing and
// a disabled rule on the AC repair page.
const controlRules = `
  - name: pricing-trial
    when: page.path == "/pricing"
    mode: shadow
    message: Questions about our prices?
    quick_replies:
      - {text: Yes, value: yes}
      - {text: No, value: no, action: dismiss}
  - name: paused-offer
    when: page.path == "/services/ac-repair"
    enabled: false
    message: A paused offer
`

// funnels reads GET /v1/rules (with a query) and returns each rule's
// funnel as its JSON.
func funnels(t *testing.T, h *harness, query string) map[string]string {
	t.Helper()
	r := h.api("GET", "/v1/rules"+query, "")
	if r.status != http.StatusOK {
		t.Fatalf("GET /v1/rules%s: %d %s", query, r.status, r.raw)
	}
	var body struct {
		Data struct {
			Rules []struct {
				Name    string          `json:"name"`
				Enabled bool            `json:"enabled"`
				Mode    string          `json:"mode"`
				Funnel  json.RawMessage `json:"funnel"`
			} `json:"rules"`
		} `json:"data"`
	}
	json.Unmarshal(r.raw, &body)
	out := map[string]string{}
	for _, rl := range body.Data.Rules {
		out[rl.Name] = rl.Mode + " enabled=" + map[bool]string{true: "true", false: "false"}[rl.Enabled] + " " + string(rl.Funnel)
	}
	return out
}

// The funnel of every rule, from a visit that gets the offer, reads it,
// clicks a button and gets the follow-up, and a visit to a page where
// only a shadow rule fires; the counts are the same after a restart, and
// ?since= limits them to the hours from its own.
func TestFunnelSurvivesRestart(t *testing.T) {
	h := newHarness(t, "")
	rulesPath := filepath.Join(h.dir, "rules.yaml")
	writeFile(t, rulesPath, readFile(t, rulesPath)+controlRules)
	if err := h.srv.Reload(); err != nil {
		t.Fatal(err)
	}
	checkError(t, h.api("GET", "/v1/rules?since=yesterday", ""), http.StatusBadRequest, "invalid_request", "since")
	h.visit("v_ac", "https://shop.example/services/ac-repair")
	list := h.api("GET", "/v1/visitors/v_ac", "")
	session := obj(obj(list.body["data"])["session"])["id"].(string)
	msgs := h.api("GET", "/v1/sessions/"+session+"/messages", "")
	offer := obj(obj(msgs.body["data"])["messages"].([]any)[0])["message_id"].(string)
	read := `{"site":"site_a","visitor_id":"v_ac","message_id":"` + offer + `","status":"read"TOKEN}`
	if r := h.widget("/v1/ack", "v_ac", read); r.status != http.StatusOK {
		t.Fatalf("ack: %d %s", r.status, r.raw)
	}
	h.clock.Set(t0.Add(5 * time.Second))
	click := `{"site":"site_a","visitor_id":"v_ac","message_id":"` + offer + `","quick_reply":{"value":"schedule_service"}TOKEN}`
	if r := h.widget("/v1/reply", "v_ac", click); r.status != http.StatusAccepted {
		t.Fatalf("reply: %d %s", r.status, r.raw)
	}
	h.visit("v_pricing", "https://shop.example/pricing")

	want := map[string]string{
		"ac-repair-offer": `live enabled=true {"ready":1,"suppressed":{"cap":0,"cooldown":0,"disabled":0,"frequency":0,"min_wait":0,"presence":0,"quiet":0,"schedule":0},` +
			`"would_send":0,"sent":1,"delivered":1,"read":1,"replied":1,"clicks":{"no_thanks":0,"quote_request":0,"schedule_service":1}}`,
		"follow-up-schedule": `live enabled=true {"ready":1,"suppressed":{"cap":0,"cooldown":0,"disabled":0,"frequency":0,"min_wait":0,"presence":0,"quiet":0,"schedule":0},` +
			`"would_send":0,"sent":1,"delivered":0,"read":0,"replied":0,"clicks":{}}`,
		"pricing-trial": `shadow enabled=true {"ready":1,"suppressed":{"cap":0,"cooldown":0,"disabled":0,"frequency":0,"min_wait":0,"presence":0,"quiet":0,"schedule":0},` +
			`"would_send":1,"sent":0,"delivered":0,"read":0,"replied":0,"clicks":{"no":0,"yes":0}}`,
		// Passed by at the page view and at the reply, on its page.
		"paused-offer": `live enabled=false {"ready":0,"suppressed":{"cap":0,"cooldown":0,"disabled":2,"frequency":0,"min_wait":0,"presence":0,"quiet":0,"schedule":0},` +
			`"would_send":0,"sent":0,"delivered":0,"read":0,"replied":0,"clicks":{}}`,
	}
	check := func(when string, got map[string]string) {
		t.Helper()
		for name, w := range want {
			if got[name] != w {
				t.Errorf("%s: funnel of %s:\n got %s\nwant %s", when, name, got[name], w)
			}
		}
	}
	check("before the restart", funnels(t, h, ""))
	pricing := obj(obj(h.api("GET", "/v1/visitors/v_pricing", "").body["data"])["session"])
	if pricing["messages_sent"] != 0.0 {
		t.Errorf("the shadow rule sent a message: %v", pricing)
	}
	h.restart()
	check("after a restart", funnels(t, h, ""))
	check("since this hour", funnels(t, h, "?since="+t0.Format(time.RFC3339)))
	later := funnels(t, h, "?since="+t0.Add(time.Hour).Format(time.RFC3339))
	if !strings.Contains(later["ac-repair-offer"], `{"ready":0,`) || !strings.Contains(later["ac-repair-offer"], `"sent":0,`) {
		t.Errorf("since the next hour: %s", later["ac-repair-offer"])
	}
}
