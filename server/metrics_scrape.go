package server

import (
	"net/http"
	"time"

	"github.com/beckonhq/beckon/funnel"
	"github.com/prometheus/client_golang/prometheus"
)

// scrapeCollector reads, at each scrape, the values the engines and the
// pipeline keep themselves: per-rule counters and the webhook outboxes.
type scrapeCollector struct{ s *Server }

var (
	ruleReadyDesc = prometheus.NewDesc("beckon_rule_ready_total",
		"Evaluations at which a loaded rule was ready to send, since the server started.", []string{"workspace", "rule"}, nil)
	outboxDesc = prometheus.NewDesc("beckon_webhook_outbox",
		"Webhook deliveries waiting in the outbox.", []string{"workspace"}, nil)
	evaluationsDesc = prometheus.NewDesc("beckon_evaluations_total",
		"Evaluations of a workspace's rules (at events and wakeups) by this process since it started.", []string{"workspace"}, nil)
	suppressionsDesc = prometheus.NewDesc("beckon_rule_suppressions_total",
		"Evaluations at which a ready rule was held back, by reason (as in the rules' funnel, kept in the store).",
		[]string{"workspace", "rule", "reason"}, nil)
)

func (c scrapeCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- ruleReadyDesc
	ch <- outboxDesc
	ch <- evaluationsDesc
	ch <- suppressionsDesc
}

func (c scrapeCollector) Collect(ch chan<- prometheus.Metric) {
	for _, ws := range c.s.order {
		for _, st := range ws.eng.RuleStats() {
			ch <- prometheus.MustNewConstMetric(ruleReadyDesc, prometheus.CounterValue, float64(st.Ready), ws.id, st.Name)
		}
		ch <- prometheus.MustNewConstMetric(evaluationsDesc, prometheus.CounterValue, float64(ws.eng.Evaluations()), ws.id)
		c.suppressions(ch, ws)
		n, err := ws.pipe.OutboxLen(ws.id)
		if err != nil {
			ch <- prometheus.NewInvalidMetric(outboxDesc, err)
			continue
		}
		ch <- prometheus.MustNewConstMetric(outboxDesc, prometheus.GaugeValue, float64(n), ws.id)
	}
}

// countingTransport counts the pipeline's webhook attempts by their
// outcome: a 2xx answer is delivered, anything else failed.
type countingTransport struct {
	next http.RoundTripper
	m    *metrics
}

func (t countingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.next.RoundTrip(req)
	outcome := "delivered"
	if err != nil || resp.StatusCode < 200 || resp.StatusCode > 299 {
		outcome = "failed"
	}
	t.m.webhook(req.Header.Get("Beckon-Event"), outcome)
	return resp, err
}

// webhookClient is the pipeline's HTTP client: like its default, it never
// follows redirects (a redirect is not a delivery), and it counts attempts.
func webhookClient(m *metrics) *http.Client {
	return &http.Client{
		Transport: countingTransport{next: http.DefaultTransport, m: m},
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}

// suppressions reports each loaded rule's held-back counts by reason.
func (c scrapeCollector) suppressions(ch chan<- prometheus.Metric, ws *workspace) {
	counts, err := ws.eng.Counts(time.Time{})
	if err != nil {
		ch <- prometheus.NewInvalidMetric(suppressionsDesc, err)
		return
	}
	byRule := funnel.ByRule(counts)
	for _, r := range ws.eng.Rules().Rules {
		f := funnel.Of(byRule, r.Name)
		for _, reason := range funnel.Reasons {
			ch <- prometheus.MustNewConstMetric(suppressionsDesc, prometheus.CounterValue, float64(f.Suppressed[reason]), ws.id, r.Name, reason)
		}
	}
}
