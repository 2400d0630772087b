package server_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/beckonhq/beckon/server"
	"github.com/beckonhq/beckon/store/boltstore"
)

// BenchmarkCollect is one beacon event through the HTTP handler: decode,
// site and CORS checks, rate limit, engine, answer. No network: the
// load tool (cmd/beckon-load) measures that.
func BenchmarkCollect(b *testing.B) {
	dir := b.TempDir()
	rulesFile, err := filepath.Abs("../rules.example.yaml")
	if err != nil {
		b.Fatal(err)
	}
	cfgText := fmt.Sprintf(`listen: 127.0.0.1:0
data_dir: data
limits: {collect_per_second: 1000000000, collect_burst: 1000000000}
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
	defer db.Close()
	srv, err := server.New(server.Options{Config: cfg, Store: db})
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if err := srv.Start(ctx); err != nil {
		b.Fatal(err)
	}
	defer srv.Close()
	h := srv.Handler()
	post := func(body string) int {
		r := httptest.NewRequest(http.MethodPost, "/v1/collect", strings.NewReader(body))
		r.Header.Set("Content-Type", "text/plain")
		r.Header.Set("Origin", "https://shop.example")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w.Code
	}
	const visitors = 1000
	for v := range visitors {
		if code := post(fmt.Sprintf(`{"site":"site_bench","visitor_id":"v%d","type":"page_view","url":"https://shop.example/services/ac-repair"}`, v)); code != http.StatusAccepted {
			b.Fatalf("page view: %d", code)
		}
	}
	bodies := make([]string, visitors)
	for v := range bodies {
		bodies[v] = fmt.Sprintf(`{"site":"site_bench","visitor_id":"v%d","type":"heartbeat"}`, v)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		if code := post(bodies[i%visitors]); code != http.StatusAccepted {
			b.Fatalf("heartbeat: %d", code)
		}
	}
}
