package server_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/beckonhq/beckon/engine"
	"github.com/beckonhq/beckon/server"
	"github.com/beckonhq/beckon/store/boltstore"
)

var t0 = time.Date(2026, 1, 20, 14, 30, 0, 0, time.UTC)

const (
	metricsToken = "mt_test_7c0f3e9a51d2"
	keyA         = "sk_test_a_123456"
	keyB         = "sk_test_b_123456"
	secretA      = "whsec_test_a"
	wait         = 10 * time.Second // generous: only a broken server takes this long
)

// configYAML is the tests' configuration: two workspaces, each with a key
// and a site; ws_a reports replies to HOOK.
const configYAML = `listen: 127.0.0.1:0
data_dir: data
metrics_token: ` + metricsToken + `
workspaces:
  - id: ws_a
    api_keys: [` + keyA + `]
    rules: [rules.yaml]
    sites:
      - key: site_a
        origins: [https://shop.example]
    webhooks:
      - url: HOOK
        secret: ` + secretA + `
        events: [live_chat.visitor_responded]
  - id: ws_b
    api_keys: [` + keyB + `]
    rules: [rules.yaml]
    sites:
      - key: site_b
        origins: [https://b.example]
`

// harness is a server over a real bbolt file in a temp dir, behind a real
// HTTP server on 127.0.0.1, on a virtual clock.
type harness struct {
	t     *testing.T
	dir   string
	clock *engine.VirtualClock
	cfg   *server.Config
	db    *boltstore.Store
	srv   *server.Server
	ts    *httptest.Server
	hooks chan delivery
	// options, when set, adjusts the server's options at each open.
	options func(*server.Options)
	// tokens are the visitor tokens the server gave, by visitor id.
	tokens map[string]string
	// logs holds everything the server logged.
	logs *syncBuffer
}

// delivery is one webhook request the receiver got.
type delivery struct {
	header http.Header
	body   []byte
}

// newHarness writes configYAML (with extra appended) and the test rules
// into a temp dir, starts a webhook receiver and the server.
func newHarness(t *testing.T, extra string, options ...func(*server.Options)) *harness {
	t.Helper()
	return newHarnessWith(t, func(cfg string) string { return cfg + extra }, options...)
}

// newHarnessWith is newHarness with the configuration edited by edit.
func newHarnessWith(t *testing.T, edit func(string) string, options ...func(*server.Options)) *harness {
	t.Helper()
	return startHarness(t, edit, nil, options...)
}

// newHarnessReceiver is newHarness with another webhook receiver.
func newHarnessReceiver(t *testing.T, extra string, receiver http.HandlerFunc, options ...func(*server.Options)) *harness {
	t.Helper()
	return startHarness(t, func(cfg string) string { return cfg + extra }, receiver, options...)
}

