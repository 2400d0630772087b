package engine

import (
	"slices"
)

// Live returns the visitors in memory who are on the site at the clock's
// time (online or idle: heard within the presence timeout and not gone),
// the most recently heard first, at most limit of them. Visitors are in
// memory while they are active, so this is everyone on the site that
// this engine has heard.
func (e *Engine) Live(limit int) []*VisitorSnapshot {
	var ents []*entry
	for _, sh := range e.shards {
		sh.mu.Lock()
		for _, ent := range sh.entries {
			ents = append(ents, ent)
		}
		sh.mu.Unlock()
	}
	now := e.opts.Clock.Now()
	l := e.loaded.Load()
	sc := getScratch()
	defer putScratch(sc)
	var out []*VisitorSnapshot
	for _, ent := range ents {
		ent.mu.Lock()
		v := ent.v
		if !ent.gone && v != nil && v.Session.ID != "" && !v.SessionEnded(now) {
			if status := v.Status(now); status != "offline" {
				out = append(out, &VisitorSnapshot{Visitor: v.copyVisitor(), Time: now, Status: status,
					Score: l.model.Explain(&sc.vm, v.env(sc, now, nil, l))})
			}
		}
		ent.mu.Unlock()
	}
	slices.SortFunc(out, func(a, b *VisitorSnapshot) int { return b.LastHeard.Compare(a.LastHeard) })
	if len(out) > limit {
		out = out[:limit]
	}
	return out
}
