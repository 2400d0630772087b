package pipeline

import (
	"context"
	"errors"
	"time"

	"github.com/beckonhq/beckon/store"
)

// scanLimit bounds how many due deliveries one pass reads per workspace;
// the rest wait for the next pass, which a finishing worker triggers.
const scanLimit = 64

type job struct {
	ws, key string
	d       Delivery
}

func (j job) slot() string { return j.ws + "\x00" + j.key }

// dispatch hands due deliveries to a fixed pool of workers. It alone tracks
// which entries are in flight, and it only forgets one after the worker's
// result is committed, so a scan can never pick up an entry twice.
func (p *Pipeline) dispatch(ctx context.Context) {
	defer p.workers.Done()
	jobs := make(chan job)
	finished := make(chan string, p.opt.Workers)
	for range p.opt.Workers {
		p.workers.Add(1)
		go p.work(ctx, jobs, finished)
	}
	defer close(jobs)
	inflight := map[string]bool{}
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case slot := <-finished:
			delete(inflight, slot)
		case <-p.wake:
		case <-timer.C:
		}
		wait, ok := p.sendDue(ctx, jobs, finished, inflight)
		if !ok {
			return
		}
		timer.Reset(wait)
	}
}

// sendDue hands every due, idle delivery to a worker and says how long to
// sleep: until the next due entry, at most PollInterval. The clock may be a
// simulated one, so the sleep is only a hint and PollInterval the backstop.
func (p *Pipeline) sendDue(ctx context.Context, jobs chan<- job, finished <-chan string, inflight map[string]bool) (time.Duration, bool) {
	now := p.opt.Clock()
	wait := p.opt.PollInterval
	for _, ws := range p.workspaces() {
		due, next, err := p.due(ws, now, inflight)
		if err != nil {
			p.log.Error("scan webhook outbox", "workspace", ws, "err", err)
			continue
		}
		if !next.IsZero() {
			wait = min(wait, next.Sub(now))
		}
		for _, j := range due {
			if !handOut(ctx, j, jobs, finished, inflight) {
				return 0, false
			}
		}
	}
	return max(wait, time.Millisecond), true
}

func handOut(ctx context.Context, j job, jobs chan<- job, finished <-chan string, inflight map[string]bool) bool {
	for {
		select {
		case jobs <- j:
			inflight[j.slot()] = true
			return true
		case slot := <-finished:
			delete(inflight, slot)
		case <-ctx.Done():
			return false
		}
	}
}

// due reads up to scanLimit deliveries due by now that are not in flight,
// and the due time of the first one that is not due yet.
func (p *Pipeline) due(ws string, now time.Time, inflight map[string]bool) ([]job, time.Time, error) {
	if p.shared {
		return p.claim(ws, now, inflight)
	}
	ds, next, err := p.store.DueDeliveries(ws, now, scanLimit, func(d *store.Delivery) bool {
		return inflight[ws+"\x00"+d.Key]
	})
	out := make([]job, len(ds))
	for i, d := range ds {
		out[i] = job{ws: ws, key: d.Key, d: d}
	}
	return out, next, err
}

// claim claims as many due deliveries as there are idle workers, so that
// none waits claimed behind a busy worker.
func (p *Pipeline) claim(ws string, now time.Time, inflight map[string]bool) ([]job, time.Time, error) {
	free := p.opt.Workers - len(inflight)
	if free <= 0 {
		return nil, time.Time{}, nil
	}
	ds, next, err := p.store.ClaimDeliveries(context.Background(), ws, now, p.claimLease(), free)
	out := make([]job, 0, len(ds))
	for _, d := range ds {
		if !inflight[ws+"\x00"+d.Key] {
			out = append(out, job{ws: ws, key: d.Key, d: d})
		}
	}
	return out, next, err
}

func (p *Pipeline) work(ctx context.Context, jobs <-chan job, finished chan<- string) {
	defer p.workers.Done()
	for j := range jobs {
		p.attempt(ctx, j)
		select {
		case finished <- j.slot():
		case <-ctx.Done():
		}
	}
}

// attempt sends one delivery and records the outcome. An attempt cut short by
// Close is not recorded: the entry stays as it was for the next Pipeline.
func (p *Pipeline) attempt(ctx context.Context, j job) {
	err := errEndpointGone
	if h, ok := p.endpoint(j.ws, j.d.URL); ok {
		err = p.post(ctx, h.Secret, &j.d)
	}
	if ctx.Err() != nil {
		return
	}
	p.record(j, err)
}

func (p *Pipeline) endpoint(ws, url string) (Webhook, bool) {
	for _, h := range p.webhooks(ws) {
		if h.URL == url {
			return h, true
		}
	}
	return Webhook{}, false
}

func (p *Pipeline) record(j job, sendErr error) {
	now := p.opt.Clock()
	d := j.d
	d.Attempts++
	log := p.log.With("workspace", j.ws, "delivery", d.ID, "event_id", d.EventID, "event", d.Event, "url", d.URL, "attempt", d.Attempts)
	var err error
	ctx := context.Background()
	switch {
	case sendErr == nil:
		err = p.store.Delivered(ctx, j.ws, &d)
		log.Debug("webhook delivered")
	case errors.Is(sendErr, errEndpointGone) || !now.Before(d.Created.Add(p.opt.MaxAge)):
		d.LastError, d.GaveUp = sendErr.Error(), &now
		err = p.store.GiveUp(ctx, j.ws, &d, p.opt.MaxDeadLetters)
		log.Error("webhook given up", "err", sendErr)
	default:
		d.LastError = sendErr.Error()
		d.Due = p.retryAt(&d, now)
		err = p.store.Retry(ctx, j.ws, &d)
		log.Warn("webhook attempt failed", "err", sendErr, "retry_at", d.Due)
	}
	if err != nil {
		log.Error("record webhook attempt", "err", err)
	}
}

// retryAt doubles the delay from MinBackoff up to MaxBackoff, spreads it by
// ±jitter, and never goes past the give-up time, so the last try happens at
// the deadline.
func (p *Pipeline) retryAt(d *Delivery, now time.Time) time.Time {
	delay := p.opt.MinBackoff
	for i := 1; i < d.Attempts && delay < p.opt.MaxBackoff; i++ {
		delay *= 2
	}
	delay = min(delay, p.opt.MaxBackoff)
	delay = time.Duration(float64(delay) * (1 + jitter*(2*p.random()-1)))
	return minTime(now.Add(delay), d.Created.Add(p.opt.MaxAge))
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}
