package server_test

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/beckonhq/beckon/funnel"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// scrape reads GET /metrics with Prometheus's own text parser.
func (h *harness) scrape() map[string]*dto.MetricFamily {
	h.t.Helper()
	r := h.do("GET", "/metrics", "", "Authorization", "Bearer "+metricsToken)
	if r.status != 200 || !strings.HasPrefix(r.header.Get("Content-Type"), "text/plain") {
		h.t.Fatalf("metrics: %d %v", r.status, r.header)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(bytes.NewReader(r.raw))
	if err != nil {
		h.t.Fatalf("metrics do not parse: %v\n%s", err, r.raw)
	}
	return families
}

// sample finds the metric of a family with exactly these labels
// (name, value pairs); nil when there is none.
func sample(families map[string]*dto.MetricFamily, name string, kv ...string) *dto.Metric {
	f := families[name]
	if f == nil {
		return nil
	}
	for _, m := range f.GetMetric() {
		if len(m.GetLabel())*2 != len(kv) {
			continue
		}
		match := true
		for _, l := range m.GetLabel() {
			for i := 0; i+1 < len(kv); i += 2 {
				if kv[i] == l.GetName() && kv[i+1] != l.GetValue() {
					match = false
				}
			}
		}
		if match {
			return m
		}
	}
	return nil
}

// value is a counter's or gauge's value, -1 when the sample is missing.
func value(m *dto.Metric) float64 {
	switch {
	case m == nil:
		return -1
	case m.Counter != nil:
		return m.Counter.GetValue()
	case m.Gauge != nil:
		return m.Gauge.GetValue()
	}
	return -1
}

func TestHealthAndMetrics(t *testing.T) {
	h := newHarness(t, "")
	if r := h.do("GET", "/healthz", ""); r.status != 200 || string(r.raw) != "{\"status\":\"ok\"}\n" {
		t.Fatalf("healthz: %d %s", r.status, r.raw)
	}
	h.collect("v_m", `{"site":"site_a","visitor_id":"v_m","type":"heartbeat"TOKEN}`) // its token
	events, _ := h.stream("site_a", "v_m")
	h.visit("v_m", "https://shop.example/services/ac-repair") // the rule sends; the open stream takes it
	first := mustJSON(t, []byte(next(t, events, "the rule's message").data))
	h.collect("v_m", `{"site":"site_a","visitor_id":"v_m","type":"scroll","depth":40TOKEN}`)
	h.api("POST", "/v1/outbound/live-chat/message", `{"visitor_id":"v_q","message":"Hi"}`) // no such visitor: 404
	h.visit("v_q", "https://shop.example/")
	h.api("POST", "/v1/outbound/live-chat/message", `{"visitor_id":"v_q","message":"Hi"}`) // no stream: queued
	h.stream("site_a", "v_q")                                                              // replays it
	h.clock.Set(t0.Add(5 * time.Second))                                                   // one message per visitor per instant
	if r := h.widget("/v1/reply", "v_m", `{"site":"site_a","visitor_id":"v_m","message_id":"`+first["message_id"].(string)+`","quick_reply":{"value":"schedule_service"}TOKEN}`); r.status != 202 {
		t.Fatalf("reply: %d %s", r.status, r.raw)
	}
	next(t, events, "the follow-up")
	next(t, h.hooks, "the webhook")
	rulesPath := filepath.Join(h.dir, "rules.yaml")
	writeFile(t, rulesPath, strings.Replace(readFile(t, rulesPath), "priority: 50", "priority: high", 1))
	h.srv.Reload() // fails: the rules loaded at t0 keep running

	eventually(t, "the webhook is delivered and counted", func() bool {
		m := h.scrape()
		return value(sample(m, "beckon_webhook_attempts_total", "event", "live_chat.visitor_responded", "outcome", "delivered")) == 1 &&
			value(sample(m, "beckon_webhook_outbox", "workspace", "ws_a")) == 0
	})
	m := h.scrape()
	for _, c := range []struct {
		name string
		kv   []string
		want float64
	}{
		{"beckon_events_accepted_total", []string{"workspace", "ws_a", "type", "page_view"}, 2},
		{"beckon_events_accepted_total", []string{"workspace", "ws_a", "type", "scroll"}, 1},
		{"beckon_messages_sent_total", []string{"workspace", "ws_a", "source", "rule", "rule", "ac-repair-offer"}, 1},
		{"beckon_messages_sent_total", []string{"workspace", "ws_a", "source", "rule", "rule", "follow-up-schedule"}, 1},
		{"beckon_messages_sent_total", []string{"workspace", "ws_a", "source", "api", "rule", ""}, 1},
		{"beckon_deliveries_total", []string{"workspace", "ws_a", "outcome", "pushed"}, 2},
		{"beckon_deliveries_total", []string{"workspace", "ws_a", "outcome", "queued"}, 1},
		{"beckon_deliveries_total", []string{"workspace", "ws_a", "outcome", "replayed"}, 1},
		{"beckon_webhook_outbox", []string{"workspace", "ws_b"}, 0},
		{"beckon_rule_ready_total", []string{"workspace", "ws_a", "rule", "ac-repair-offer"}, 1},
		{"beckon_rules_reloads_total", []string{"workspace", "ws_a", "outcome", "failure"}, 1},
		{"beckon_rules_last_reload_successful", []string{"workspace", "ws_a"}, 0},
		{"beckon_rules_last_reload_success_timestamp_seconds", []string{"workspace", "ws_a"}, float64(t0.Unix())},
		{"beckon_open_streams", nil, 2},
	} {
		if got := value(sample(m, c.name, c.kv...)); got != c.want {
			t.Errorf("%s%v = %v, want %v", c.name, c.kv, got, c.want)
		}
	}
	if got := value(sample(m, "beckon_evaluations_total", "workspace", "ws_a")); got < 5 {
		t.Errorf("beckon_evaluations_total = %v, want at least the 5 events' evaluations", got)
	}
	for _, reason := range funnel.Reasons {
		if got := value(sample(m, "beckon_rule_suppressions_total", "workspace", "ws_a", "rule", "ac-repair-offer", "reason", reason)); got < 0 {
			t.Errorf("no beckon_rule_suppressions_total for reason %s", reason)
		}
	}
	for _, c := range []struct {
		route, code string
		count       uint64
	}{{"collect", "202", 4}, {"send_message", "200", 1}, {"send_message", "404", 1}, {"healthz", "200", 1}, {"reply", "202", 1}} {
		hist := sample(m, "beckon_http_request_duration_seconds", "route", c.route, "code", c.code).GetHistogram()
		if hist.GetSampleCount() != c.count || len(hist.GetBucket()) == 0 {
			t.Errorf("latency of %s %s: %d requests in %d buckets, want %d", c.route, c.code, hist.GetSampleCount(), len(hist.GetBucket()), c.count)
		}
	}
	if m["go_goroutines"] == nil || m["process_open_fds"] == nil {
		t.Error("the Go and process collectors are missing")
	}
}
