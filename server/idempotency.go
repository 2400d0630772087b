package server

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"sync"

	"github.com/beckonhq/beckon/message"
	"github.com/beckonhq/beckon/store"
)

// Idempotency-Key: a workspace's keys are kept in the store for idemTTL.
// The record is first written in the same commit as the message it sent
// (so a crash cannot leave a sent message without its key), then
// completed with the answer's status and body. A retry with the same key
// and the same request gets that answer back and sends nothing; a retry
// with another request is refused. Failed requests are not recorded: they
// sent nothing, and may be retried. The first write claims the key in the
// store, so that two processes sharing it never both send for one key:
// the one whose claim is refused answers as a retry would.
const (
	idemTTL    = store.IdempotencyWindow
	maxIdemKey = 255
)

// statusClaimed is what a send answers, inside this package, when another
// request claimed its Idempotency-Key first.
const statusClaimed = -1

// stageFunc adds to a message's commit.
type stageFunc = func(*store.Batch, *message.Message)

// idempotent runs send once per Idempotency-Key and writes the answer, the
// first one again for a retry. Requests without the header just run.
func (s *Server) idempotent(w http.ResponseWriter, r *http.Request, ws *workspace, req any, send func(stageFunc) (int, []byte)) {
	key := r.Header.Get("Idempotency-Key")
	if key == "" {
		status, body := send(nil)
		writeBody(w, status, body)
		return
	}
	if len(key) > maxIdemKey || !printableASCII(key) {
		s.fail(w, r, errInvalid("Idempotency-Key", "must be 1-%d printable ASCII characters", maxIdemKey))
		return
	}
	hash := requestHash(req)
	unlock := ws.idem.lock(key) // a concurrent retry waits for the first to finish
	rec, err := ws.idemRecord(key)
	if err != nil || rec != nil {
		unlock()
		if err != nil {
			s.fail(w, r, err)
		} else {
			s.replay(w, r, ws, rec, hash)
		}
		return
	}
	first := store.Idempotency{Key: key, RequestHash: hash, Created: s.clock.Now().UTC()}
	status, body := send(func(b *store.Batch, m *message.Message) {
		first.MessageID, first.VisitorID = m.ID, m.VisitorID
		b.Idempotency = append(b.Idempotency, first)
	})
	if status == statusClaimed {
		unlock()
		s.replayClaimed(w, r, ws, key, hash)
		return
	}
	writeBody(w, status, body)
	if status != http.StatusOK {
		unlock()
		return
	}
	full := first
	full.Status, full.Body = status, body
	s.saveAnswer(ws, full, unlock)
}

// saveAnswer stores the answer with its key after the answer is written:
// the message and the key were committed together before it, so a retry
// in between (which waits for the key's lock, held until this is done) or
// after a crash still finds the key and sends nothing.
func (s *Server) saveAnswer(ws *workspace, full store.Idempotency, unlock func()) {
	s.answers.Add(1)
	go func() {
		defer s.answers.Done()
		defer unlock()
		err := ws.store.Commit(context.Background(), &store.Batch{Workspace: ws.id, Idempotency: []store.Idempotency{full}})
		if err != nil {
			// The first write holds the message id: a retry rebuilds the answer.
			ws.log.Error("save Idempotency-Key answer", "err", err)
		}
	}()
}

// replayClaimed answers a request whose key another request (on another
// process) claimed first: the claim was committed with its message, so
// it can be answered as a retry.
func (s *Server) replayClaimed(w http.ResponseWriter, r *http.Request, ws *workspace, key, hash string) {
	rec, err := ws.idemRecord(key)
	if err == nil && rec == nil {
		err = errors.New("an Idempotency-Key claim without its record")
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.replay(w, r, ws, rec, hash)
}

func (s *Server) replay(w http.ResponseWriter, r *http.Request, ws *workspace, rec *store.Idempotency, hash string) {
	if rec.RequestHash != hash {
		s.fail(w, r, errInvalid("Idempotency-Key", "this Idempotency-Key was used for a different request in the last 24 hours"))
		return
	}
	w.Header().Set("Idempotent-Replayed", "true")
	if len(rec.Body) > 0 {
		writeBody(w, rec.Status, rec.Body)
		return
	}
	data, err := ws.sent(rec.MessageID) // the process stopped between the two writes
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.ok(w, r, http.StatusOK, data)
}

// requestHash identifies a decoded request (key order and spacing do not
// matter).
func requestHash(req any) string {
	b, _ := json.Marshal(req)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

func printableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

// idemRecord returns the key's record, or nil when there is none younger
// than idemTTL.
func (ws *workspace) idemRecord(key string) (*store.Idempotency, error) {
	rec, err := ws.store.Idempotency(ws.id, key)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if ws.clock.Now().Sub(rec.Created) >= idemTTL {
		return nil, nil
	}
	return &rec, nil
}

// keyLocks is a mutex per key, forgotten when nobody holds or waits for it.
type keyLocks struct {
	mu sync.Mutex
	m  map[string]*keyLock
}

type keyLock struct {
	sync.Mutex
	users int
}

func (k *keyLocks) lock(key string) (unlock func()) {
	k.mu.Lock()
	if k.m == nil {
		k.m = map[string]*keyLock{}
	}
	l := k.m[key]
	if l == nil {
		l = &keyLock{}
		k.m[key] = l
	}
	l.users++
	k.mu.Unlock()
	l.Lock()
	return func() {
		l.Unlock()
		k.mu.Lock()
		if l.users--; l.users == 0 {
			delete(k.m, key)
		}
		k.mu.Unlock()
	}
}
