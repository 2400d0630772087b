package server_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/beckonhq/beckon/server"
	"github.com/beckonhq/beckon/store/boltstore"
)

// BenchmarkAPISend is durable outbound API sends through the handler from
// 100 callers at once, to 2,000 visitors; each answers once its message is
// synced, and concurrent sends share commits.
func BenchmarkAPISend(b *testing.B) {
	dir := b.TempDir()
	rulesFile, _ := filepath.Abs("../rules.example.yaml")
	cfgText := fmt.Sprintf(`listen: 127.0.0.1:0
data_dir: data
limits: {collect_per_second: 1000000000, collect_burst: 1000000000, api_per_second: 1000000000, api_burst: 1000000000}
workspaces:
  - id: ws_bench
    api_keys: [sk_bench_123456]
    rules: [%s]
    sites: [{key: site_bench, origins: [https://shop.example]}]
`, rulesFile)
	os.WriteFile(filepath.Join(dir, "beckon.yaml"), []byte(cfgText), 0o644)
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
	srv.Start(context.Background())
	defer srv.Close()
	h := srv.Handler()
	do := func(path, body string, api bool) int {
		r := httptest.NewRequest(http.MethodPost, path, strings.NewReader(body))
		if api {
			r.Header.Set("Authorization", "Bearer sk_bench_123456")
			r.Header.Set("X-Workspace-ID", "ws_bench")
		} else {
			r.Header.Set("Origin", "https://shop.example")
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w.Code
	}
	const visitors = 2000
	for v := range visitors {
		if c := do("/v1/collect", fmt.Sprintf(`{"site":"site_bench","visitor_id":"v%d","type":"page_view","url":"https://shop.example/x"}`, v), false); c != 202 {
			b.Fatal(c)
		}
	}
	var n atomic.Int64
	b.ResetTimer()
	var wg sync.WaitGroup
	per := (b.N + 99) / 100
	for range 100 {
		wg.Go(func() {
			for range per {
				v := n.Add(1) % visitors
				body := fmt.Sprintf(`{"visitor_id":"v%d","message":"Hi","options":{"override_frequency_cap":true}}`, v)
				if c := do("/v1/outbound/live-chat/message", body, true); c != 200 {
					b.Errorf("send: %d", c)
					return
				}
			}
		})
	}
	wg.Wait()
}
