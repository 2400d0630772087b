package pipeline

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/beckonhq/beckon/message"
	"github.com/beckonhq/beckon/store/boltstore"
)

const ws = "ws_demo"

var t0 = time.Date(2024, 1, 20, 14, 30, 0, 0, time.UTC)

// ids hands out evt_1, evt_2, … so bodies can be compared whole.
func ids() func(string) string {
	var n atomic.Int64
	return func(prefix string) string { return fmt.Sprintf("%s_%d", prefix, n.Add(1)) }
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(b []byte) (int, error) {
	w.t.Helper()
	w.t.Log(string(b))
	return len(b), nil
}

func openDB(t *testing.T, path string) *boltstore.Store {
	t.Helper()
	db, err := boltstore.Open(path, boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return db
}

func tempDB(t *testing.T) *boltstore.Store {
	t.Helper()
	db := openDB(t, filepath.Join(t.TempDir(), "beckon.db"))
	t.Cleanup(func() { db.Close() })
	return db
}

// newPipeline fills test-friendly defaults into opt (fast polling and
// retries) and closes the pipeline before the DB.
func newPipeline(t *testing.T, opt Options) *Pipeline {
	t.Helper()
	if opt.Store == nil {
		opt.Store = tempDB(t)
	}
	if opt.PollInterval == 0 {
		opt.PollInterval = 5 * time.Millisecond
	}
	if opt.MinBackoff == 0 {
		opt.MinBackoff = time.Millisecond
	}
	if opt.NewID == nil {
		opt.NewID = ids()
	}
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	p, err := New(opt)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

func start(t *testing.T, p *Pipeline) {
	t.Helper()
	if err := p.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// send stages m in its own transaction and delivers it, as the engine does.
func send(t *testing.T, p *Pipeline, wsID string, m *message.Message) {
	t.Helper()
	if err := p.Record(wsID, m); err != nil {
		t.Fatal(err)
	}
}

func msg(id, visitor, session string) *message.Message {
	return &message.Message{ID: id, VisitorID: visitor, SessionID: session, Message: "hello " + id,
		Time: t0, VisitorStatus: "online", EngagementScore: 75}
}

// waitFor polls cond until it holds; the timeout is only a backstop.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// hit is one request a receiver saw.
type hit struct {
	header http.Header
	body   []byte
}

// receiver is a webhook endpoint; answer picks each response's status code
// from the 1-based attempt number.
type receiver struct {
	*httptest.Server
	hits   chan hit
	count  atomic.Int64
	answer func(n int64) int
}

func newReceiver(t *testing.T, answer func(n int64) int) *receiver {
	t.Helper()
	r := &receiver{hits: make(chan hit, 100), answer: answer}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		n := r.count.Add(1)
		r.hits <- hit{header: req.Header.Clone(), body: body}
		code := http.StatusOK
		if r.answer != nil {
			code = r.answer(n)
		}
		w.WriteHeader(code)
	}))
	t.Cleanup(r.Close)
	return r
}

func (r *receiver) next(t *testing.T) hit {
	t.Helper()
	select {
	case h := <-r.hits:
		return h
	case <-time.After(5 * time.Second):
		t.Fatal("timed out waiting for a webhook")
		return hit{}
	}
}

func recv(t *testing.T, ch <-chan *message.Message) *message.Message {
	t.Helper()
	select {
	case m, ok := <-ch:
		if !ok {
			t.Fatal("stream closed")
		}
		return m
	case <-time.After(5 * time.Second):
		t.Fatal("timed out waiting for a message")
		return nil
	}
}
