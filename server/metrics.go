package server

import (
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
)

// metrics are the server's counters, written in the Prometheus text format
// by hand: a handful of labelled counters does not need a client library.
type metrics struct {
	mu       sync.Mutex
	requests map[[2]string]uint64 // route, status code
	events   map[string]uint64    // workspace
	sent     map[[2]string]uint64 // workspace, source (rule or api)
	webhooks map[[2]string]uint64 // event, result (delivered or failed)
	streams  atomic.Int64
}

func newMetrics() *metrics {
	return &metrics{requests: map[[2]string]uint64{}, events: map[string]uint64{},
		sent: map[[2]string]uint64{}, webhooks: map[[2]string]uint64{}}
}

func (m *metrics) request(route string, code int) {
	m.mu.Lock()
	m.requests[[2]string{route, fmt.Sprint(code)}]++
	m.mu.Unlock()
}

func (m *metrics) eventsAccepted(ws string, n int) {
	m.mu.Lock()
	m.events[ws] += uint64(n)
	m.mu.Unlock()
}

func (m *metrics) messageSent(ws, source string) {
	m.mu.Lock()
	m.sent[[2]string{ws, source}]++
	m.mu.Unlock()
}

func (m *metrics) webhook(event, result string) {
	m.mu.Lock()
	m.webhooks[[2]string{event, result}]++
	m.mu.Unlock()
}

// gauge is a value read at scrape time, with its labels.
type gauge struct {
	labels string
	value  float64
}

// write renders every metric; extra holds the gauges and counters read from
// the engines and pipeline at scrape time, by metric name.
func (m *metrics) write(w io.Writer, extra func(name string) []gauge) {
	m.mu.Lock()
	defer m.mu.Unlock()
	family(w, "beckon_http_requests_total", "counter", "HTTP requests by route and status code.",
		pairs(m.requests, "route", "code"))
	family(w, "beckon_events_accepted_total", "counter", "Beacon events accepted by /v1/collect.",
		singles(m.events, "workspace"))
	family(w, "beckon_messages_sent_total", "counter", "Messages sent, by source: rule or api.",
		pairs(m.sent, "workspace", "source"))
	family(w, "beckon_rule_messages_sent_total", "counter", "Messages sent by each loaded rule since the server started.",
		extra("rule_sent"))
	family(w, "beckon_webhooks_total", "counter", "Webhook delivery attempts by event and result (delivered or failed).",
		pairs(m.webhooks, "event", "result"))
	family(w, "beckon_webhook_outbox", "gauge", "Webhook deliveries waiting in the outbox.", extra("outbox"))
	family(w, "beckon_open_streams", "gauge", "Open widget message streams.",
		[]gauge{{value: float64(m.streams.Load())}})
}

func family(w io.Writer, name, kind, help string, samples []gauge) {
	fmt.Fprintf(w, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, kind)
	slices.SortFunc(samples, func(a, b gauge) int { return strings.Compare(a.labels, b.labels) })
	for _, s := range samples {
		fmt.Fprintf(w, "%s%s %v\n", name, s.labels, s.value)
	}
}

func pairs(m map[[2]string]uint64, k1, k2 string) []gauge {
	out := make([]gauge, 0, len(m))
	for k, v := range m {
		out = append(out, gauge{labels: labels(k1, k[0], k2, k[1]), value: float64(v)})
	}
	return out
}

func singles(m map[string]uint64, k string) []gauge {
	out := make([]gauge, 0, len(m))
	for l, v := range m {
		out = append(out, gauge{labels: labels(k, l), value: float64(v)})
	}
	return out
}

var labelEscaper = strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)

// labels renders {k1="v1",k2="v2"} from alternating names and values.
func labels(kv ...string) string {
	var b strings.Builder
	b.WriteByte('{')
	for i := 0; i+1 < len(kv); i += 2 {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `%s="%s"`, kv[i], labelEscaper.Replace(kv[i+1]))
	}
	b.WriteByte('}')
	return b.String()
}

// countingTransport counts the pipeline's webhook attempts by their
// outcome: a 2xx answer is delivered, anything else failed.
type countingTransport struct {
	next http.RoundTripper
	m    *metrics
}

func (t countingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.next.RoundTrip(req)
	result := "delivered"
	if err != nil || resp.StatusCode < 200 || resp.StatusCode > 299 {
		result = "failed"
	}
	t.m.webhook(req.Header.Get("Beckon-Event"), result)
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