// startHarness starts a harness; a nil receiver passes every webhook
// delivery to h.hooks.
func startHarness(t *testing.T, edit func(string) string, receiver http.HandlerFunc, options ...func(*server.Options)) *harness {
	t.Helper()
	h := &harness{t: t, dir: t.TempDir(), clock: engine.NewVirtualClock(t0), hooks: make(chan delivery, 16),
		tokens: map[string]string{}, logs: &syncBuffer{}}
	if len(options) > 0 {
		h.options = options[0]
	}
	if receiver == nil {
		receiver = func(w http.ResponseWriter, r *http.Request) {
			body, _ := io.ReadAll(r.Body)
			h.hooks <- delivery{header: r.Header.Clone(), body: body}
		}
	}
	recv := httptest.NewServer(receiver)
	t.Cleanup(recv.Close)
	writeFile(t, filepath.Join(h.dir, "rules.yaml"), readFile(t, "testdata/rules.yaml"))
	cfgText := edit(strings.Replace(configYAML, "HOOK", recv.URL+"/hooks", 1))
	writeFile(t, filepath.Join(h.dir, "beckon.yaml"), cfgText)
	cfg, err := server.LoadConfig(filepath.Join(h.dir, "beckon.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	h.cfg = cfg
	h.open()
	return h
}

// open starts the server on the harness's data dir.
func (h *harness) open() {
	h.t.Helper()
	db, err := boltstore.Open(h.cfg.DBPath(), boltstore.Options{})
	if err != nil {
		h.t.Fatal(err)
	}
	opts := server.Options{Config: h.cfg, Store: db, Clock: h.clock,
		Logger: slog.New(slog.NewTextHandler(io.MultiWriter(testWriter{h.t}, h.logs), nil)), FlushInterval: 5 * time.Millisecond}
	if h.options != nil {
		h.options(&opts)
	}
	srv, err := server.New(opts)
	if err != nil {
		db.Close()
		h.t.Fatal(err)
	}
	if err := srv.Start(context.Background()); err != nil {
		h.t.Fatal(err)
	}
	h.db, h.srv, h.ts = db, srv, httptest.NewServer(srv.Handler())
	h.t.Cleanup(h.close)
}

// close shuts down in the server's order: streams and HTTP, then the
// engines and pipeline, then the file. Calling it twice is harmless.
func (h *harness) close() {
	if h.srv == nil {
		return
	}
	h.srv.EndStreams()
	h.ts.Close()
	if err := h.srv.Close(); err != nil {
		h.t.Error(err)
	}
	h.db.Close()
	h.srv = nil
}

// restart closes the server and opens a new one on the same data.
func (h *harness) restart() {
	h.close()
	h.open()
}

type testWriter struct{ t *testing.T }

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func writeFile(t *testing.T, path, text string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

// reply is an HTTP answer with its body decoded.
type reply struct {
	status int
	header http.Header
	raw    []byte
	body   map[string]any
}

// do sends a request; headers are name, value pairs.
func (h *harness) do(method, path, body string, headers ...string) reply {
	h.t.Helper()
	req, err := http.NewRequest(method, h.ts.URL+path, strings.NewReader(body))
	if err != nil {
		h.t.Fatal(err)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := h.ts.Client().Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	r := reply{status: resp.StatusCode, header: resp.Header, raw: raw}
	json.Unmarshal(raw, &r.body)
	return r
}

// api calls an authenticated route as workspace ws_a.
func (h *harness) api(method, path, body string, headers ...string) reply {
	h.t.Helper()
	return h.do(method, path, body, append([]string{"Authorization", "Bearer " + keyA, "X-Workspace-ID", "ws_a",
		"Content-Type", "application/json"}, headers...)...)
}

// visit reports a page view of a visitor on site_a, with the visitor's
// token once it has one; it returns the token.
func (h *harness) visit(visitorID, url string) string {
	h.t.Helper()
	return h.collect(visitorID, `{"site":"site_a","visitor_id":"`+visitorID+`","type":"page_view","url":"`+url+`"TOKEN}`)
}

// sseEvent is one server-sent event.
type sseEvent struct {
	event, id, data string
}

// stream opens /v1/stream and returns its events as they come. It returns
// once the server has sent its retry line, so the stream is registered.
func (h *harness) stream(site, visitorID string, headers ...string) (<-chan sseEvent, *http.Response) {
	h.t.Helper()
	events, resp := h.tryStream(site, visitorID, h.tokens[visitorID], headers...)
	if resp.StatusCode != http.StatusOK {
		h.t.Fatalf("stream: %d", resp.StatusCode)
	}
	return events, resp
}

// tryStream opens /v1/stream with the token given. When it answers 200 it
// returns the events as stream does; else a nil channel and the answer.
func (h *harness) tryStream(site, visitorID, token string, headers ...string) (<-chan sseEvent, *http.Response) {
	h.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	h.t.Cleanup(cancel)
	q := url.Values{"site": {site}, "visitor_id": {visitorID}}
	if token != "" {
		q.Set("token", token)
	}
	req, _ := http.NewRequestWithContext(ctx, "GET", h.ts.URL+"/v1/stream?"+q.Encode(), nil)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := h.ts.Client().Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	h.t.Cleanup(func() { resp.Body.Close() })
	if resp.StatusCode != http.StatusOK {
		return nil, resp
	}
	rd := bufio.NewReader(resp.Body)
	if first, _ := rd.ReadString('\n'); first != "retry: 2000\n" {
		h.t.Fatalf("stream began with %q, want the retry line", first)
	}
	events := make(chan sseEvent, 16)
	go readEvents(rd, events)
	return events, resp
}

func readEvents(rd *bufio.Reader, out chan<- sseEvent) {
	defer close(out)
	var ev sseEvent
	for {
		line, err := rd.ReadString('\n')
		if err != nil {
			return
		}
		line = strings.TrimSuffix(line, "\n")
		name, value, _ := strings.Cut(line, ": ")
		switch name {
		case "event":
			ev.event = value
		case "id":
			ev.id = value
		case "data":
			ev.data = value
		case "":
			if ev.event != "" {
				out <- ev
			}
			ev = sseEvent{}
		}
	}
}

func next[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v, ok := <-ch:
		if !ok {
			t.Fatalf("%s: channel closed", what)
		}
		return v
	case <-time.After(wait):
		t.Fatalf("%s: nothing arrived", what)
	}
	panic("unreachable")
}

// eventually polls cond until it holds.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(wait)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: never happened", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// sortedKeys lists an object's keys.
func sortedKeys(v any) []string {
	m, _ := v.(map[string]any)
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func obj(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}

func mustJSON(t *testing.T, b []byte) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(bytes.TrimSpace(b), &m); err != nil {
		t.Fatalf("not a JSON object: %s", b)
	}
	return m
}

// checkMeta asserts the meta every answer carries.
func checkMeta(t *testing.T, r reply) {
	t.Helper()
	meta := obj(r.body["meta"])
	if got := sortedKeys(meta); !slices.Equal(got, []string{"request_id", "timestamp"}) {
		t.Fatalf("meta keys %v in %s", got, r.raw)
	}
	if id, _ := meta["request_id"].(string); !strings.HasPrefix(id, "req_") {
		t.Errorf("request_id %q does not start with req_", meta["request_id"])
	}
	if meta["timestamp"] != "2026-01-20T14:30:00Z" {
		t.Errorf("timestamp %v, want the clock's time in RFC 3339 UTC seconds", meta["timestamp"])
	}
}

// checkError asserts an error answer's status, code and field.
func checkError(t *testing.T, r reply, status int, code, field string) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d: %s", r.status, status, r.raw)
	}
	if got := sortedKeys(r.body); !slices.Equal(got, []string{"error", "meta"}) {
		t.Fatalf("keys %v, want error and meta: %s", got, r.raw)
	}
	e := obj(r.body["error"])
	wantField := any(field)
	if field == "" {
		wantField = nil
	}
	if _, has := e["field"]; !has || e["code"] != code || e["message"] == "" || e["field"] != wantField {
		t.Errorf("error %v, want code %s field %q", e, code, field)
	}
	checkMeta(t, r)
}
