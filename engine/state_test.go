package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/beckonhq/beckon/message"
	"github.com/beckonhq/beckon/rules"
	"github.com/beckonhq/beckon/store"
	"github.com/beckonhq/beckon/store/boltstore"
	"github.com/beckonhq/beckon/tracker"
)

var t0 = time.Date(2026, 1, 20, 14, 0, 0, 0, time.UTC)

// recorder is a Sender that records messages with the batch, as the
// pipeline does, and counts deliveries.
type recorder struct {
	mu        sync.Mutex
	delivered []*message.Message
}

func (r *recorder) Stage(b *store.Batch, m *message.Message) {
	b.Messages = append(b.Messages, message.Record{Message: *m, Status: message.StatusSent, SentAt: m.Time})
}

func (r *recorder) Deliver(m *message.Message) {
	r.mu.Lock()
	r.delivered = append(r.delivered, m)
	r.mu.Unlock()
}

func (r *recorder) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.delivered)
}

// faultyStore is a real store that can be told to fail commits, or to
// hold a background commit (one with visitors and no messages) until
// released.
type faultyStore struct {
	store.Store
	mu       sync.Mutex
	failures int
	hold     chan struct{} // when set, the next background commit waits on it
	holding  chan struct{} // closed once that commit is waiting
}

var errDiskFull = errors.New("disk full")

func (f *faultyStore) Commit(ctx context.Context, b *store.Batch) error {
	f.mu.Lock()
	if f.failures > 0 {
		f.failures--
		f.mu.Unlock()
		return errDiskFull
	}
	hold := f.hold
	if hold != nil && len(b.Visitors) > 0 && len(b.Messages) == 0 {
		f.hold = nil
		close(f.holding)
	} else {
		hold = nil
	}
	f.mu.Unlock()
	if hold != nil {
		<-hold
	}
	return f.Store.Commit(ctx, b)
}

func (f *faultyStore) fail(n int) {
	f.mu.Lock()
	f.failures = n
	f.mu.Unlock()
}

