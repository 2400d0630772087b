package server

import (
	"net/http/httptest"
	"testing"
	"time"

	"github.com/beckonhq/beckon/engine"
)

// The hand-built collect answer is the reflective one, byte for byte.
func TestCollectAnswerIsOkBytes(t *testing.T) {
	s := &Server{clock: engine.NewVirtualClock(time.Date(2026, 1, 20, 14, 30, 0, 0, time.UTC))}
	r := withValue(httptest.NewRequest("POST", "/v1/collect", nil), requestKey, &request{id: "req_0123456789abcdef"})
	for _, d := range []collectData{{Accepted: 1}, {Accepted: 50, VisitorToken: "abc_DEF-123"}} {
		if got, want := string(s.collectAnswer(r, d)), string(s.okBytes(r, d)); got != want {
			t.Errorf("collectAnswer = %q, want %q", got, want)
		}
	}
}
