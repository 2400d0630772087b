package engine

import (
	"container/heap"
	"errors"
	"sync"
	"time"

	"github.com/expr-lang/expr/vm"

	"github.com/beckonhq/beckon/store"
)

// shard holds a slice of the visitors, with their wakeups and an expr VM.
// One mutex serializes everything in it; visitors hash to shards.
type shard struct {
	mu       sync.Mutex
	visitors map[string]*visitorState
	wakeups  wakeHeap
	dirty    map[string]bool
	vm       vm.VM
	cands    []int // scratch for evaluate: rules that may send
	list     []int // scratch for evaluate: rules to run
}

func newShard() *shard {
	return &shard{visitors: map[string]*visitorState{}, dirty: map[string]bool{}}
}

// wake is one scheduled evaluation. Entries go stale when a visitor's
// wakeup is taken or its session ends; the visitor's own list decides.
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

// visitor returns the in-memory state, loading it from the store, or nil
// when create is false and the visitor is unknown. Call with sh.mu held.
func (e *Engine) visitor(sh *shard, id string, create bool) (*visitorState, error) {
	if v, ok := sh.visitors[id]; ok {
		return v, nil
	}
	data, err := e.opts.DB.Get(e.bucket("visitors"), id)
	switch {
	case err == nil:
		v, err := unmarshalVisitor(data)
		if err != nil {
			return nil, wrap("decode visitor "+id, err)
		}
		e.adopt(sh, v)
		return v, nil
	case !errors.Is(err, store.ErrNotFound):
		return nil, wrap("load visitor "+id, err)
	case !create:
		return nil, nil
	}
	v := &visitorState{}
	v.ID = id
	sh.visitors[id] = v
	return v, nil
}

// adopt puts a loaded visitor in memory and queues its wakeups.
func (e *Engine) adopt(sh *shard, v *visitorState) {
	sh.visitors[v.ID] = v
	if v.Session.ID != "" {
		e.sessions.Store(v.Session.ID, v.ID)
	}
	for _, t := range v.Wakeups {
		heap.Push(&sh.wakeups, wake{at: t, visitor: v.ID})
	}
}

// restore loads the visitors that still have wakeups or a live session.
func (e *Engine) restore() error {
	now := e.opts.Clock.Now()
	return e.opts.DB.View(func(tx *store.Tx) error {
		return tx.Scan(e.bucket("visitors"), "", func(key string, data []byte) (bool, error) {
			v, err := unmarshalVisitor(data)
			if err != nil {
				e.log.Error("engine: skip unreadable visitor record", "visitor", key, "err", err)
				return true, nil
			}
			if len(v.Wakeups) > 0 || !v.SessionEnded(now) {
				e.adopt(e.shardFor(v.ID), v)
			}
			return true, nil
		})
	})
}

// schedule records a wakeup for v at t. Call with sh.mu held.
func (e *Engine) schedule(sh *shard, v *visitorState, t time.Time) {
	if !v.addWakeup(t) {
		return
	}
	heap.Push(&sh.wakeups, wake{at: t, visitor: v.ID})
	e.wakeSoon()
}

// Flush writes every changed visitor in one commit.
func (e *Engine) Flush() error {
	records := map[string][]byte{}
	sessions := map[string]string{}
	for _, sh := range e.shards {
		sh.mu.Lock()
		for id := range sh.dirty {
			v := sh.visitors[id]
			data, err := v.marshal()
			if err != nil {
				sh.mu.Unlock()
				return wrap("encode visitor "+id, err)
			}
			records[id] = data
			if v.Session.ID != "" {
				sessions[v.Session.ID] = id
			}
		}
		clear(sh.dirty)
		sh.mu.Unlock()
	}
	if len(records) == 0 {
		return nil
	}
	return wrap("flush", e.opts.DB.Update(func(tx *store.Tx) error {
		for id, data := range records {
			if err := tx.Put(e.bucket("visitors"), id, data); err != nil {
				return err
			}
		}
		for sid, id := range sessions {
			if err := tx.Put(e.bucket("sessions"), sid, []byte(id)); err != nil {
				return err
			}
		}
		return nil
	}))
}

// evict drops from memory the visitors whose session is over, who wait for
// nothing and whose state is already stored.
func (e *Engine) evict() {
	now := e.opts.Clock.Now()
	for _, sh := range e.shards {
		sh.mu.Lock()
		for id, v := range sh.visitors {
			if !sh.dirty[id] && len(v.Wakeups) == 0 && v.SessionEnded(now) {
				delete(sh.visitors, id)
				e.sessions.Delete(v.Session.ID) // the store's sessions bucket still knows it
			}
		}
		sh.mu.Unlock()
	}
}