func openBolt(t *testing.T, path string) *boltstore.Store {
	t.Helper()
	st, err := boltstore.Open(path, boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func testEngine(t *testing.T, st store.Store, src string, clock Clock) (*Engine, *recorder) {
	t.Helper()
	set, diags := rules.Parse(rules.Source{Name: "rules.yaml", Data: []byte(src)})
	if set == nil {
		t.Fatalf("rules: %s", diags.Errors())
	}
	rec := &recorder{}
	e, err := New(Options{Rules: set, Store: st, Sender: rec, Workspace: "ws", Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	return e, rec
}

const hello = `version: 1
policy: {min_wait: 0s}
rules:
  - name: hello
    when: page.path == "/hello"
    message: Hello
    quick_replies: [{text: A, value: a}, {text: B, value: b}]
  - name: linger
    when: page.path == "/linger"
    for: 45s
    message: Still there?
    quick_replies: [{text: A, value: a}, {text: B, value: b}]
`

func view(t *testing.T, e *Engine, id string) *VisitorSnapshot {
	t.Helper()
	v, err := e.Visitor(id)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func storedSession(t *testing.T, st store.Store, ws, id string) tracker.Session {
	t.Helper()
	rec, err := st.Visitor(ws, id)
	if err != nil {
		t.Fatal(err)
	}
	v, err := unmarshalVisitor(rec.Data)
	if err != nil {
		t.Fatal(err)
	}
	return v.Session
}

func pageView(id, path string, at time.Time) tracker.Event {
	return tracker.Event{Time: at, VisitorID: id, Type: tracker.PageView, URL: "https://example.com" + path}
}

// A background commit taken before a send and written after it must not
// put back the state before the send: the store keeps the newest version.
func TestOlderCommitNeverOverwritesASend(t *testing.T) {
	path := filepath.Join(t.TempDir(), "beckon.db")
	st := &faultyStore{Store: openBolt(t, path)}
	e, _ := testEngine(t, st, hello, NewVirtualClock(t0))
	if _, err := e.Handle(pageView("v1", "/other", t0)); err != nil {
		t.Fatal(err)
	}
	st.mu.Lock()
	st.hold, st.holding = make(chan struct{}), make(chan struct{})
	hold, holding := st.hold, st.holding
	st.mu.Unlock()
	flushed := make(chan error)
	go func() { flushed <- e.Flush() }()
	<-holding // the flush has its snapshot: a page view, no message
	if _, err := e.Send(SendRequest{VisitorID: "v1", Content: message.Message{Message: "from the API"}}); err != nil {
		t.Fatal(err)
	}
	close(hold)
	if err := <-flushed; err != nil {
		t.Fatal(err)
	}
	if s := storedSession(t, st, "ws", "v1"); s.MessagesSent != 1 {
		t.Fatalf("stored messages_sent = %d after the older commit landed; want 1", s.MessagesSent)
	}
	if _, err := e.Send(SendRequest{VisitorID: "v1", Content: message.Message{Message: "again"}}); !errors.Is(err, ErrFrequencyCapped) {
		t.Fatalf("a second unsolicited send: err = %v, want ErrFrequencyCapped", err)
	}
	st.Close()
}

// A failed group commit forgets nothing: the next one writes it.
func TestFailedFlushKeepsItsChanges(t *testing.T) {
	st := &faultyStore{Store: openBolt(t, filepath.Join(t.TempDir(), "beckon.db"))}
	defer st.Close()
	e, _ := testEngine(t, st, hello, NewVirtualClock(t0))
	if _, err := e.Handle(pageView("v1", "/other", t0)); err != nil {
		t.Fatal(err)
	}
	st.fail(1)
	if err := e.Flush(); !errors.Is(err, errDiskFull) {
		t.Fatalf("flush: err = %v, want the store's", err)
	}
	if _, err := st.Visitor("ws", "v1"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("visitor stored by a failed flush: %v", err)
	}
	if err := e.Flush(); err != nil {
		t.Fatal(err)
	}
	if s := storedSession(t, st, "ws", "v1"); s.PageViews != 1 {
		t.Fatalf("after the retry: %d page views stored, want 1", s.PageViews)
	}
}

// A send whose commit fails is not counted, not delivered, and not
// remembered by the rule: it sends at the next evaluation instead.
func TestFailedSendIsNotCounted(t *testing.T) {
	st := &faultyStore{Store: openBolt(t, filepath.Join(t.TempDir(), "beckon.db"))}
	defer st.Close()
	e, rec := testEngine(t, st, hello, NewVirtualClock(t0))
	st.fail(1)
	if _, err := e.Handle(pageView("v1", "/hello", t0)); !errors.Is(err, errDiskFull) {
		t.Fatalf("event whose send failed: err = %v", err)
	}
	if v := view(t, e, "v1"); v.Session.MessagesSent != 0 || rec.count() != 0 {
		t.Fatalf("after a failed send: messages_sent %d, delivered %d; want 0, 0", v.Session.MessagesSent, rec.count())
	}
	if _, err := e.Handle(tracker.Event{Time: t0.Add(time.Second), VisitorID: "v1", Type: tracker.Heartbeat}); err != nil {
		t.Fatal(err)
	}
	if v := view(t, e, "v1"); v.Session.MessagesSent != 1 || rec.count() != 1 {
		t.Fatalf("after the next event: messages_sent %d, delivered %d; want 1, 1", v.Session.MessagesSent, rec.count())
	}
	if s := storedSession(t, st, "ws", "v1"); s.MessagesSent != 1 {
		t.Fatalf("stored messages_sent %d, want 1", s.MessagesSent)
	}
}

// An identify past either attribute limit is refused and changes nothing.
func TestAttributeLimits(t *testing.T) {
	st := openBolt(t, filepath.Join(t.TempDir(), "beckon.db"))
	defer st.Close()
	set, _ := rules.Parse(rules.Source{Name: "r.yaml", Data: []byte("version: 1\nrules: []\n")})
	e, err := New(Options{Rules: set, Store: st, Sender: &recorder{}, Clock: NewVirtualClock(t0),
		Limits: Limits{MaxAttributes: 3, MaxAttributeBytes: 64}})
	if err != nil {
		t.Fatal(err)
	}
	identify := func(attrs map[string]any) error {
		_, err := e.Handle(tracker.Event{Time: t0, VisitorID: "v1", Type: tracker.Identify, Attributes: attrs})
		return err
	}
	if err := identify(map[string]any{"a": 1, "b": 2}); err != nil {
		t.Fatal(err)
	}
	if err := identify(map[string]any{"a": 5, "c": 3}); err != nil {
		t.Fatalf("replacing one and adding a third: %v", err)
	}
	if err := identify(map[string]any{"d": 4}); !errors.Is(err, ErrTooManyAttributes) {
		t.Fatalf("a fourth attribute: err = %v, want ErrTooManyAttributes", err)
	}
	if err := identify(map[string]any{"a": "a long value that takes this visitor well past sixty-four bytes"}); !errors.Is(err, ErrTooManyAttributes) {
		t.Fatalf("past the bytes: err = %v, want ErrTooManyAttributes", err)
	}
	got, _ := json.Marshal(view(t, e, "v1").Attributes)
	if string(got) != `{"a":5,"b":2,"c":3}` {
		t.Fatalf("attributes after refusals: %s", got)
	}
}

// A restart reads only the visitors that wait for a timer; the others are
// read back when they come.
func TestStartLoadsOnlyVisitorsWithTimers(t *testing.T) {
	path := filepath.Join(t.TempDir(), "beckon.db")
	st := openBolt(t, path)
	e, _ := testEngine(t, st, hello, NewVirtualClock(t0))
	for i := range 50 {
		p := "/other"
		if i%10 == 0 {
			p = "/linger" // a for: 45s timer
		}
		if _, err := e.Handle(pageView(fmt.Sprint("v", i), p, t0)); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	st.Close()

	st = openBolt(t, path)
	defer st.Close()
	clock := NewVirtualClock(t0.Add(10 * time.Second))
	e, rec := testEngine(t, st, hello, clock)
	if n := e.InMemory(); n != 5 {
		t.Fatalf("%d visitors read at start, want the 5 with timers", n)
	}
	if v := view(t, e, "v7"); v.Session.PageViews != 1 {
		t.Fatalf("a visitor read back on demand: %+v", v.Session)
	}
	e.RunDue(t0.Add(45 * time.Second))
	if rec.count() != 5 {
		t.Fatalf("%d timers fired after the restart, want 5", rec.count())
	}
}

// Visitors unused for IdleTimeout leave memory once stored, unless they
// wait for a timer; they and their sessions are found again.
func TestEvictionKeepsWhatIsUnsavedOrWaiting(t *testing.T) {
	st := openBolt(t, filepath.Join(t.TempDir(), "beckon.db"))
	defer st.Close()
	clock := NewVirtualClock(t0)
	e, _ := testEngine(t, st, hello, clock)
	res, err := e.Handle(pageView("saved", "/other", t0))
	if err != nil {
		t.Fatal(err)
	}
	e.Handle(pageView("waiting", "/linger", t0))
	if err := e.Flush(); err != nil {
		t.Fatal(err)
	}
	e.Handle(pageView("unsaved", "/other", t0))
	clock.Set(t0.Add(31 * time.Minute))
	if n := e.evict(clock.Now()); n != 1 {
		t.Fatalf("evicted %d, want 1 (only the saved visitor)", n)
	}
	if e.shardFor("saved").peek("saved") != nil || e.shardFor("unsaved").peek("unsaved") == nil || e.shardFor("waiting").peek("waiting") == nil {
		t.Fatal("the wrong visitors left memory")
	}
	if _, ok := e.sessions.Load(res.SessionID); ok {
		t.Fatal("an evicted visitor's session stayed in memory")
	}
	if id, err := e.SessionVisitor(res.SessionID); err != nil || id != "saved" {
		t.Fatalf("SessionVisitor after eviction = %q, %v", id, err)
	}
	if v := view(t, e, "saved"); v.Session.ID != res.SessionID || v.Session.PageViews != 1 {
		t.Fatalf("read back after eviction: %+v", v.Session)
	}
}

// Close stops the engine's goroutines and commits what is unsaved.
func TestCloseStopsAndCommits(t *testing.T) {
	path := filepath.Join(t.TempDir(), "beckon.db")
	st := openBolt(t, path)
	defer st.Close()
	e, rec := testEngine(t, st, hello, SystemClock{})
	e.opts.FlushInterval = time.Hour // only Close commits
	e.Start(context.Background())
	now := time.Now().UTC()
	if _, err := e.Handle(pageView("v1", "/linger", now)); err != nil {
		t.Fatal(err)
	}
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	if s := storedSession(t, st, "ws", "v1"); s.PageViews != 1 {
		t.Fatalf("Close did not commit: %+v", s)
	}
	e.wakeSoon() // nobody is listening any more; the timer must not fire
	if rec.count() != 0 {
		t.Fatal("sent after Close")
	}
}

// Many goroutines send events, API sends, replies and reads for the same
// few visitors while group commits run; run with -race. Afterwards every
// visitor's stored count of messages matches its stored messages, and no
// session got more than one unsolicited message.
func TestConcurrentVisitors(t *testing.T) {
	path := filepath.Join(t.TempDir(), "beckon.db")
	st := openBolt(t, path)
	defer st.Close()
	e, _ := testEngine(t, st, hello, SystemClock{})
	e.opts.FlushInterval = 2 * time.Millisecond
	e.Start(context.Background())
	const workers, ops, visitors = 8, 150, 6
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(w), 1))
			for range ops {
				concurrentOp(t, e, fmt.Sprint("v", rng.IntN(visitors)), rng)
			}
		})
	}
	wg.Wait()
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	for i := range visitors {
		id := fmt.Sprint("v", i)
		s := storedSession(t, st, "ws", id)
		msgs, err := st.SessionMessages("ws", s.ID)
		if err != nil {
			t.Fatal(err)
		}
		if s.MessagesSent != len(msgs) {
			t.Errorf("%s: stored messages_sent %d, %d messages stored", id, s.MessagesSent, len(msgs))
		}
		if !s.Engaged && len(msgs) > 1 {
			t.Errorf("%s: %d messages in a session that never engaged", id, len(msgs))
		}
	}
}

func concurrentOp(t *testing.T, e *Engine, id string, rng *rand.Rand) {
	var err error
	now := time.Now().UTC()
	switch rng.IntN(6) {
	case 0:
		_, err = e.Handle(pageView(id, []string{"/hello", "/linger", "/other"}[rng.IntN(3)], now))
	case 1:
		_, err = e.Handle(tracker.Event{Time: now, VisitorID: id, Type: tracker.Identify,
			Attributes: map[string]any{fmt.Sprint("k", rng.IntN(20)): map[string]any{"n": rng.IntN(9)}}})
	case 2:
		_, err = e.Send(SendRequest{VisitorID: id, Content: message.Message{Message: "hi"}})
	case 3:
		_, err = e.Handle(tracker.Event{Time: now, VisitorID: id, Type: tracker.Reply, Text: "yes"})
	case 4:
		var v *VisitorSnapshot
		if v, err = e.Visitor(id); err == nil {
			_, err = json.Marshal(v) // reads the copy while identifies write the original
		}
	default:
		_, err = e.Handle(tracker.Event{Time: now, VisitorID: id, Type: tracker.Heartbeat})
	}
	if err != nil && !errors.Is(err, ErrVisitorNotFound) && !errors.Is(err, ErrFrequencyCapped) && !errors.Is(err, ErrTooManyAttributes) {
		t.Error(err)
	}
}

// A heartbeat that changes nothing but the time is not committed, until
// the stored time of the visitor's last event is a minute old; one that
// starts a rule's stretch is.
func TestHeartbeatsAreCommittedSparingly(t *testing.T) {
	st := openBolt(t, filepath.Join(t.TempDir(), "beckon.db"))
	defer st.Close()
	e, _ := testEngine(t, st, `version: 1
policy: {min_wait: 0s}
rules:
  - name: reader
    when: page.time_on_page > 100
    for: 10s
    message: Still reading?
    quick_replies: [{text: A, value: a}, {text: B, value: b}]
`, NewVirtualClock(t0))
	stored := func() uint64 {
		t.Helper()
		if err := e.Flush(); err != nil {
			t.Fatal(err)
		}
		rec, err := st.Visitor("ws", "v1")
		if err != nil {
			t.Fatal(err)
		}
		return rec.Version
	}
	beat := func(at time.Duration) {
		t.Helper()
		if _, err := e.Handle(tracker.Event{Time: t0.Add(at), VisitorID: "v1", Type: tracker.Heartbeat}); err != nil {
			t.Fatal(err)
		}
	}
	e.Handle(pageView("v1", "/a", t0))
	first := stored()
	beat(15 * time.Second)
	beat(30 * time.Second)
	beat(45 * time.Second)
	if v := stored(); v != first {
		t.Fatalf("heartbeats that change nothing were committed: version %d, then %d", first, v)
	}
	beat(60 * time.Second) // the stored last event is a minute old
	if v := stored(); v == first {
		t.Fatal("a minute of heartbeats was never committed")
	}
	rec, _ := st.Visitor("ws", "v1")
	if !rec.LastSeen.Equal(t0.Add(60 * time.Second)) {
		t.Fatalf("stored last event %v", rec.LastSeen)
	}
	before := stored()
	beat(105 * time.Second) // time_on_page > 100: reader becomes pending, with a wakeup
	if v := stored(); v == before {
		t.Fatal("a heartbeat that started a rule's stretch was not committed")
	}
	if rec, _ := st.Visitor("ws", "v1"); len(rec.Wakeups) != 1 {
		t.Fatalf("stored wakeups %v", rec.Wakeups)
	}
}

// A reply is committed before it is answered: its webhook tells the
// business that the visitor answered, so the session must know it after a
// crash too.
func TestReplyIsCommittedAtOnce(t *testing.T) {
	st := openBolt(t, filepath.Join(t.TempDir(), "beckon.db"))
	defer st.Close()
	e, _ := testEngine(t, st, hello, NewVirtualClock(t0))
	if _, err := e.Handle(pageView("v1", "/other", t0)); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Handle(tracker.Event{Time: t0.Add(time.Second), VisitorID: "v1", Type: tracker.Reply, Text: "hello?"}); err != nil {
		t.Fatal(err)
	}
	// No Flush: only what the reply committed itself is stored.
	if s := storedSession(t, st, "ws", "v1"); !s.Engaged || s.Replies != 1 {
		t.Fatalf("stored session after a reply: engaged %v, replies %d", s.Engaged, s.Replies)
	}
}
