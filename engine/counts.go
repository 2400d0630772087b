package engine

import (
	"sync"
	"time"

	"github.com/beckonhq/beckon/funnel"
	"github.com/beckonhq/beckon/store"
)

// The funnel's reasons, by block.
const (
	reasonSchedule = iota
	reasonFrequency
	reasonCooldown
	reasonPresence
	reasonCap
	reasonMinWait
	reasonQuiet
	reasonDisabled
)

// suppressedName is each reason's count name, made once: counting runs at
// every evaluation.
var suppressedName = func() []string {
	out := make([]string, len(funnel.Reasons))
	for i, r := range funnel.Reasons {
		out[i] = funnel.Suppressed(r)
	}
	return out
}()

// blockReasons pairs each block with its reason.
var blockReasons = [...]struct {
	b      block
	reason int
}{
	{blockSchedule, reasonSchedule}, {blockFrequency, reasonFrequency}, {blockCooldown, reasonCooldown},
	{blockPresence, reasonPresence}, {blockCap, reasonCap}, {blockMinWait, reasonMinWait}, {blockQuiet, reasonQuiet},
}

// RuleStat counts what one rule did; the counts are stored, so they
// survive restarts.
type RuleStat struct {
	Name  string
	Ready int64
	Sent  int64
	// LastSent is the time of this process's last send of the rule.
	LastSent time.Time
}

type countKey struct {
	rule, name string
	hour       time.Time
}

// counter gathers rule counts in memory until a flush commits them, and
// keeps running totals for reading.
type counter struct {
	mu       sync.Mutex
	pending  map[countKey]int64
	totals   map[string]map[string]int64 // rule → name → n
	lastSent map[string]time.Time
	// committing is held by a flush while its counts are neither pending
	// nor stored, and by readers, so that a read sees each count once.
	committing sync.RWMutex
}

func newCounter(stored []store.Count) *counter {
	c := &counter{pending: map[countKey]int64{}, totals: map[string]map[string]int64{}, lastSent: map[string]time.Time{}}
	for _, s := range stored {
		c.total(s.Rule)[s.Name] += s.N
	}
	return c
}

// total returns the rule's totals. Call with c.mu held.
func (c *counter) total(rule string) map[string]int64 {
	t := c.totals[rule]
	if t == nil {
		t = map[string]int64{}
		c.totals[rule] = t
	}
	return t
}

func (c *counter) add(rule, name string, at time.Time) {
	c.mu.Lock()
	c.pending[countKey{rule, name, at.Truncate(time.Hour)}]++
	c.total(rule)[name]++
	if name == funnel.Sent {
		c.lastSent[rule] = at
	}
	c.mu.Unlock()
}

// suppressed counts each reason of b.
func (c *counter) suppressed(rule string, b block, at time.Time) {
	for _, br := range blockReasons {
		if b&br.b != 0 {
			c.add(rule, suppressedName[br.reason], at)
		}
	}
}

// count adds one of name to a rule's count. In shared mode it waits for
// the visitor's next commit, so an evaluation redone after a conflict
// counts once; else for the next group commit.
func (e *Engine) count(ent *entry, rule, name string, at time.Time) {
	if !e.shared {
		e.counts.add(rule, name, at)
		return
	}
	ent.counts = append(ent.counts, store.Count{Rule: rule, Name: name, Hour: at.Truncate(time.Hour), N: 1})
}

// suppressed counts each reason of b, as count does.
func (e *Engine) suppressed(ent *entry, rule string, b block, at time.Time) {
	if !e.shared {
		e.counts.suppressed(rule, b, at)
		return
	}
	for _, br := range blockReasons {
		if b&br.b != 0 {
			e.count(ent, rule, suppressedName[br.reason], at)
		}
	}
}

// committed notes counts that a visitor's commit wrote.
func (c *counter) committed(counts []store.Count) {
	c.mu.Lock()
	for _, s := range counts {
		c.total(s.Rule)[s.Name] += s.N
	}
	c.mu.Unlock()
}

// sentAt notes the time of a rule's send (shared mode: the count itself
// went with the send's commit).
func (c *counter) sentAt(rule string, at time.Time) {
	c.mu.Lock()
	c.lastSent[rule] = at
	c.mu.Unlock()
}

// take returns the pending counts and forgets them.
func (c *counter) take() []store.Count {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.pending) == 0 {
		return nil
	}
	out := make([]store.Count, 0, len(c.pending))
	for k, n := range c.pending {
		out = append(out, store.Count{Rule: k.rule, Name: k.name, Hour: k.hour, N: n})
	}
	clear(c.pending)
	return out
}

// giveBack returns counts whose commit failed to the pending ones.
func (c *counter) giveBack(counts []store.Count) {
	c.mu.Lock()
	for _, s := range counts {
		c.pending[countKey{s.Rule, s.Name, s.Hour}] += s.N
	}
	c.mu.Unlock()
}

// RuleStats returns the loaded rules' counts, in rule order. In shared
// mode they are read from the store, where every process adds its own.
func (e *Engine) RuleStats() []RuleStat {
	set := e.loaded.Load().set
	c := e.counts
	var stored map[string]map[string]int64
	if e.shared {
		stored = e.storedCounts()
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	totals := c.totals
	if stored != nil {
		totals = stored
	}
	out := make([]RuleStat, len(set.Rules))
	for i, r := range set.Rules {
		t := totals[r.Name]
		out[i] = RuleStat{Name: r.Name, Ready: t[funnel.Ready], Sent: t[funnel.Sent], LastSent: c.lastSent[r.Name]}
	}
	return out
}

// Counts sums the workspace's rule counts from since's hour on (zero:
// all), one per rule and name: those stored, by this engine and by the
// pipeline, and this engine's not yet committed.
func (e *Engine) Counts(since time.Time) ([]store.Count, error) {
	c := e.counts
	c.committing.RLock()
	defer c.committing.RUnlock()
	stored, err := e.store.Counts(e.ws, since)
	if err != nil {
		return nil, wrap("read rule counts", err)
	}
	from := since.Truncate(time.Hour)
	c.mu.Lock()
	defer c.mu.Unlock()
	for k, n := range c.pending {
		if !since.IsZero() && k.hour.Before(from) {
			continue
		}
		stored = append(stored, store.Count{Rule: k.rule, Name: k.name, Hour: k.hour, N: n})
	}
	return stored, nil
}

// storedCounts reads every rule's counts from the store; nil when it
// cannot (this process's own totals stand in).
func (e *Engine) storedCounts() map[string]map[string]int64 {
	counts, err := e.store.Counts(e.ws, time.Time{})
	if err != nil {
		e.log.Error("engine: read rule counts", "err", err)
		return nil
	}
	out := map[string]map[string]int64{}
	for _, s := range counts {
		if out[s.Rule] == nil {
			out[s.Rule] = map[string]int64{}
		}
		out[s.Rule][s.Name] += s.N
	}
	return out
}
