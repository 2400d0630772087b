package boltstore

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/beckonhq/beckon/store"
)

// Counts sums the per-rule counts of the hours from since's hour on.
func (s *Store) Counts(ws string, since time.Time) ([]store.Count, error) {
	type key struct{ rule, name string }
	sums := map[key]int64{}
	var order []key
	err := s.view(func(tx *bolt.Tx) error {
		b := bucket(tx, ws, bCounts)
		if b == nil {
			return nil
		}
		c := b.Cursor()
		var k, v []byte
		if since.IsZero() {
			k, v = c.First()
		} else {
			k, v = c.Seek(hourKey(since, "", "")[:8])
		}
		for ; k != nil; k, v = c.Next() {
			rule, name, ok := bytes.Cut(k[8:], []byte{0})
			if !ok || len(v) != 8 {
				continue
			}
			kk := key{string(rule), string(name)}
			if _, seen := sums[kk]; !seen {
				order = append(order, kk)
			}
			sums[kk] += int64(binary.BigEndian.Uint64(v))
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: counts of %s: %w", ws, err)
	}
	out := make([]store.Count, len(order))
	for i, k := range order {
		out[i] = store.Count{Rule: k.rule, Name: k.name, N: sums[k]}
	}
	return out, nil
}
