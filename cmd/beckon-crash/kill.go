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
	kind  string    // "now", "wait", "api", "reply" or "stream"
	acked time.Time // the page view's 202 (zero: none)
	// killed is when a server died after the page view.
	killed time.Time
	// api sends: the acknowledged message and its Idempotency-Key.
	messageID, key string
	replied        bool   // reply: the reply was acknowledged
	streamed       string // stream: the message id its stream got
	streamProblem  string // stream: what went wrong, when the stream should have got it
}

// roundStats counts one round's traffic.
type roundStats struct {
	views, sends, returns, replies, streams int
	// refused counts the page views and replies answered 4xx (a visitor
	// token one server gave and another refused, say).
	refused int
	ran     time.Duration
}

// killRounds runs the SIGKILL rounds and checks each one after the
// restart that follows it. With one process the server dies when the
// round's traffic ends; with several, one of them dies at a random point
// while traffic goes on to the others.
func killRounds(o options, out io.Writer) ([]string, error) {
	dir, err := os.MkdirTemp("", "beckon-crash-data-*")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	h := newHooks()
	hs := httptest.NewServer(h)
	defer hs.Close()
	f, err := newFleet(o.beckon, dir, hs.URL+"/hooks", max(o.processes, 1), o.store)
	if err != nil {
		return nil, err
	}
	defer f.close()
	if err := f.start(); err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(uint64(o.seed), 7))
	var problems []string
	var returning []*visitor
	total := verdict{}
	for r := 1; r <= o.rounds; r++ {
		vs, st, killed, err := round(o, f, r, rng, returning)
		if err != nil {
			return problems, err
		}
		for _, v := range vs {
			if v.killed.IsZero() {
				v.killed = killed
			}
			if v.kind == "now" && !v.acked.IsZero() && !slices.Contains(returning, v) {
				returning = append(returning, v)
			}
		}
		v := check(f, rng, h, vs, len(f.servers) > 1)
		if st.refused > 0 {
			v.problem("%d page views or replies were refused (4xx)", st.refused)
		}
		total.add(v)
		fmt.Fprintf(out, "round %2d: ran %4dms, SIGKILL: %4d page views, %3d API sends, %3d replies, %3d streams, %3d returning views acknowledged; %s\n",
			r, st.ran.Milliseconds(), st.views, st.sends, st.replies, st.streams, st.returns, v)
		problems = append(problems, v.problems...)
	}
	fmt.Fprintf(out, "all rounds: %s\n", total)
	return problems, nil
}

// round runs one round's traffic with its kill, restarts what died and
// waits until every timer of the round is due.
func round(o options, f *fleet, r int, rng *rand.Rand, returning []*visitor) ([]*visitor, roundStats, time.Time, error) {
	maxRun := o.maxRun
	if maxRun <= 0 {
		maxRun = 1500 * time.Millisecond
	}
	runFor := 300*time.Millisecond + time.Duration(rng.Int64N(int64(maxRun-300*time.Millisecond)))
	victim, killAt := 0, runFor
	if len(f.servers) > 1 {
		victim = rng.IntN(len(f.servers))
		killAt = runFor * time.Duration(30+rng.IntN(40)) / 100
	}
	done := traffic(f, r, o.workers, runFor, returning, rng.Uint64())
	time.Sleep(killAt)
	killed := time.Now()
	f.kill(victim, syscall.SIGKILL)
	time.Sleep(runFor - killAt)
	vs, st := done()
	if err := f.start(); err != nil {
		return nil, st, killed, err
	}
	// every timer of the round is due (2s), and a claim the dead process
	// held has run out (5s)
	wait := 2500 * time.Millisecond
	if len(f.servers) > 1 {
		wait = 6 * time.Second
	}
	time.Sleep(time.Until(killed.Add(wait)))
	return vs, st, killed, nil
}

