package server

import (
	"net/http"
	"strings"
	"time"

	"github.com/gorilla/mux"
)

// routes lists every route. The outbound API and the read endpoints need an
// API key; the beacon's endpoints are public per site key, with CORS.
func (s *Server) routes() http.Handler {
	r := mux.NewRouter()
	r.NotFoundHandler = http.HandlerFunc(s.notFound)
	r.MethodNotAllowedHandler = http.HandlerFunc(s.methodNotAllowed)
	r.Use(s.nameRoute)
	const get, post, head, options = http.MethodGet, http.MethodPost, http.MethodHead, http.MethodOptions

	api := s.authenticated
	r.Handle("/v1/outbound/live-chat/message", api(s.sendMessage)).Methods(post).Name("send_message")
	r.Handle("/v1/visitors/{id}", api(s.visitor)).Methods(get).Name("visitor")
	r.Handle("/v1/sessions/{id}/messages", api(s.sessionMessages)).Methods(get).Name("session_messages")
	r.Handle("/v1/rules", api(s.rules)).Methods(get).Name("rules")

	r.HandleFunc("/v1/collect", s.collect).Methods(post).Name("collect")
	r.HandleFunc("/v1/stream", s.stream).Methods(get).Name("stream")
	r.HandleFunc("/v1/reply", s.reply).Methods(post).Name("reply")
	r.HandleFunc("/v1/ack", s.ack).Methods(post).Name("ack")
	r.HandleFunc("/v1/widget", s.widgetSettings).Methods(get).Name("widget")
	r.HandleFunc("/v1/{endpoint:collect|stream|reply|ack}", s.preflight).Methods(options).Name("preflight")

	r.HandleFunc("/beckon.js", s.beacon).Methods(get, head).Name("beacon")
	r.HandleFunc("/beckon.{hash:[0-9a-f]+}.js", s.hashedBeacon).Methods(get, head).Name("beacon_hashed")
	r.HandleFunc("/healthz", s.healthz).Methods(get, head).Name("healthz")
	r.Handle("/metrics", s.metricsAuth(s.metricsPage)).Methods(get).Name("metrics")
	r.HandleFunc("/openapi.json", s.openAPI).Methods(get, head).Name("openapi")
	s.consoleRoutes(r)
	if s.cfg.DemoSite {
		// notAPI comes first: mux lets a later route's matching path turn an
		// earlier 405 into a 404.
		r.MatcherFunc(notAPI).Methods(get, head).PathPrefix("/").HandlerFunc(s.site).Name("site")
	}
	s.router = r
	return s.observe(r)
}

// notAPI keeps the demo site out of /v1/, so an unknown API path is a 404
// whatever its method.
func notAPI(r *http.Request, _ *mux.RouteMatch) bool {
	return !strings.HasPrefix(r.URL.Path, "/v1/")
}

func (s *Server) notFound(w http.ResponseWriter, r *http.Request) {
	s.fail(w, r, errNotFound("not_found", "", "nothing is at %s %s", r.Method, quote(r.URL.Path)))
}

func (s *Server) methodNotAllowed(w http.ResponseWriter, r *http.Request) {
	s.fail(w, r, &apiError{Status: http.StatusMethodNotAllowed, Code: "method_not_allowed",
		Message: r.Method + " is not allowed on " + quote(r.URL.Path)})
}

// nameRoute records the matched route's name for the metrics.
func (s *Server) nameRoute(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if rt := mux.CurrentRoute(r); rt != nil {
			requestOf(r).route = rt.GetName()
		}
		next.ServeHTTP(w, r)
	})
}

// observe gives each request its id, the common headers, a 500 for a
// panic, and a count in the metrics.
func (s *Server) observe(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rq := &request{id: s.newID("req"), route: "unmatched"}
		r = withValue(r, requestKey, rq)
		rec := &statusRecorder{ResponseWriter: w}
		rec.Header().Set("X-Request-ID", rq.id)
		rec.Header().Set("X-Content-Type-Options", "nosniff")
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				s.log.Error("handler panicked", "request_id", rq.id, "path", r.URL.Path, "panic", p)
				if rec.status == 0 {
					s.fail(rec, r, errInternal)
				}
			}
			s.metrics.request(rq.route, rec.code(), time.Since(start))
		}()
		next.ServeHTTP(rec, r)
	})
}

// statusRecorder remembers the status written. Unwrap lets
// http.ResponseController reach the connection (flush, deadlines).
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (w *statusRecorder) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusRecorder) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusRecorder) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (w *statusRecorder) code() int {
	if w.status == 0 {
		return http.StatusOK
	}
	return w.status
}

// Flush keeps the recorder an http.Flusher for code that checks for one.
func (w *statusRecorder) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}
