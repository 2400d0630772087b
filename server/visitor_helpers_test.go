package server_test

import (
	"bytes"
	"net/http"
	"strings"
	"sync"
)

// Helpers for the beacon's endpoints with visitor tokens: the harness
// keeps the token each visitor's first collect answers, and puts it into
// bodies for TOKEN.

// collect posts one event, the visitor's token put in for TOKEN, fails
// the test unless it is accepted, and keeps the token the answer gives.
func (h *harness) collect(visitorID, body string, headers ...string) string {
	h.t.Helper()
	r := h.do("POST", "/v1/collect", h.withToken(visitorID, body), append([]string{"Content-Type", "text/plain"}, headers...)...)
	if r.status != http.StatusAccepted {
		h.t.Fatalf("collect: %d %s", r.status, r.raw)
	}
	if tok, ok := obj(r.body["data"])["visitor_token"].(string); ok {
		h.tokens[visitorID] = tok
	}
	return h.tokens[visitorID]
}

// withToken replaces TOKEN in a JSON body with the visitor's token field,
// or with nothing while it has none.
func (h *harness) withToken(visitorID, body string) string {
	field := ""
	if tok := h.tokens[visitorID]; tok != "" {
		field = `,"token":"` + tok + `"`
	}
	return strings.ReplaceAll(body, "TOKEN", field)
}

// widget posts a reply or ack body for a visitor, its token put in for
// TOKEN.
func (h *harness) widget(path, visitorID, body string, headers ...string) reply {
	h.t.Helper()
	return h.do("POST", path, h.withToken(visitorID, body), headers...)
}

// syncBuffer is a bytes.Buffer for concurrent writers.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func (w testWriter) Write(b []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(b)))
	return len(b), nil
}
