package server

import (
	"net"
	"net/http"
	"strings"
	"sync"
	"time"
)

// limiter is a token bucket per key (an API key's hash, a client IP): each
// bucket refills at rate tokens a second up to burst. Time comes from the
// server's clock, so tests on a virtual clock see no refill at all.
type limiter struct {
	rate  float64
	burst float64
	now   func() time.Time

	mu        sync.Mutex
	buckets   map[string]*tokenBucket
	lastSweep time.Time
}

type tokenBucket struct {
	tokens float64
	last   time.Time
}

// sweepAt is the number of tracked keys above which full buckets (which
// carry no information) are forgotten, at most once a second.
const sweepAt = 10000

func newLimiter(rate float64, burst int, now func() time.Time) *limiter {
	return &limiter{rate: rate, burst: float64(burst), now: now, buckets: map[string]*tokenBucket{}}
}

// take removes n tokens from key's bucket. When there are not enough it
// takes none and says how long until there would be.
func (l *limiter) take(key string, n int) (bool, time.Duration) {
	want := min(float64(n), l.burst) // a request larger than the burst needs a full bucket
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.buckets[key]
	if b == nil {
		if len(l.buckets) >= sweepAt {
			l.sweep(now)
		}
		b = &tokenBucket{tokens: l.burst, last: now}
		l.buckets[key] = b
	}
	l.refill(b, now)
	if b.tokens >= want {
		b.tokens -= want
		return true, 0
	}
	wait := time.Duration((want - b.tokens) / l.rate * float64(time.Second))
	return false, max(wait, time.Second)
}

func (l *limiter) refill(b *tokenBucket, now time.Time) {
	if elapsed := now.Sub(b.last); elapsed > 0 {
		b.tokens = min(l.burst, b.tokens+elapsed.Seconds()*l.rate)
		b.last = now
	}
}

func (l *limiter) sweep(now time.Time) {
	if now.Sub(l.lastSweep) < time.Second {
		return
	}
	l.lastSweep = now
	for k, b := range l.buckets {
		if l.refill(b, now); b.tokens >= l.burst {
			delete(l.buckets, k)
		}
	}
}

// clientIP is the address the per-IP limit counts: the connection's, or
// the last entry of the configured proxy header (the one the nearest proxy
// wrote, which the client cannot forge past it).
func clientIP(r *http.Request, header string) string {
	if header != "" {
		if v := r.Header.Values(header); len(v) > 0 {
			parts := strings.Split(v[len(v)-1], ",")
			if ip := strings.TrimSpace(parts[len(parts)-1]); ip != "" {
				return ip
			}
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
