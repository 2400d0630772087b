// Command beckon-load drives a running Beckon server over HTTP and reports
// throughput and latency: beacon events to /v1/collect from many simulated
// visitors, or outbound messages through the API. Given several servers
// (-url A,B,C) it sends each request to one of them at random, as a load
// balancer without affinity would. scripts/bench runs it.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

type config struct {
	base, site, mode, key, workspace string
	prefix, data                     string
	visitors, workers                int
	duration                         time.Duration
	rate                             int  // requests per second, open loop (0: closed loop)
	idem                             bool // API sends carry an Idempotency-Key
	since                            int64
	tokens                           []string // by visitor, from the warm-up
}

func main() {
	var c config
	flag.StringVar(&c.base, "url", "http://127.0.0.1:8080", "server base URL, or several separated by commas")
	flag.StringVar(&c.site, "site", "site_demo", "site key for /v1/collect")
	flag.StringVar(&c.mode, "mode", "collect", "collect (beacon events), fresh (page views of new visitors), api (outbound messages),\n"+
		"fill (store -visitors visitors in -data, as if seen two days ago), footprint (heap and data file per visitor\n"+
		"of -visitors visitors in -data) or ready (time until the server answers)")
	flag.StringVar(&c.prefix, "prefix", "load_", "visitor ids are this prefix and a number")
	flag.StringVar(&c.data, "data", "", "data directory (mode fill)")
	flag.Int64Var(&c.since, "since", 0, "Unix ns the server was started at (mode ready)")
	flag.StringVar(&c.key, "key", "", "API key (mode api)")
	flag.StringVar(&c.workspace, "workspace", "ws_demo", "workspace id (mode api)")
	flag.IntVar(&c.visitors, "visitors", 1000, "distinct visitors")
	flag.IntVar(&c.workers, "workers", 50, "concurrent connections")
	flag.DurationVar(&c.duration, "duration", 10*time.Second, "how long to run")
	flag.IntVar(&c.rate, "rate", 0, "open loop: start this many requests a second whatever the answers (latency counts from\n"+
		"each request's due time); 0 runs a closed loop of -workers connections")
	flag.BoolVar(&c.idem, "idempotency", false, "API sends carry an Idempotency-Key (mode api)")
	flag.Parse()
	switch {
	case c.mode == "fill" && c.data != "":
		exit(fill(c))
	case c.mode == "ready" && c.since > 0:
		exit(ready(c))
	case c.mode == "footprint" && c.data != "":
		exit(footprint(c))
	case c.mode == "collect", c.mode == "fresh", c.mode == "api" && c.key != "":
	default:
		fmt.Fprintln(os.Stderr, "beckon-load: -mode collect or fresh; -mode api with -key; -mode fill with -data; -mode ready with -since")
		os.Exit(2)
	}
	res, err := run(c)
	if err != nil {
		fmt.Fprintln(os.Stderr, "beckon-load:", err)
		os.Exit(1)
	}
	fmt.Println(res)
}

type result struct {
	mode              string
	requests, errors  int64
	elapsed           time.Duration
	p50, p90, p99, mx time.Duration
	cpu               time.Duration // this process's own, during the run
}

func (r result) String() string {
	return fmt.Sprintf("mode=%s requests=%d errors=%d rate=%.0f/s p50=%s p90=%s p99=%s max=%s load_cpu=%.1fs",
		r.mode, r.requests, r.errors, float64(r.requests)/r.elapsed.Seconds(), r.p50, r.p90, r.p99, r.mx, r.cpu.Seconds())
}

// cpuTime is the CPU time this process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func exit(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "beckon-load:", err)
		os.Exit(1)
	}
	os.Exit(0)
}

func run(c config) (result, error) {
	conns := c.workers
	if c.rate > 0 {
		conns = max(c.workers, 512)
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: conns}, Timeout: 10 * time.Second}
	if c.mode != "fresh" {
		if err := warm(client, &c); err != nil {
			return result{}, err
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), c.duration)
	defer cancel()
	began, cpu := time.Now(), cpuTime()
	var lat [][]time.Duration
	var errors int64
	if c.rate > 0 {
		lat, errors = openLoop(ctx, client, c, conns)
	} else {
		lat, errors = closedLoop(ctx, client, c)
	}
	all := slices.Concat(lat...)
	slices.Sort(all)
	pct := func(p float64) time.Duration {
		if len(all) == 0 {
			return 0
		}
		return all[int(p*float64(len(all)-1))]
	}
	mode := c.mode
	if c.rate > 0 {
		mode += fmt.Sprintf(" open-loop@%d/s", c.rate)
	}
	if c.idem {
		mode += " idempotency"
	}
	return result{mode: mode, requests: int64(len(all)), errors: errors, elapsed: time.Since(began),
		p50: pct(0.5), p90: pct(0.9), p99: pct(0.99), mx: pct(1), cpu: cpuTime() - cpu}, nil
}

