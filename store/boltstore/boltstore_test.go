package boltstore

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/beckonhq/beckon/message"
	"github.com/beckonhq/beckon/store"
	"github.com/beckonhq/beckon/store/storetest"
	bolt "go.etcd.io/bbolt"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		s, err := Open(filepath.Join(t.TempDir(), "beckon.db"), Options{})
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

func open(t testing.TB, path string) *Store {
	t.Helper()
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

var ctx = context.Background()

func TestCommitsSurviveReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "d", "beckon.db")
	s := open(t, path)
	v := store.Visitor{ID: "v1", Version: 3, LastSeen: time.Now().UTC(), SessionID: "s1", Data: []byte("x")}
	if err := s.Commit(ctx, &store.Batch{Workspace: "ws", Visitors: []store.Visitor{v}}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s = open(t, path)
	defer s.Close()
	got, err := s.Visitor("ws", "v1")
	if err != nil || got.Version != 3 || string(got.Data) != "x" {
		t.Fatalf("after reopen: %+v, %v", got, err)
	}
	if err := s.Commit(ctx, &store.Batch{Workspace: "ws", Visitors: []store.Visitor{v}}); err != nil {
		t.Fatal(err)
	}
}

// A second process on the same file is told who holds it.
func TestSecondOpenSaysWhoHoldsTheFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "beckon.db")
	s := open(t, path)
	defer s.Close()
	_, err := Open(path, Options{Timeout: 50 * time.Millisecond})
	if err == nil {
		t.Fatal("opened a file another store holds")
	}
	want := fmt.Sprintf("store: the data file %s is in use by another process (pid %d on ", path, os.Getpid())
	if !strings.HasPrefix(err.Error(), want) || !strings.Contains(err.Error(), "another data directory (--data)") {
		t.Fatalf("err = %v\nwant it to start %q", err, want)
	}
}

func TestOldFormatIsRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "beckon.db")
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	db.Update(func(tx *bolt.Tx) error {
		b, _ := tx.CreateBucket([]byte("ws_demo"))
		return b.Put([]byte("k"), []byte("v"))
	})
	db.Close()
	if _, err := Open(path, Options{}); err == nil || !strings.Contains(err.Error(), "written by an older Beckon") {
		t.Fatalf("err = %v", err)
	}
}

// Compact gives deleted space back to the disk and keeps the data.
func TestCompact(t *testing.T) {
	path := filepath.Join(t.TempDir(), "beckon.db")
	s := open(t, path)
	old := time.Now().AddDate(0, 0, -60).UTC()
	for i := range 20 {
		var vs []store.Visitor
		for j := range 500 {
			vs = append(vs, store.Visitor{ID: fmt.Sprintf("v%d-%d", i, j), Version: 1, LastSeen: old, Data: make([]byte, 200)})
		}
		if err := s.Commit(ctx, &store.Batch{Workspace: "ws", Visitors: vs}); err != nil {
			t.Fatal(err)
		}
	}
	keep := store.Visitor{ID: "keep", Version: 1, LastSeen: time.Now().UTC(), Data: []byte("k")}
	s.Commit(ctx, &store.Batch{Workspace: "ws", Visitors: []store.Visitor{keep}})
	sw, err := s.Sweep(ctx, "ws", time.Now(), store.Retention{Visitors: 30 * 24 * time.Hour})
	if err != nil || sw.Visitors != 10000 {
		t.Fatalf("swept %+v, %v", sw, err)
	}
	if _, _, err := Compact(path); err == nil || !strings.Contains(err.Error(), "in use") {
		t.Fatalf("compact of an open file: %v", err)
	}
	s.Close()
	before, after, err := Compact(path)
	if err != nil {
		t.Fatal(err)
	}
	if after*2 > before {
		t.Errorf("compacted %d bytes to %d; want it at least halved", before, after)
	}
	s = open(t, path)
	defer s.Close()
	if v, err := s.Visitor("ws", "keep"); err != nil || string(v.Data) != "k" {
		t.Fatalf("after compact: %+v, %v", v, err)
	}
}

// BenchmarkSendCommit is the commit of one API send (the visitor's state
// and the message record, synced): one at a time, then from 100 senders
// at once, whose commits share disk syncs.
func BenchmarkSendCommit(b *testing.B) {
	for _, senders := range []int{1, 100} {
		b.Run(fmt.Sprintf("senders=%d", senders), func(b *testing.B) {
			s := open(b, filepath.Join(b.TempDir(), "beckon.db"))
			defer s.Close()
			var n atomic.Int64
			commit := func() {
				i := n.Add(1)
				id := fmt.Sprint("v", i)
				err := s.Commit(ctx, &store.Batch{Workspace: "ws",
					Visitors: []store.Visitor{{ID: id, Version: 1, LastSeen: time.Now(), Data: make([]byte, 600)}},
					Messages: []message.Record{{Message: message.Message{ID: fmt.Sprint("m", i), VisitorID: id, SessionID: "s" + id,
						Message: "hi"}, Status: message.StatusSent, SentAt: time.Now()}}})
				if err != nil {
					b.Error(err)
				}
			}
			if senders == 1 {
				for range b.N {
					commit()
				}
				return
			}
			var wg sync.WaitGroup
			per := (b.N + senders - 1) / senders
			for range senders {
				wg.Go(func() {
					for range per {
						commit()
					}
				})
			}
			wg.Wait()
		})
	}
}
