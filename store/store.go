// Package store owns Beckon's bbolt file: it is the only package that opens
// it. Callers name a bucket path (for example "ws_demo", "visitors") and store
// opaque values; the shapes of those values belong to the callers. Reads copy
// bytes out before the transaction ends, so nothing a caller holds points into
// the memory map.
package store

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	bolt "go.etcd.io/bbolt"
)

// ErrNotFound is returned by Get when the key is absent.
var ErrNotFound = errors.New("store: not found")

// DB is an open Beckon data file.
type DB struct {
	bolt      *bolt.DB
	removeDir string // set by OpenTemp: Close deletes it
}

// Open opens (creating if needed) the data file at path. Its directory is
// created too.
func Open(path string) (*DB, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("store: create data directory: %w", err)
	}
	b, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: 2 * time.Second})
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	return &DB{bolt: b}, nil
}

// OpenTemp opens a fresh data file in a new temporary directory; Close
// removes it. The simulator and tests use it.
func OpenTemp() (*DB, error) {
	dir, err := os.MkdirTemp("", "beckon-*")
	if err != nil {
		return nil, fmt.Errorf("store: temp dir: %w", err)
	}
	db, err := Open(filepath.Join(dir, "beckon.db"))
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	db.bolt.NoSync = true
	db.removeDir = dir
	return db, nil
}

// Path is the file's location.
func (db *DB) Path() string { return db.bolt.Path() }

// Close closes the file (and removes it if it came from OpenTemp).
func (db *DB) Close() error {
	err := db.bolt.Close()
	if db.removeDir != "" {
		os.RemoveAll(db.removeDir)
	}
	return err
}

// Update runs fn in one read-write transaction, committed (and synced) when
// fn returns nil.
func (db *DB) Update(fn func(*Tx) error) error {
	return db.bolt.Update(func(t *bolt.Tx) error { return fn(&Tx{t: t}) })
}

// Batch is Update for many concurrent callers: calls arriving together share
// one commit. fn may run more than once, so it must only write.
func (db *DB) Batch(fn func(*Tx) error) error {
	return db.bolt.Batch(func(t *bolt.Tx) error { return fn(&Tx{t: t}) })
}

// View runs fn in a read-only transaction.
func (db *DB) View(fn func(*Tx) error) error {
	return db.bolt.View(func(t *bolt.Tx) error { return fn(&Tx{t: t}) })
}

// Get is a one-read View.
func (db *DB) Get(path []string, key string) ([]byte, error) {
	var out []byte
	err := db.View(func(tx *Tx) error {
		v, err := tx.Get(path, key)
		out = v
		return err
	})
	return out, err
}

// Tx is a transaction over bucket paths.
type Tx struct {
	t *bolt.Tx
}

func (tx *Tx) bucket(path []string, create bool) (*bolt.Bucket, error) {
	if len(path) == 0 {
		return nil, errors.New("store: empty bucket path")
	}
	var b *bolt.Bucket
	for i, name := range path {
		var next *bolt.Bucket
		var err error
		switch {
		case i == 0 && create:
			next, err = tx.t.CreateBucketIfNotExists([]byte(name))
		case i == 0:
			next = tx.t.Bucket([]byte(name))
		case create:
			next, err = b.CreateBucketIfNotExists([]byte(name))
		default:
			next = b.Bucket([]byte(name))
		}
		if err != nil {
			return nil, fmt.Errorf("store: bucket %v: %w", path[:i+1], err)
		}
		if next == nil {
			return nil, nil
		}
		b = next
	}
	return b, nil
}

// Put stores value under key in the bucket at path, creating the buckets.
func (tx *Tx) Put(path []string, key string, value []byte) error {
	b, err := tx.bucket(path, true)
	if err != nil {
		return err
	}
	if err := b.Put([]byte(key), value); err != nil {
		return fmt.Errorf("store: put %v/%s: %w", path, key, err)
	}
	return nil
}

// Get returns a copy of the value under key, or ErrNotFound.
func (tx *Tx) Get(path []string, key string) ([]byte, error) {
	b, err := tx.bucket(path, false)
	if err != nil {
		return nil, err
	}
	if b == nil {
		return nil, ErrNotFound
	}
	v := b.Get([]byte(key))
	if v == nil {
		return nil, ErrNotFound
	}
	return append([]byte(nil), v...), nil
}

// Delete removes key; a missing key or bucket is not an error.
func (tx *Tx) Delete(path []string, key string) error {
	b, err := tx.bucket(path, false)
	if err != nil || b == nil {
		return err
	}
	if err := b.Delete([]byte(key)); err != nil {
		return fmt.Errorf("store: delete %v/%s: %w", path, key, err)
	}
	return nil
}

// Scan calls fn for each key from start (inclusive) in key order until fn
// returns false or an error. The slices are only valid during fn; copy them
// to keep them.
func (tx *Tx) Scan(path []string, start string, fn func(key string, value []byte) (bool, error)) error {
	b, err := tx.bucket(path, false)
	if err != nil || b == nil {
		return err
	}
	c := b.Cursor()
	var k, v []byte
	if start == "" {
		k, v = c.First()
	} else {
		k, v = c.Seek([]byte(start))
	}
	for ; k != nil; k, v = c.Next() {
		if v == nil { // nested bucket
			continue
		}
		more, err := fn(string(k), v)
		if err != nil || !more {
			return err
		}
	}
	return nil
}

// NextSequence returns the bucket's next sequence number.
func (tx *Tx) NextSequence(path []string) (uint64, error) {
	b, err := tx.bucket(path, true)
	if err != nil {
		return 0, err
	}
	return b.NextSequence()
}
