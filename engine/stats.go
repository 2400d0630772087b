package engine

import (
	"sync"
	"time"

	"github.com/beckonhq/beckon/rules"
)

// RuleStat counts what one rule did since the process started.
type RuleStat struct {
	Name     string    `json:"name"`
	Ready    int64     `json:"ready"` // evaluations at which it was ready to send
	Sent     int64     `json:"sent"`
	LastSent time.Time `json:"last_sent,omitzero"`
}

// ruleStats holds a rule set's counters; counts carry over a reload by name.
type ruleStats struct {
	mu    sync.Mutex
	stats []RuleStat
}

func newRuleStats(set *rules.Set, old *ruleStats) *ruleStats {
	prev := map[string]RuleStat{}
	if old != nil {
		for _, s := range old.snapshot() {
			prev[s.Name] = s
		}
	}
	rs := &ruleStats{stats: make([]RuleStat, len(set.Rules))}
	for i, r := range set.Rules {
		rs.stats[i] = prev[r.Name]
		rs.stats[i].Name = r.Name
	}
	return rs
}

func (rs *ruleStats) ready(i int) {
	rs.mu.Lock()
	rs.stats[i].Ready++
	rs.mu.Unlock()
}

func (rs *ruleStats) sent(i int, t time.Time) {
	rs.mu.Lock()
	rs.stats[i].Sent++
	rs.stats[i].LastSent = t
	rs.mu.Unlock()
}

func (rs *ruleStats) snapshot() []RuleStat {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	return append([]RuleStat(nil), rs.stats...)
}

// RuleStats returns the loaded rules' counters in rule order.
func (e *Engine) RuleStats() []RuleStat {
	return e.loaded.Load().stats.snapshot()
}