// traffic starts workers that run for runFor: new visitors viewing /now,
// /wait or /other (then an API send, or a reply), visitors whose stream
// is open on one server while their page view goes to another, and
// earlier /now visitors coming back. Each call goes to a server picked at
// random. The returned function waits for the workers and returns the
// round's visitors.
func traffic(f *fleet, round, workers int, runFor time.Duration, returning []*visitor, seed uint64) func() ([]*visitor, roundStats) {
	var mu sync.Mutex
	var vs []*visitor
	st := roundStats{ran: runFor}
	stop := time.Now().Add(runFor)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(seed, uint64(w)))
			for n := 0; time.Now().Before(stop); n++ {
				v, c := act(f, rng, fmt.Sprintf("r%d-w%d-%d", round, w, n), returning)
				mu.Lock()
				if v != nil && (c.returns == 0 || !slices.Contains(vs, v)) {
					vs = append(vs, v)
				}
				st.views += c.views
				st.sends += c.sends
				st.returns += c.returns
				st.replies += c.replies
				st.streams += c.streams
				st.refused += c.refused
				mu.Unlock()
			}
		})
	}
	return func() ([]*visitor, roundStats) {
		wg.Wait()
		return vs, st
	}
}

// act does one thing and counts what was acknowledged.
func act(f *fleet, rng *rand.Rand, id string, returning []*visitor) (*visitor, roundStats) {
	var c roundStats
	switch p := rng.IntN(100); {
	case p < 12 && len(returning) > 0:
		back := returning[rng.IntN(len(returning))]
		switch code := f.pick(rng).collect(back.id, "/now"); {
		case code == 202:
			c.returns = 1
		case code >= 400:
			c.refused++
		}
		return back, c
	case p < 38:
		return view(f.pick(rng), id, "now", &c), c
	case p < 64:
		return view(f.pick(rng), id, "wait", &c), c
	case p < 72:
		return reply(f, rng, id, &c), c
	case p < 80:
		return streamed(f, rng, id, &c), c
	}
	return apiSend(f, rng, id, &c), c
}

func view(s *server, id, kind string, c *roundStats) *visitor {
	path := map[string]string{"now": "/now", "wait": "/wait", "api": "/other", "reply": "/other", "other": "/other"}[kind]
	v := &visitor{id: id, kind: kind}
	switch code := s.collect(id, path); {
	case code == 202:
		v.acked = time.Now()
		c.views = 1
	case code >= 400:
		c.refused++
	}
	return v
}

// apiSend views a page, then sends through the API with an
// Idempotency-Key; a send with no answer (its server died) is tried again
// on another server with the same key.
func apiSend(f *fleet, rng *rand.Rand, id string, c *roundStats) *visitor {
	v := view(f.pick(rng), id, "api", c)
	if v.acked.IsZero() {
		return v
	}
	v.key = "key-" + id
	for range 2 {
		code, data := f.pick(rng).send(id, v.key)
		if code == 200 {
			v.messageID, _ = data["message_id"].(string)
			c.sends = 1
		}
		if code != 0 {
			break
		}
	}
	return v
}

// reply views a page, then replies (typed text) through another server.
func reply(f *fleet, rng *rand.Rand, id string, c *roundStats) *visitor {
	v := view(f.pick(rng), id, "reply", c)
	if !v.acked.IsZero() {
		code, _ := f.pick(rng).call("POST", "/v1/reply", fmt.Sprintf(`{"site":%q,"visitor_id":%q,"text":"Can you help?"%s}`, site, id, tokenField(id)))
		if v.replied = code == 202; v.replied {
			c.replies = 1
		} else if code >= 400 {
			c.refused++
		}
	}
	return v
}

// streamed views a page (which gives the visitor its token), opens the
// visitor's stream on a server and views /now (whose rule sends at once)
// through another: the stream must get the message, unless a server died
// meanwhile.
func streamed(f *fleet, rng *rand.Rand, id string, c *roundStats) *visitor {
	v := view(f.pick(rng), id, "other", c)
	if v.acked.IsZero() {
		return v
	}
	at := f.pick(rng)
	st, err := at.openStream(id)
	if err != nil {
		return v
	}
	defer st.close()
	if code := f.pick(rng).collect(id, "/now"); code != 202 {
		return v
	}
	v.kind = "stream"
	c.streams = 1
	v.streamed, err = st.next(5 * time.Second)
	if err != nil && at.running() {
		v.streamProblem = fmt.Sprintf("its stream on %s got no message: %v", at.base, err)
	}
	return v
}
