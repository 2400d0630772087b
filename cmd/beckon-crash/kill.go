package main

import (
	"fmt"
	"io"
	"math/rand/v2"
	"net/http/httptest"
	"os"
	"slices"
	"sync"
	"syscall"
	"time"
)

// visitor is one visitor of the traffic and what was acknowledged to it.
type visitor struct {
	id    string
	kind  string    // "now", "wait" or "api"
	acked time.Time // the page view's 202 (zero: none)
	// killed is when the server died after the page view.
	killed time.Time
	// api sends: the acknowledged message and its Idempotency-Key.
	messageID, key string
}

// roundStats counts one round's traffic.
type roundStats struct {
	views, sends, returns int
	ran                   time.Duration
}

// killRounds runs the SIGKILL rounds and checks each one after the
// restart that follows it.
func killRounds(o options, out io.Writer) ([]string, error) {
	dir, err := os.MkdirTemp("", "beckon-crash-data-*")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	h := &hooks{sent: map[string]int{}}
	hs := httptest.NewServer(h)
	defer hs.Close()
	s, err := newServer(o.beckon, dir, hs.URL+"/hooks")
	if err != nil {
		return nil, err
	}
	if err := s.start(); err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(uint64(o.seed), 7))
	maxRun := o.maxRun
	if maxRun <= 0 {
		maxRun = 1500 * time.Millisecond
	}
	var problems []string
	var returning []*visitor
	total := verdict{}
	for r := 1; r <= o.rounds; r++ {
		runFor := 300*time.Millisecond + time.Duration(rng.Int64N(int64(maxRun-300*time.Millisecond)))
		done := traffic(s, r, o.workers, runFor, returning, rng.Uint64())
		time.Sleep(runFor)
		killed := time.Now()
		s.stop(syscall.SIGKILL)
		vs, st := done()
		for _, v := range vs {
			if v.killed.IsZero() {
				v.killed = killed
				if v.kind == "now" && !v.acked.IsZero() {
					returning = append(returning, v)
				}
			}
		}
		if err := s.start(); err != nil {
			return problems, err
		}
		time.Sleep(time.Until(killed.Add(2500 * time.Millisecond))) // every timer of the round is due
		v := check(s, h, vs)
		total.add(v)
		fmt.Fprintf(out, "round %2d: ran %4dms, then SIGKILL: %4d page views, %3d API sends, %3d returning views acknowledged; %s\n",
			r, st.ran.Milliseconds(), st.views, st.sends, st.returns, v)
		problems = append(problems, v.problems...)
	}
	s.stop(syscall.SIGTERM)
	fmt.Fprintf(out, "all rounds: %s\n", total)
	return problems, nil
}

// traffic starts workers against s that run for runFor: new visitors
// viewing /now, /wait or /other (then an API send), and earlier /now
// visitors coming back. The returned function waits for the workers (the
// caller kills the server first) and returns the round's visitors.
func traffic(s *server, round, workers int, runFor time.Duration, returning []*visitor, seed uint64) func() ([]*visitor, roundStats) {
	var mu sync.Mutex
	var vs []*visitor
	st := roundStats{ran: runFor}
	stop := time.Now().Add(runFor)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(seed, uint64(w)))
			for n := 0; time.Now().Before(stop); n++ {
				v, counted := act(s, rng, fmt.Sprintf("r%d-w%d-%d", round, w, n), returning)
				mu.Lock()
				if v != nil && (counted[2] == 0 || !slices.Contains(vs, v)) {
					vs = append(vs, v)
				}
				st.views += counted[0]
				st.sends += counted[1]
				st.returns += counted[2]
				mu.Unlock()
			}
		})
	}
	return func() ([]*visitor, roundStats) {
		wg.Wait()
		return vs, st
	}
}

// act does one thing; counted is (page views, API sends, returning views)
// acknowledged.
func act(s *server, rng *rand.Rand, id string, returning []*visitor) (*visitor, [3]int) {
	var counted [3]int
	switch p := rng.IntN(100); {
	case p < 15 && len(returning) > 0:
		back := returning[rng.IntN(len(returning))]
		if s.collect(back.id, "/now") == 202 {
			counted[2] = 1
		}
		return back, counted
	case p < 45:
		return view(s, id, "now", &counted), counted
	case p < 75:
		return view(s, id, "wait", &counted), counted
	}
	v := view(s, id, "api", &counted)
	if v.acked.IsZero() {
		return v, counted
	}
	v.key = "key-" + id
	if code, data := s.send(id, v.key); code == 200 {
		v.messageID, _ = data["message_id"].(string)
		counted[1] = 1
	}
	return v, counted
}

func view(s *server, id, kind string, counted *[3]int) *visitor {
	path := map[string]string{"now": "/now", "wait": "/wait", "api": "/other"}[kind]
	v := &visitor{id: id, kind: kind}
	if s.collect(id, path) == 202 {
		v.acked = time.Now()
		counted[0] = 1
	}
	return v
}
