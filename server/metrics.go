package server

import (
	"crypto/sha256"
	"crypto/subtle"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// metrics are the server's Prometheus metrics, in a registry of its own
// (never the global one), so that two servers in one process, as in tests,
// do not share counts.
type metrics struct {
	reg        *prometheus.Registry
	latency    *prometheus.HistogramVec // route, code
	events     *prometheus.CounterVec   // workspace, type
	sent       *prometheus.CounterVec   // workspace, source, rule
	deliveries *prometheus.CounterVec   // workspace, outcome
	webhooks   *prometheus.CounterVec   // event, outcome
	reloads    *prometheus.CounterVec   // workspace, outcome
	reloadOK   *prometheus.GaugeVec     // workspace
	reloadAt   *prometheus.GaugeVec     // workspace
	streams    atomic.Int64
}

func newMetrics() *metrics {
	m := &metrics{reg: prometheus.NewRegistry()}
	m.latency = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "beckon_http_request_duration_seconds", Help: "Time to answer an HTTP request, by route and status code (a stream counts until it ends).",
		Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 10},
	}, []string{"route", "code"})
	m.events = counterVec("beckon_events_accepted_total", "Beacon events accepted by /v1/collect, by type.", "workspace", "type")
	m.sent = counterVec("beckon_messages_sent_total", "Messages sent, by source (rule or api) and rule (empty for api).", "workspace", "source", "rule")
	m.deliveries = counterVec("beckon_deliveries_total", "Messages handed to the widget: pushed to an open stream, queued for the next, or replayed from the queue as a stream opened.", "workspace", "outcome")
	m.webhooks = counterVec("beckon_webhook_attempts_total", "Webhook delivery attempts by event and outcome (delivered: a 2xx answer; failed: anything else).", "event", "outcome")
	m.reloads = counterVec("beckon_rules_reloads_total", "Rule reloads by outcome (success or failure).", "workspace", "outcome")
	m.reloadOK = prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "beckon_rules_last_reload_successful",
		Help: "1 when the workspace's last rule load succeeded, 0 when it failed and the previous rules still run."}, []string{"workspace"})
	m.reloadAt = prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "beckon_rules_last_reload_success_timestamp_seconds",
		Help: "When the rules running now were loaded (Unix time)."}, []string{"workspace"})
	streams := prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "beckon_open_streams", Help: "Open widget message streams."},
		func() float64 { return float64(m.streams.Load()) })
	m.reg.MustRegister(m.latency, m.events, m.sent, m.deliveries, m.webhooks, m.reloads, m.reloadOK, m.reloadAt, streams,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

func counterVec(name, help string, labels ...string) *prometheus.CounterVec {
	return prometheus.NewCounterVec(prometheus.CounterOpts{Name: name, Help: help}, labels)
}

// request records one answered request. Latency is elapsed wall time,
// which the injected clock (the domain's time) does not measure.
func (m *metrics) request(route string, code int, took time.Duration) {
	m.latency.WithLabelValues(route, strconv.Itoa(code)).Observe(took.Seconds())
}

func (m *metrics) eventAccepted(ws, typ string) { m.events.WithLabelValues(ws, typ).Inc() }

func (m *metrics) messageSent(ws, source, rule string) {
	m.sent.WithLabelValues(ws, source, rule).Inc()
}

func (m *metrics) delivery(ws, outcome string) { m.deliveries.WithLabelValues(ws, outcome).Inc() }

func (m *metrics) webhook(event, outcome string) { m.webhooks.WithLabelValues(event, outcome).Inc() }

// rulesLoaded records that a workspace's rules were loaded at at (at start
// or by a reload): they are the ones running.
func (m *metrics) rulesLoaded(ws string, at time.Time) {
	m.reloadOK.WithLabelValues(ws).Set(1)
	m.reloadAt.WithLabelValues(ws).Set(float64(at.UnixNano()) / 1e9)
}

// reloaded counts a reload; a failed one keeps the previous rules running.
func (m *metrics) reloaded(ws string, ok bool) {
	if !ok {
		m.reloads.WithLabelValues(ws, "failure").Inc()
		m.reloadOK.WithLabelValues(ws).Set(0)
		return
	}
	m.reloads.WithLabelValues(ws, "success").Inc()
}

// metricsPage is GET /metrics, in the Prometheus text format.
func (s *Server) metricsPage(w http.ResponseWriter, r *http.Request) {
	s.metricsHandler.ServeHTTP(w, r)
}

func (s *Server) newMetricsHandler() http.Handler {
	s.metrics.reg.MustRegister(scrapeCollector{s})
	return promhttp.HandlerFor(s.metrics.reg, promhttp.HandlerOpts{ErrorLog: slogPrinter{s}})
}

// slogPrinter passes promhttp's errors to the server's logger.
type slogPrinter struct{ s *Server }

func (p slogPrinter) Println(v ...any) { p.s.log.Error("metrics", "err", v) }

// metricsAuth opens /metrics to requests bearing the configured
// metrics_token (401 otherwise). Without one the page is off (404): what
// it shows (traffic, workspaces, rule names) is not for the public.
func (s *Server) metricsAuth(next http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		want := s.cfg.MetricsTokenHash
		if want == nil {
			s.fail(w, r, errNotFound("not_found", "", "metrics are off: set metrics_token in the config to read them"))
			return
		}
		key, ok := bearer(r)
		got := sha256.Sum256([]byte(key))
		if !ok || subtle.ConstantTimeCompare(got[:], want[:]) != 1 {
			s.fail(w, r, errUnauthorized("send the metrics token as Authorization: Bearer TOKEN"))
			return
		}
		next(w, r)
	})
}
