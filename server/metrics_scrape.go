package server

import (
	"net/http"

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
)

func (c scrapeCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- ruleReadyDesc
	ch <- outboxDesc
}

func (c scrapeCollector) Collect(ch chan<- prometheus.Metric) {
	for _, ws := range c.s.order {
		for _, st := range ws.eng.RuleStats() {
			ch <- prometheus.MustNewConstMetric(ruleReadyDesc, prometheus.CounterValue, float64(st.Ready), ws.id, st.Name)
		}
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
