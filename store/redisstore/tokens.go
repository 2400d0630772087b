package redisstore

import (
	"context"
	"fmt"
	"strconv"
	"time"
)

// ClaimVisitorToken records that a visitor was given its token, unless it
// was before.
func (s *Store) ClaimVisitorToken(ctx context.Context, ws, visitorID string, at time.Time) (bool, error) {
	n, err := s.write(ctx, claimTokenScript, s.base(ws, s.part(visitorID)), visitorID,
		strconv.FormatInt(at.Unix(), 10), day(at), s.ttl[0]).AsInt64()
	if err != nil {
		return false, fmt.Errorf("store: claim the token of visitor %s: %w", visitorID, err)
	}
	return n == 1, nil
}
