package server

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/beckonhq/beckon/engine"
	"github.com/beckonhq/beckon/store/boltstore"
)

// The fuzz targets post bodies to a real server (bbolt file, rules, engine,
// pipeline) through its handler: whatever the body, the answer is a JSON
// envelope with a status below 500. Bodies that name a visitor are also
// sent signed with that visitor's token, so they reach past the token check.

const (
	fuzzWS   = "ws_fuzz"
	fuzzSite = "site_fuzz"
	fuzzKey  = "sk_fuzz_0123456789"
)

type fuzzServer struct {
	s       *Server
	h       http.Handler
	message string // a message of visitor v_fuzz with quick replies
}

func newFuzzServer(f *testing.F) *fuzzServer {
	f.Helper()
	rulesPath, _ := filepath.Abs("testdata/rules.yaml")
	cfg := &Config{DataDir: f.TempDir(), Workspaces: []Workspace{{ID: fuzzWS, Rules: []string{rulesPath},
		KeyHashes: [][sha256.Size]byte{sha256.Sum256([]byte(fuzzKey))},
		Sites:     []Site{{Key: fuzzSite, Origins: []string{"https://shop.example"}}}}},
		Limits: Limits{APIBurst: 1 << 30, CollectBurst: 1 << 30, ReplyBurst: 1 << 30, AckBurst: 1 << 30}.withDefaults()}
	db, err := boltstore.OpenTemp() // no fsync: the fuzzer wants executions, not durability
	if err != nil {
		f.Fatal(err)
	}
	var n atomic.Int64
	s, err := New(Options{Config: cfg, Store: db, Clock: engine.NewVirtualClock(time.Date(2026, 1, 20, 14, 30, 0, 0, time.UTC)),
		NewID: func(p string) string { return fmt.Sprintf("%s_%d", p, n.Add(1)) }, FlushInterval: 5 * time.Millisecond})
	if err != nil {
		f.Fatal(err)
	}
	if err := s.Start(context.Background()); err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { s.Close(); db.Close() })
	fs := &fuzzServer{s: s, h: s.Handler()}
	fs.post("/v1/collect", []byte(`{"site":"site_fuzz","visitor_id":"v_fuzz","type":"page_view","url":"https://shop.example/"}`), false)
	_, body := fs.post("/v1/outbound/live-chat/message", []byte(`{"visitor_id":"v_fuzz","message":"Hi",
		"quick_replies":[{"text":"Yes","value":"yes","action":"quote"},{"text":"No","value":"no"}]}`), true)
	var sent struct {
		Data struct {
			MessageID string `json:"message_id"`
		}
	}
	json.Unmarshal(body, &sent)
	if fs.message = sent.Data.MessageID; fs.message == "" {
		f.Fatalf("the setup's API send answered %s", body)
	}
	return fs
}

// post sends a body, with the API key when api; it fails the fuzz run on
// a 5xx or an answer that is not the envelope.
func (fs *fuzzServer) post(path string, body []byte, api bool) (int, []byte) {
	r := httptest.NewRequest(http.MethodPost, path, bytes.NewReader(body))
	r.Header.Set("Content-Type", "text/plain")
	if api {
		r.Header.Set("Authorization", "Bearer "+fuzzKey)
		r.Header.Set("X-Workspace-ID", fuzzWS)
	}
	w := httptest.NewRecorder()
	fs.h.ServeHTTP(w, r)
	return w.Code, w.Body.Bytes()
}

func (fs *fuzzServer) check(t *testing.T, path string, body []byte, api bool) {
	code, answer := fs.post(path, body, api)
	var env struct {
		Data  json.RawMessage        `json:"data"`
		Error *struct{ Code string } `json:"error"`
	}
	if err := json.Unmarshal(answer, &env); err != nil || code >= 500 || (env.Data == nil) == (env.Error == nil) {
		t.Fatalf("POST %s %q: %d %s", path, body, code, answer)
	}
}

// signed is body with each object's token set to its visitor_id's token,
// or nil when body names no visitor.
func (fs *fuzzServer) signed(body []byte) []byte {
	var v any
	if json.Unmarshal(body, &v) != nil {
		return nil
	}
	sign := func(o any) bool {
		m, ok := o.(map[string]any)
		vid, named := m["visitor_id"].(string)
		if ok && named {
			m["token"] = fs.s.tokens.current(fuzzWS, vid)
		}
		return ok && named
	}
	named := sign(v)
	if list, ok := v.([]any); ok {
		for _, o := range list {
			named = sign(o) || named
		}
	}
	if !named {
		return nil
	}
	out, _ := json.Marshal(v)
	return out
}