// closedLoop runs c.workers connections, each sending its next request as
// soon as the last is answered.
func closedLoop(ctx context.Context, client *http.Client, c config) ([][]time.Duration, int64) {
	var errors atomic.Int64
	lat := make([][]time.Duration, c.workers)
	var wg sync.WaitGroup
	for w := range c.workers {
		wg.Go(func() {
			for i := w; ctx.Err() == nil; i += c.workers {
				t0 := time.Now()
				if !send(client, c, i) {
					errors.Add(1)
				}
				lat[w] = append(lat[w], time.Since(t0))
			}
		})
	}
	wg.Wait()
	return lat, errors.Load()
}

// openLoop starts requests at c.rate a second on up to conns connections;
// a request's latency counts from when it was due, so a slow answer that
// delays the ones behind it shows in their latency too.
func openLoop(ctx context.Context, client *http.Client, c config, conns int) ([][]time.Duration, int64) {
	type due struct {
		i  int
		at time.Time
	}
	jobs := make(chan due, conns)
	var errors atomic.Int64
	lat := make([][]time.Duration, conns)
	var wg sync.WaitGroup
	for w := range conns {
		wg.Go(func() {
			for j := range jobs {
				if !send(client, c, j.i) {
					errors.Add(1)
				}
				lat[w] = append(lat[w], time.Since(j.at))
			}
		})
	}
	interval := time.Second / time.Duration(c.rate)
	start := time.Now()
	for i := 0; ctx.Err() == nil; i++ {
		at := start.Add(time.Duration(i) * interval)
		time.Sleep(time.Until(at))
		jobs <- due{i, at}
	}
	close(jobs)
	wg.Wait()
	return lat, errors.Load()
}

// warm sends every visitor a page view, so heartbeats and API sends find a
// live session, and keeps the visitor token each first collect answers. A
// visitor that had its token from an earlier run (401) is fine for API
// sends, which need no token, but not for beacon events.
func warm(client *http.Client, c *config) error {
	c.tokens = make([]string, c.visitors)
	errs := make(chan error, c.workers)
	for w := range c.workers {
		go func() { errs <- warmSome(client, c, w) }()
	}
	for range c.workers {
		if err := <-errs; err != nil {
			return err
		}
	}
	return nil
}

// warmSome warms every visitor whose number is w modulo c.workers.
func warmSome(client *http.Client, c *config, w int) error {
	for v := w; v < c.visitors; v += c.workers {
		var answer struct {
			Data struct {
				VisitorToken string `json:"visitor_token"`
			} `json:"data"`
		}
		code := postFor(client, c.pick()+"/v1/collect", nil, event(*c, v, "page_view"), &answer)
		switch {
		case code == http.StatusUnauthorized && c.mode == "api":
		case code == http.StatusUnauthorized:
			return fmt.Errorf("visitor %d has a token from an earlier run: give this run another -prefix", v)
		case code >= 300 || code == 0:
			return fmt.Errorf("warm-up page view for visitor %d failed (%d)", v, code)
		}
		c.tokens[v] = answer.Data.VisitorToken
	}
	return nil
}

func event(c config, v int, typ string) map[string]any {
	e := map[string]any{"site": c.site, "visitor_id": fmt.Sprintf("%s%d", c.prefix, v), "type": typ}
	if v < len(c.tokens) && c.tokens[v] != "" {
		e["token"] = c.tokens[v]
	}
	if typ == "page_view" {
		e["url"] = fmt.Sprintf("http://127.0.0.1/services/ac-repair?v=%d", v)
	}
	return e
}

// send makes request i: a heartbeat (nine in ten) or a page view for a
// visitor in collect mode; an outbound message in api mode.
func send(client *http.Client, c config, i int) bool {
	v := i % c.visitors
	if c.mode == "api" {
		body := map[string]any{
			"visitor_id": fmt.Sprintf("%s%d", c.prefix, v), "message": "Load test message",
			"options": map[string]any{"override_frequency_cap": true},
		}
		h := map[string]string{"Authorization": "Bearer " + c.key, "X-Workspace-ID": c.workspace}
		if c.idem {
			h["Idempotency-Key"] = fmt.Sprintf("%s%d-%d", c.prefix, i, time.Now().UnixNano())
		}
		return post(client, c.pick()+"/v1/outbound/live-chat/message", h, body)
	}
	if c.mode == "fresh" {
		return post(client, c.pick()+"/v1/collect", nil, event(c, i, "page_view"))
	}
	typ := "heartbeat"
	if i%10 == 0 {
		typ = "page_view"
	}
	return post(client, c.pick()+"/v1/collect", nil, event(c, v, typ))
}

// pick is the server of a request: one of -url's at random.
func (c config) pick() string {
	bases := strings.Split(c.base, ",")
	if len(bases) == 1 {
		return bases[0]
	}
	return bases[rand.IntN(len(bases))]
}

func post(client *http.Client, url string, headers map[string]string, body any) bool {
	code := postFor(client, url, headers, body, nil)
	return code > 0 && code < 300
}

// postFor posts body, decodes the answer into answer when it is set, and
// returns the status (0: no answer).
func postFor(client *http.Client, url string, headers map[string]string, body, answer any) int {
	data, _ := json.Marshal(body)
	req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(data))
	req.Header.Set("Content-Type", "application/json")
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0
	}
	if answer != nil {
		json.NewDecoder(resp.Body).Decode(answer)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}
