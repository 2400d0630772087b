package server

import (
	"context"
	"time"

	"github.com/beckonhq/beckon/store"
)

// ping reads from the store, to tell whether it answers.
func (s *Server) ping() error {
	ws := ""
	if len(s.order) > 0 {
		ws = s.order[0].id
	}
	_, err := s.store.OutboxLen(ws)
	return err
}

// sweepLoop deletes what is past retention shortly after the start, then
// every Retention.SweepEvery, until ctx ends.
func (s *Server) sweepLoop(ctx context.Context) {
	defer s.background.Done()
	t := time.NewTimer(time.Minute)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		s.Sweep(ctx)
		t.Reset(s.cfg.Retention.SweepEvery)
	}
}

// Sweep deletes, in every workspace, the visitors, messages, counts and
// Idempotency-Key records past their retention, and logs what went.
func (s *Server) Sweep(ctx context.Context) {
	r := s.cfg.Retention.withDefaults()
	keep := store.Retention{Visitors: r.Visitors, Messages: r.Messages, Idempotency: idemTTL}
	for _, ws := range s.order {
		sw, err := s.store.Sweep(ctx, ws.id, s.clock.Now(), keep)
		if err != nil {
			ws.log.Error("retention sweep", "err", err)
			continue
		}
		if sw != (store.Swept{}) {
			ws.log.Info("retention sweep", "visitors", sw.Visitors, "sessions", sw.Sessions,
				"messages", sw.Messages, "idempotency_keys", sw.Idempotency, "counts", sw.Counts)
		}
	}
}