// fuzzWidget runs a public endpoint's target: the body as sent, then signed.
func fuzzWidget(f *testing.F, path string, seeds []string) {
	fs := newFuzzServer(f)
	for _, s := range seeds {
		f.Add([]byte(fmt.Sprintf(s, fs.message)))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		fs.check(t, path, body, false)
		if signed := fs.signed(body); signed != nil {
			fs.check(t, path, signed, false)
		}
	})
}

func FuzzCollectBody(f *testing.F) {
	fuzzWidget(f, "/v1/collect", []string{
		`{"site":"site_fuzz","visitor_id":"v_new1","type":"page_view","url":"https://shop.example/services/ac-repair","title":"AC","referrer":"https://g.example/"}`,
		`[{"site":"site_fuzz","visitor_id":"v_fuzz","type":"heartbeat"},{"site":"site_fuzz","visitor_id":"v_fuzz","type":"scroll","depth":55.5}]`,
		`{"site":"site_fuzz","visitor_id":"v_fuzz","type":"identify","attributes":{"first_name":"<b>Dana</b>","budget":1e308,"tags":["a",{"b":null}]}}`,
		`{"site":"site_fuzz","visitor_id":"v_fuzz","type":"custom","name":"quote_form_opened","attributes":{}}`,
		`{"site":"site_fuzz","visitor_id":"v_fuzz","type":"visibility","state":"hidden","device":"mobile"}`,
		`{"site":"site_fuzz","visitor_id":"v_fuzz","type":"page_leave","token":"%s"}`,
		`[]`, `{}`, `null`, `[1,2]`, `{"site":"site_fuzz","visitor_id":"v_fuzz","type":"reply"}`,
	})
}

func FuzzReplyBody(f *testing.F) {
	fuzzWidget(f, "/v1/reply", []string{
		`{"site":"site_fuzz","visitor_id":"v_fuzz","message_id":"%s","quick_reply":{"value":"yes"}}`,
		`{"site":"site_fuzz","visitor_id":"v_fuzz","session_id":"sess_2","message_id":"%s","text":"Yes please"}`,
		`{"site":"site_fuzz","visitor_id":"v_fuzz","text":"\u0000<script>alert(1)</script>"}`,
		`{"site":"site_fuzz","visitor_id":"v_other","message_id":"%s","text":"hi"}`,
		`{"site":"site_fuzz","visitor_id":"v_fuzz","quick_reply":{}}`,
	})
}

func FuzzAckBody(f *testing.F) {
	fuzzWidget(f, "/v1/ack", []string{
		`{"site":"site_fuzz","visitor_id":"v_fuzz","message_id":"%s","status":"delivered"}`,
		`{"site":"site_fuzz","visitor_id":"v_fuzz","message_id":"%s","status":"read"}`,
		`{"site":"site_fuzz","visitor_id":"v_other","message_id":"%s","status":"read"}`,
		`{"site":"site_fuzz","visitor_id":"v_fuzz","message_id":"msg_none","status":"sent"}`,
	})
}

func FuzzAPIBody(f *testing.F) {
	fs := newFuzzServer(f)
	for _, s := range []string{
		`{"visitor_id":"v_fuzz","message":"Hi!","trigger":{"type":"page_visit","page_url":"https://shop.example/","time_on_page":45},
		  "personalization":{"current_interest":"AC Repair"},"options":{"override_frequency_cap":true},
		  "quick_replies":[{"text":"Get a Quote","value":"quote_request","action":"quote"}]}`,
		`{"session_id":"sess_2","message":"Hi","assistant_id":"primary"}`,
		`{"visitor_id":"v_nobody","message":"Hi"}`,
		`{"visitor_id":"v_fuzz","message":"Hi","options":{"override_frequency_cap":"yes"}}`,
		`{"visitor_id":"v_fuzz","message":"Hi","quick_replies":[{"text":"a","value":"x"},{"text":"b","value":"x"}]}`,
		`{"visitor_id":"v_fuzz","message":"Hi","trigger":{"time_on_page":1e400}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		fs.check(t, "/v1/outbound/live-chat/message", body, true)
	})
}
