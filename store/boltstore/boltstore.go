// Package boltstore is the embedded Store: one bbolt file, written by one
// goroutine that gathers concurrent commits into one transaction and one
// disk sync (group commit). It is the only package that imports bbolt.
package boltstore

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/beckonhq/beckon/store"
)

// Options tunes a Store; zero fields take the defaults.
type Options struct {
	// NoSync skips the disk sync of each commit: for simulations and
	// tests whose file is thrown away, never for data that matters.
	NoSync bool
	// Timeout is how long Open waits for another process to release the
	// file (default 1s).
	Timeout time.Duration
}

// Store is a bbolt-backed store.Store.
type Store struct {
	db        *bolt.DB
	owner     string // the file naming the process that has the data file open
	removeDir string // set by OpenTemp: Close deletes it

	mu     sync.RWMutex // guards closed against sends on queue
	closed bool
	queue  chan *request
	done   chan struct{} // the writer has ended

	shared sharing
}

var _ store.Store = (*Store)(nil)

// maxGroup bounds how many commits share one transaction.
const maxGroup = 1024

// Open opens (creating it and its directory if needed) the data file at
// path. A file held by another process is reported with what is known of
// that process.
func Open(path string, opts Options) (*Store, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("store: create data directory: %w", err)
	}
	if opts.Timeout <= 0 {
		opts.Timeout = time.Second
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: opts.Timeout})
	if errors.Is(err, bolt.ErrTimeout) {
		return nil, inUse(path)
	}
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	db.NoSync = opts.NoSync
	if err := checkFormat(db); err != nil {
		db.Close()
		return nil, fmt.Errorf("store: %s: %w", path, err)
	}
	s := &Store{db: db, owner: path + ".owner", queue: make(chan *request, maxGroup), done: make(chan struct{})}
	writeOwner(s.owner)
	go s.writer()
	return s, nil
}

// OpenTemp opens a fresh, unsynced data file in a new temporary directory;
// Close removes it. The simulator and tests use it.
func OpenTemp() (*Store, error) {
	dir, err := os.MkdirTemp("", "beckon-*")
	if err != nil {
		return nil, fmt.Errorf("store: temp dir: %w", err)
	}
	s, err := Open(filepath.Join(dir, "beckon.db"), Options{NoSync: true})
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	s.removeDir = dir
	return s, nil
}

// writeOwner records which process holds the file, so that a second one
// can say so. It is only a hint: a failure to write it changes nothing.
func writeOwner(path string) {
	host, _ := os.Hostname()
	info := fmt.Sprintf("pid %d on %s, since %s\n", os.Getpid(), host, time.Now().UTC().Format(time.RFC3339))
	os.WriteFile(path, []byte(info), 0o600)
}

func inUse(path string) error {
	who := "another process"
	if b, err := os.ReadFile(path + ".owner"); err == nil && len(b) > 0 {
		who = "another process (" + strings.TrimSpace(string(b)) + ")"
	}
	return fmt.Errorf("store: the data file %s is in use by %s; stop it, or give this one another data directory (--data)", path, who)
}

// Path is the data file's location.
func (s *Store) Path() string { return s.db.Path() }

// Close waits for queued commits, then closes the file (and removes it if
// it came from OpenTemp).
func (s *Store) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	close(s.queue)
	s.mu.Unlock()
	<-s.done
	err := s.db.Close()
	if s.removeDir != "" {
		os.RemoveAll(s.removeDir)
	} else {
		os.Remove(s.owner)
	}
	return err
}

// request is one commit waiting for the writer.
type request struct {
	fn   func(tx *bolt.Tx) error
	err  error
	done chan error
}

// update runs fn in a write transaction shared with other commits and
// returns once that transaction is durable. fn may return a refusal (an
// error wrapping one of the store's errors) only before it writes
// anything; any other error fails the shared transaction, after which
// each commit is retried on its own, so fn may run more than once.
func (s *Store) update(ctx context.Context, fn func(tx *bolt.Tx) error) error {
	r := &request{fn: fn, done: make(chan error, 1)}
	s.mu.RLock()
	if s.closed {
		s.mu.RUnlock()
		return store.ErrClosed
	}
	select {
	case s.queue <- r:
	case <-ctx.Done():
		s.mu.RUnlock()
		return ctx.Err()
	}
	s.mu.RUnlock()
	return <-r.done
}

// writer commits queued requests in groups until the queue is closed.
func (s *Store) writer() {
	defer close(s.done)
	group := make([]*request, 0, maxGroup)
	for first := range s.queue {
		group = append(group[:0], first)
	gather:
		for len(group) < maxGroup {
			select {
			case r, ok := <-s.queue:
				if !ok {
					break gather
				}
				group = append(group, r)
			default:
				break gather
			}
		}
		s.commit(group)
	}
}

// commit runs a group in one transaction. When the transaction fails,
// each request is tried again alone, so one bad commit fails only itself.
func (s *Store) commit(group []*request) {
	err := s.db.Update(func(tx *bolt.Tx) error {
		for _, r := range group {
			r.err = r.fn(tx)
			if r.err != nil && !refusal(r.err) {
				return r.err
			}
		}
		return nil
	})
	if err != nil && len(group) > 1 {
		for _, r := range group {
			s.commit([]*request{r})
		}
		return
	}
	for _, r := range group {
		if err != nil {
			r.done <- fmt.Errorf("store: commit: %w", err)
		} else {
			r.done <- r.err
		}
	}
}

// refusal reports whether err is a refusal, which a request returns
// before it writes anything.
func refusal(err error) bool {
	return errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrOutboxFull) ||
		errors.Is(err, store.ErrDuplicate) || errors.Is(err, store.ErrConflict)
}

// view runs fn in a read-only transaction.
func (s *Store) view(fn func(tx *bolt.Tx) error) error {
	return s.db.View(fn)
}
