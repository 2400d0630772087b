package boltstore

import (
	"context"
	"encoding/binary"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// ClaimVisitorToken records that a visitor was given its token, unless it
// was before. The record leaves with the visitor (deleteVisitor); one whose
// visitor never got any state leaves after the visitors' retention.
func (s *Store) ClaimVisitorToken(ctx context.Context, ws, visitorID string, at time.Time) (bool, error) {
	claimed := false
	err := s.update(ctx, func(tx *bolt.Tx) error {
		claimed = false // fn may run again if the shared transaction fails
		b, err := wbucket(tx, ws, bTokens)
		if err != nil || b.Get([]byte(visitorID)) != nil {
			return err
		}
		if err := b.Put([]byte(visitorID), binary.BigEndian.AppendUint64(nil, uint64(at.Unix()))); err != nil {
			return err
		}
		claimed = true
		return putExpiry(tx, ws, expToken, at, visitorID)
	})
	if err != nil {
		return false, fmt.Errorf("store: claim the token of visitor %s: %w", visitorID, err)
	}
	return claimed, nil
}

// deleteOrphanToken deletes a token record whose visitor has no state;
// a visitor's own record goes when the visitor does.
func deleteOrphanToken(tx *bolt.Tx, ws, id string, _ time.Time) (bool, error) {
	if v := bucket(tx, ws, bVisitors); v != nil && v.Get([]byte(id)) != nil {
		return false, nil
	}
	b := bucket(tx, ws, bTokens)
	if b == nil || b.Get([]byte(id)) == nil {
		return false, nil
	}
	return true, b.Delete([]byte(id))
}
