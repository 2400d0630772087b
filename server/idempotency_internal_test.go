package server

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/beckonhq/beckon/engine"
	"github.com/beckonhq/beckon/store"
	"github.com/beckonhq/beckon/store/boltstore"
)

// A process that stopped between committing a message (with its key's
// first record) and saving the answer leaves a record without a body; the
// retry rebuilds the answer from the stored message and sends nothing.
func TestIdempotencyKeyAfterCrashWindow(t *testing.T) {
	db, err := boltstore.Open(filepath.Join(t.TempDir(), "beckon.db"), boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	key := "sk_internal_123"
	cfg := &Config{Workspaces: []Workspace{{ID: "ws", KeyHashes: [][sha256.Size]byte{sha256.Sum256([]byte(key))},
		Rules: []string{"testdata/rules.yaml"}, Sites: []Site{{Key: "site"}}}}}
	clock := engine.NewVirtualClock(time.Date(2026, 1, 20, 14, 30, 0, 0, time.UTC))
	s, err := New(Options{Config: cfg, Store: db, Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	call := func(method, path, body string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(method, path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+key)
		req.Header.Set("X-Workspace-ID", "ws")
		req.Header.Set("Idempotency-Key", "k1")
		rec := httptest.NewRecorder()
		s.Handler().ServeHTTP(rec, req)
		return rec
	}
	if rec := call("POST", "/v1/collect", `{"site":"site","visitor_id":"v_1","type":"page_view","url":"https://x.example/"}`); rec.Code != 202 {
		t.Fatalf("collect: %d %s", rec.Code, rec.Body)
	}
	body := `{"visitor_id":"v_1","message":"Hi"}`
	first := call("POST", "/v1/outbound/live-chat/message", body)
	var answer struct{ Data sendData }
	if err := json.Unmarshal(first.Body.Bytes(), &answer); err != nil || first.Code != http.StatusOK {
		t.Fatalf("first: %d %s", first.Code, first.Body)
	}

	ws := s.workspaces["ws"]
	rec, err := ws.idemRecord("k1")
	if err != nil || rec == nil || rec.MessageID != answer.Data.MessageID {
		t.Fatalf("record %+v %v", rec, err)
	}
	rec.Status, rec.Body = 0, nil
	if err := db.Commit(context.Background(), &store.Batch{Workspace: "ws", Idempotency: []store.Idempotency{*rec}}); err != nil {
		t.Fatal(err)
	}

	retry := call("POST", "/v1/outbound/live-chat/message", body)
	var again struct{ Data sendData }
	json.Unmarshal(retry.Body.Bytes(), &again)
	if retry.Code != http.StatusOK || retry.Header().Get("Idempotent-Replayed") != "true" || again.Data != answer.Data {
		t.Fatalf("retry: %d %s, want the data of %s", retry.Code, retry.Body, first.Body)
	}
	msgs, err := s.pipe.SessionMessages("ws", answer.Data.SessionID)
	if err != nil || len(msgs) != 1 {
		t.Fatalf("%d messages (%v), want 1", len(msgs), err)
	}
}
