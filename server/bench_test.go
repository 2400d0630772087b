package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/beckonhq/beckon/server"
	"github.com/beckonhq/beckon/store/boltstore"
)

// BenchmarkCollect is one beacon event through the HTTP handler: decode,
// site and CORS checks, rate limit, engine, answer. No network: the
// load tool (cmd/beckon-load) measures that.
// benchServer is a started server over a bbolt file, with the example
// rules and limits high enough not to count, and its handler.
func benchServer(b *testing.B) http.Handler {
	b.Helper()
	dir := b.TempDir()
	rulesFile, err := filepath.Abs("../rules.example.yaml")
	if err != nil {
		b.Fatal(err)
	}
	cfgText := fmt.Sprintf(`listen: 127.0.0.1:0
data_dir: data
limits: {collect_per_second: 1000000000, collect_burst: 1000000000, api_per_second: 1000000000, api_burst: 1000000000}
workspaces:
  - id: ws_bench
    api_keys: [sk_bench_123456]
    rules: [%s]
    sites: [{key: site_bench, origins: [https://shop.example]}]
`, rulesFile)
	if err := os.WriteFile(filepath.Join(dir, "beckon.yaml"), []byte(cfgText), 0o644); err != nil {
		b.Fatal(err)
	}
	cfg, err := server.LoadConfig(filepath.Join(dir, "beckon.yaml"))
	if err != nil {
		b.Fatal(err)
	}
	db, err := boltstore.Open(cfg.DBPath(), boltstore.Options{})
	if err != nil {
		b.Fatal(err)
	}
	srv, err := server.New(server.Options{Config: cfg, Store: db})
	if err != nil {
		b.Fatal(err)
	}
	if err := srv.Start(context.Background()); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		srv.Close()
		db.Close()
	})
	return srv.Handler()
}

func BenchmarkCollect(b *testing.B) {
	h := benchServer(b)
	post := func(body string) *httptest.ResponseRecorder {
		r := httptest.NewRequest(http.MethodPost, "/v1/collect", strings.NewReader(body))
		r.Header.Set("Content-Type", "text/plain")
		r.Header.Set("Origin", "https://shop.example")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w
	}
	const visitors = 1000
	bodies := make([]string, visitors)
	var wg sync.WaitGroup
	for v := range visitors { // first collects at once, as visitors come: their tokens are recorded in shared commits
		wg.Add(1)
		go func() {
			defer wg.Done()
			bodies[v] = firstCollect(b, post, v)
		}()
	}
	wg.Wait()
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		if w := post(bodies[i%visitors]); w.Code != http.StatusAccepted {
			b.Fatalf("heartbeat: %d", w.Code)
		}
	}
}

// firstCollect sends visitor v's page view and returns a heartbeat body
// with the token it was given.
func firstCollect(b *testing.B, post func(string) *httptest.ResponseRecorder, v int) string {
	w := post(fmt.Sprintf(`{"site":"site_bench","visitor_id":"v%d","type":"page_view","url":"https://shop.example/services/ac-repair"}`, v))
	var answer struct {
		Data struct {
			VisitorToken string `json:"visitor_token"`
		} `json:"data"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &answer); w.Code != http.StatusAccepted || err != nil {
		b.Errorf("page view: %d %s", w.Code, w.Body)
	}
	return fmt.Sprintf(`{"site":"site_bench","visitor_id":"v%d","type":"heartbeat","token":"%s"}`, v, answer.Data.VisitorToken)
}
