package server_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// BenchmarkAPISend is durable outbound API sends through the handler from
// 100 callers at once, to 2,000 visitors; each answers once its message is
// synced, and concurrent sends share commits.
func BenchmarkAPISend(b *testing.B) {
	h := benchServer(b)
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
