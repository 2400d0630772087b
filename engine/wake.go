package engine

import (
	"container/heap"
	"context"
	"sync"
	"time"
)

// wake is one scheduled evaluation. Entries go stale when a visitor's
// wakeup is taken by an event or its session ends; the visitor's own list
// decides.
type wake struct {
	at      time.Time
	visitor string
}

type wakeHeap []wake

func (h wakeHeap) Len() int           { return len(h) }
func (h wakeHeap) Less(i, j int) bool { return h[i].at.Before(h[j].at) }
func (h wakeHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *wakeHeap) Push(x any)        { *h = append(*h, x.(wake)) }
func (h *wakeHeap) Pop() any {
	old := *h
	w := old[len(old)-1]
	*h = old[:len(old)-1]
	return w
}

func (e *Engine) pushWake(sh *shard, t time.Time, visitor string) {
	sh.mu.Lock()
	heap.Push(&sh.wakeups, wake{at: t, visitor: visitor})
	sh.mu.Unlock()
}

// schedule records a wakeup for ent's visitor at t. Call with ent.mu held.
func (e *Engine) schedule(ent *entry, t time.Time) {
	if !ent.v.addWakeup(t) {
		return
	}
	ent.v.moves++
	if e.shared {
		e.noteWakeup(t)
		return
	}
	e.pushWake(ent.sh, t, ent.id)
	e.wakeSoon()
}

// runWakeups evaluates the visitor's wakeups due before t (or at t too,
// when through is set), in time order, including any they schedule. Call
// with ent.mu held.
func (e *Engine) runWakeups(ent *entry, t time.Time, through bool) {
	v := ent.v
	for len(v.Wakeups) > 0 && (v.Wakeups[0].Before(t) || through && v.Wakeups[0].Equal(t)) {
		w := v.Wakeups[0]
		v.takeWakeup(w)
		e.wakeup(ent, w)
	}
}

// wakeup evaluates ent's visitor at w: unless its session has ended (then
// all its wakeups are dropped) or an evaluation already happened at w.
func (e *Engine) wakeup(ent *entry, w time.Time) {
	v := ent.v
	e.changed(ent)
	if v.SessionEnded(w) {
		v.Wakeups = v.Wakeups[:0]
		return
	}
	if v.LastEval.Equal(w) {
		return
	}
	if _, err := e.evaluate(ent, w, nil); err != nil {
		e.log.Error("engine: wakeup", "visitor", v.ID, "at", w, "err", err)
	}
}

// RunDue evaluates every wakeup due at or before now, each visitor's in
// time order, including wakeups those evaluations schedule.
func (e *Engine) RunDue(now time.Time) { e.runDue(now, 1) }

// runDue is RunDue with up to workers visitors at once, so that sends of
// many overdue timers share group commits.
func (e *Engine) runDue(now time.Time, workers int) {
	if e.shared {
		e.runClaimed(now, workers)
		return
	}
	for {
		due := e.popDue(now)
		if len(due) == 0 {
			return
		}
		fire := func(id string) {
			e.withLoaded(id, func(ent *entry) { e.runWakeups(ent, now, true) })
		}
		if workers <= 1 {
			for _, id := range due {
				fire(id)
			}
			continue
		}
		var wg sync.WaitGroup
		sem := make(chan struct{}, workers)
		for _, id := range due {
			sem <- struct{}{}
			wg.Go(func() {
				defer func() { <-sem }()
				fire(id)
			})
		}
		wg.Wait()
	}
}

// popDue takes every heap entry due by now, and returns their visitors,
// each once, in due order.
func (e *Engine) popDue(now time.Time) []string {
	var out []string
	seen := map[string]bool{}
	for _, sh := range e.shards {
		sh.mu.Lock()
		for len(sh.wakeups) > 0 && !sh.wakeups[0].at.After(now) {
			w := heap.Pop(&sh.wakeups).(wake)
			if !seen[w.visitor] {
				seen[w.visitor] = true
				out = append(out, w.visitor)
			}
		}
		sh.mu.Unlock()
	}
	return out
}

// NextWakeup returns the earliest scheduled wakeup, if any.
func (e *Engine) NextWakeup() (time.Time, bool) {
	var next time.Time
	for _, sh := range e.shards {
		sh.mu.Lock()
		if len(sh.wakeups) > 0 && (next.IsZero() || sh.wakeups[0].at.Before(next)) {
			next = sh.wakeups[0].at
		}
		sh.mu.Unlock()
	}
	return next, !next.IsZero()
}

// wakeWorkers bounds the visitors whose due wakeups run at once.
const wakeWorkers = 16

func (e *Engine) wakeLoop(ctx context.Context) {
	defer e.wg.Done()
	timer := time.NewTimer(time.Second)
	defer timer.Stop()
	for {
		wait := time.Second
		if next, ok := e.NextWakeup(); ok {
			wait = min(wait, max(next.Sub(e.opts.Clock.Now()), 0))
		}
		timer.Reset(wait)
		select {
		case <-ctx.Done():
			return
		case <-e.kick:
		case <-timer.C:
			e.runDue(e.opts.Clock.Now(), wakeWorkers)
		}
	}
}

func (e *Engine) wakeSoon() {
	select {
	case e.kick <- struct{}{}:
	default:
	}
}
