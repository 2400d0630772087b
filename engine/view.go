package engine

import (
	"time"

	"github.com/beckonhq/beckon/scoring"
	"github.com/beckonhq/beckon/tracker"
)

// VisitorSnapshot is a copy of what the engine knows of a visitor at one
// time: its caller may keep and read it as it likes.
type VisitorSnapshot struct {
	tracker.Visitor
	Time         time.Time
	Status       string
	SessionEnded bool
	// Score is the engagement score at Time, with each signal's share.
	Score scoring.Score
}

// Visitor returns a copy of a visitor's state and its explained score at
// the clock's time, or ErrVisitorNotFound.
func (e *Engine) Visitor(id string) (*VisitorSnapshot, error) {
	var snap *VisitorSnapshot
	err := e.withVisitor(id, false, func(ent *entry) error {
		v := ent.v
		now := e.opts.Clock.Now()
		l := e.loaded.Load()
		sc := getScratch()
		defer putScratch(sc)
		snap = &VisitorSnapshot{Visitor: v.copyVisitor(), Time: now, Status: v.Status(now),
			SessionEnded: v.SessionEnded(now), Score: l.model.Explain(&sc.vm, v.env(sc, now, nil, l))}
		return nil
	})
	return snap, err
}
