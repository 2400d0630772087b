package engine

import (
	"hash/fnv"
	"sync"
	"time"

	"github.com/beckonhq/beckon/store"
)

// Visitors in memory. A shard's mutex guards its map, its recently-used
// list, its list of changed visitors and its wakeup heap; each visitor has
// its own mutex, held for the whole of one read-modify-write (an event, a
// wakeup, an API send), so one visitor's sends may wait for their commit
// without holding up any other visitor. Lock order: a visitor's mutex,
// then its shard's; the shard's is never held while waiting for a
// visitor's (only TryLock).
type shard struct {
	mu      sync.Mutex
	entries map[string]*entry
	head    *entry // most recently used
	tail    *entry
	dirty   []*entry // changed since their last commit was taken
	wakeups wakeHeap
}

// entry is one visitor's place in memory.
type entry struct {
	id string
	sh *shard

	mu sync.Mutex
	v  *visitorState // nil until loaded
	// gone: evicted or never found; whoever holds a pointer looks again.
	gone bool
	// version counts changes; saved is the newest version committed.
	version, saved uint64
	queued         bool // in sh.dirty
	// storedHeard is the visitor's last event as of the latest snapshot.
	storedHeard time.Time
	// counts waits, in shared mode, for the visitor's next commit.
	counts []store.Count

	// Guarded by sh.mu.
	prev, next *entry
	used       time.Time
}

func newShard() *shard { return &shard{entries: map[string]*entry{}} }

func (e *Engine) shardFor(visitorID string) *shard {
	h := fnv.New32a()
	h.Write([]byte(visitorID))
	return e.shards[h.Sum32()%uint32(len(e.shards))]
}

// acquire returns the visitor's entry, making an empty one if it has
// none, and marks it used.
func (sh *shard) acquire(id string, now time.Time) *entry {
	sh.mu.Lock()
	defer sh.mu.Unlock()
	ent := sh.entries[id]
	if ent == nil {
		ent = &entry{id: id, sh: sh}
		sh.entries[id] = ent
	} else {
		sh.unlink(ent)
	}
	ent.used = now
	sh.pushFront(ent)
	return ent
}

// peek returns the visitor's entry if it is in memory.
func (sh *shard) peek(id string) *entry {
	sh.mu.Lock()
	defer sh.mu.Unlock()
	return sh.entries[id]
}

// forget removes ent from memory. Call with sh.mu held.
func (sh *shard) forget(ent *entry) {
	if sh.entries[ent.id] == ent {
		delete(sh.entries, ent.id)
		sh.unlink(ent)
	}
}

func (sh *shard) pushFront(ent *entry) {
	ent.prev, ent.next = nil, sh.head
	if sh.head != nil {
		sh.head.prev = ent
	}
	sh.head = ent
	if sh.tail == nil {
		sh.tail = ent
	}
}

func (sh *shard) unlink(ent *entry) {
	if ent.prev != nil {
		ent.prev.next = ent.next
	} else if sh.head == ent {
		sh.head = ent.next
	}
	if ent.next != nil {
		ent.next.prev = ent.prev
	} else if sh.tail == ent {
		sh.tail = ent.prev
	}
	ent.prev, ent.next = nil, nil
}

// withVisitor runs fn with the visitor locked and loaded: read from the
// store when it is not in memory, or made new when create is set (else
// ErrVisitorNotFound). It is the one way in to a visitor's state.
func (e *Engine) withVisitor(id string, create bool, fn func(*entry) error) error {
	if e.shared {
		return e.withShared(id, create, fn)
	}
	for {
		sh := e.shardFor(id)
		ent := sh.acquire(id, e.opts.Clock.Now())
		ent.mu.Lock()
		if ent.gone {
			ent.mu.Unlock()
			continue
		}
		if ent.v == nil {
			if err := e.refresh(ent, create); err != nil {
				ent.gone = true
				sh.mu.Lock()
				sh.forget(ent)
				sh.mu.Unlock()
				ent.mu.Unlock()
				return err
			}
		}
		err := fn(ent)
		ent.mu.Unlock()
		return err
	}
}

// withLoaded runs fn on a visitor only if it is in memory.
func (e *Engine) withLoaded(id string, fn func(*entry)) {
	ent := e.shardFor(id).peek(id)
	if ent == nil {
		return
	}
	ent.mu.Lock()
	defer ent.mu.Unlock()
	if !ent.gone && ent.v != nil {
		fn(ent)
	}
}

// adopt makes v, stored at version, ent's state and queues its wakeups.
// Call with ent.mu held.
func (e *Engine) adopt(ent *entry, v *visitorState, version uint64) {
	ent.v, ent.version, ent.saved, ent.storedHeard = v, version, version, v.LastHeard
	if v.Session.ID != "" {
		e.sessions.Store(v.Session.ID, v.ID)
	}
	if e.shared {
		return // the store's timer index holds the wakeups
	}
	for _, t := range v.Wakeups {
		e.pushWake(ent.sh, t, v.ID)
	}
}

// changed records that ent's state changed: its version grows and it
// waits for the next group commit. Call with ent.mu held.
func (e *Engine) changed(ent *entry) {
	ent.version++
	if ent.queued || e.shared {
		return
	}
	ent.queued = true
	ent.sh.mu.Lock()
	ent.sh.dirty = append(ent.sh.dirty, ent)
	ent.sh.mu.Unlock()
}
