// Package store defines what Beckon keeps and must not lose, as one
// interface that every backend implements: visitor state (with the session
// and timer indexes that point into it), message records with their
// queues, visitors' replies, Idempotency-Key records, the webhook outbox
// and per-rule counts.
// The engine and the pipeline depend on this interface only.
//
// A backend proves itself with the conformance suite in store/storetest.
// The embedded backend is store/boltstore (a bbolt file).
package store

import (
	"context"
	"errors"
	"time"

	"github.com/beckonhq/beckon/message"
)

// Errors a Store returns; backends wrap them with what was being done.
var (
	// ErrNotFound: no such visitor, session, message or record.
	ErrNotFound = errors.New("store: not found")
	// ErrOutboxFull: a batch that needed all its deliveries queued met a
	// webhook endpoint that already holds its limit.
	ErrOutboxFull = errors.New("store: webhook outbox full")
	// ErrDuplicate: a message id that is already recorded.
	ErrDuplicate = errors.New("store: message already recorded")
	// ErrClosed: the store was closed.
	ErrClosed = errors.New("store: closed")
	// ErrConflict: a batch with FailStale met a visitor stored at a
	// version as new as its own; another process changed it first.
	ErrConflict = errors.New("store: visitor changed by another process")
)

// IdempotencyWindow is how long an Idempotency-Key's claim holds: a new
// claim of the key is refused while an older record is younger than this.
const IdempotencyWindow = 24 * time.Hour

// Store keeps the state of any number of workspaces; every method takes
// the workspace's id, and no workspace sees another's data. It is safe
// for concurrent use.
type Store interface {
	// Commit makes everything in b durable as one unit, or nothing of it,
	// and returns once it is durable. Concurrent commits may share one
	// disk write.
	Commit(ctx context.Context, b *Batch) error
	Visitors
	Messages
	Outbox
	// Idempotency returns the record of an Idempotency-Key.
	Idempotency(ws, key string) (Idempotency, error)
	// ClaimVisitorToken records, at at, that a visitor was given its
	// visitor token, and reports whether this call did (false: it had
	// been given one before), in one atomic step. The record goes with
	// the visitor when it is swept (or, if no visitor state was ever
	// committed for it, after the visitors' retention).
	ClaimVisitorToken(ctx context.Context, ws, visitorID string, at time.Time) (bool, error)
	// Counts sums the per-rule counts of the hours from since's hour on
	// (zero since: all of them), one Count per rule and name.
	Counts(ws string, since time.Time) ([]Count, error)
	// Sweep deletes what is past retention at now: visitors (with their
	// sessions and timers), messages (with their queue entries), replies,
	// Idempotency-Key records and counts.
	Sweep(ctx context.Context, ws string, now time.Time, r Retention) (Swept, error)
	Sharing
	// Close waits for commits in progress and closes the store.
	Close() error
}

// Sharing is what lets several processes use one store at once (see
// docs/scale-out.md). A store that only one process may open implements it
// for that one process.
type Sharing interface {
	// Shared reports whether other processes may use the store at the
	// same time; the engine and the pipeline then keep nothing as
	// authoritative in memory.
	Shared() bool
	// ClaimDue returns up to limit visitors whose earliest committed
	// wakeup is at or before now and that nobody holds claimed, and
	// claims them until now+lease. A commit of the visitor ends its
	// claim, so a claim left by a process that died runs out by itself.
	// It also returns when the next visitor may come due after now (a
	// wakeup, or a claim that runs out; zero: none).
	ClaimDue(ctx context.Context, ws string, now time.Time, lease time.Duration, limit int) ([]string, time.Time, error)
	// ClaimDeliveries is DueDeliveries for dispatchers that share one
	// outbox: each delivery returned is claimed until now+lease, and
	// handed out again only then, unless Delivered, Retry or GiveUp
	// comes first.
	ClaimDeliveries(ctx context.Context, ws string, now time.Time, lease time.Duration, limit int) ([]Delivery, time.Time, error)
	// Publish hands note to every Listen of ws, in this process and in
	// the others. Notes are not kept: one that finds no listener is lost.
	Publish(ctx context.Context, ws string, note []byte) error
	// Listen calls fn with every note published to ws from the time it
	// returns until ctx ends or the store closes. fn runs on one
	// goroutine per Listen and should not block.
	Listen(ctx context.Context, ws string, fn func(note []byte)) error
}

// Visitors reads visitor state.
type Visitors interface {
	// Visitor returns a visitor's latest committed state.
	Visitor(ws, id string) (Visitor, error)
	// SessionVisitor returns the id of the visitor a session belongs to.
	SessionVisitor(ws, sessionID string) (string, error)
	// VisitorsWithTimers returns every visitor committed with wakeups.
	VisitorsWithTimers(ws string) ([]Visitor, error)
}

// Messages reads and updates message records.
type Messages interface {
	// Message returns a message record.
	Message(ws, id string) (message.Record, error)
	// SessionMessages returns a session's messages in the order recorded.
	SessionMessages(ws, sessionID string) ([]message.Record, error)
	// Undelivered returns a visitor's queued messages (those still
	// StatusSent, the newest Batch.QueueLimit), oldest first.
	Undelivered(ws, visitorID string) ([]message.Record, error)
	// SessionReplies returns a session's replies in the order recorded.
	SessionReplies(ws, sessionID string) ([]message.Reply, error)
	// RecentReplies returns the workspace's latest replies, newest first,
	// at most limit of them.
	RecentReplies(ws string, limit int) ([]message.Reply, error)
	// UpdateMessage reads a record, lets fn change it and commits the
	// change together with the batch fn returns (its deliveries, say).
	// fn returning a nil batch changes nothing. A record that moves past
	// StatusSent leaves its visitor's queue.
	UpdateMessage(ctx context.Context, ws, id string, fn func(*message.Record) (*Batch, error)) error
}

// Outbox is the durable queue of webhook deliveries.
type Outbox interface {
	// DueDeliveries returns up to limit deliveries due at now, earliest
	// first, leaving out those skip reports (nil: none) and those that wait
	// for an earlier one of their Order, and the due time of the first
	// delivery not yet due (zero when there is none).
	DueDeliveries(ws string, now time.Time, limit int, skip func(*Delivery) bool) ([]Delivery, time.Time, error)
	// Delivered removes a delivery that reached its endpoint.
	Delivered(ctx context.Context, ws string, d *Delivery) error
	// Retry stores d's new Due, Attempts and LastError.
	Retry(ctx context.Context, ws string, d *Delivery) error
	// GiveUp moves d to the dead letters, keeping the newest keep.
	GiveUp(ctx context.Context, ws string, d *Delivery, keep int) error
	// OutboxLen is the number of deliveries waiting.
	OutboxLen(ws string) (int, error)
	// DeadLetters lists the deliveries given up on, oldest first.
	DeadLetters(ws string) ([]Delivery, error)
}

// Batch is one atomic commit for one workspace.
type Batch struct {
	Workspace string
	// Visitors are written only when newer (by Version) than what is
	// stored; the older ones are listed in Stale.
	Visitors []Visitor
	// Messages are new records: each gets its Seq, its place in its
	// session's list and in its visitor's queue. A known id fails the
	// batch with ErrDuplicate.
	Messages []message.Record
	// Replies are visitors' new replies: each gets its Seq and its place
	// in its session's transcript.
	Replies []message.Reply
	// Deliveries are new webhook deliveries.
	Deliveries  []Delivery
	Idempotency []Idempotency
	// Counts are added to the stored counts.
	Counts []Count

	// OutboxLimit caps the deliveries waiting for one endpoint (0: no
	// cap). Deliveries past it are dropped and counted in Dropped, or,
	// with AllDeliveries, the batch fails with ErrOutboxFull.
	OutboxLimit   int
	AllDeliveries bool
	// QueueLimit caps a visitor's queue of undelivered messages; the
	// oldest leave it (0: no cap).
	QueueLimit int
	// FailStale makes a visitor that is not newer than the stored one
	// fail the whole batch with ErrConflict instead of being skipped. A
	// process sharing the store commits each change of a visitor as the
	// version it read plus one, so a conflict means another process
	// changed the visitor since; it reads it again and redoes its change.
	FailStale bool

	// Set by Commit.
	Dropped int      // deliveries dropped by OutboxLimit
	Stale   []string // visitors not written: a newer version is stored
}

// Empty reports whether b writes nothing.
func (b *Batch) Empty() bool {
	return len(b.Visitors) == 0 && len(b.Messages) == 0 && len(b.Replies) == 0 && len(b.Deliveries) == 0 &&
		len(b.Idempotency) == 0 && len(b.Counts) == 0
}

// Visitor is one visitor's state as its owner encodes it (Data), with
// what the store indexes.
type Visitor struct {
	ID string
	// Version grows with every change; a commit never replaces a stored
	// version with an older or equal one.
	Version uint64
	// LastSeen is the visitor's last event; retention counts from it.
	LastSeen time.Time
	// SessionID is the current session, found again by SessionVisitor.
	SessionID    string
	SessionStart time.Time
	// Wakeups are the pending timers; visitors with any are listed by
	// VisitorsWithTimers.
	Wakeups []time.Time
	Data    []byte
}

// Delivery is one webhook event on its way to one endpoint.
type Delivery struct {
	ID        string     `json:"id"`
	EventID   string     `json:"event_id"`
	Event     string     `json:"event"`
	URL       string     `json:"url"`
	Body      []byte     `json:"body"` // exactly the bytes sent and signed
	Created   time.Time  `json:"created"`
	Due       time.Time  `json:"due"`
	Attempts  int        `json:"attempts"`
	LastError string     `json:"last_error,omitempty"`
	GaveUp    *time.Time `json:"gave_up,omitempty"`
	// Order, when set, keeps deliveries in line: of the deliveries to one
	// URL with the same Order, only the earliest queued is handed out,
	// until it is delivered or given up.
	Order string `json:"order,omitempty"`
	// VisitorID is whose event it is: a backend may keep the delivery
	// near that visitor's state.
	VisitorID string `json:"visitor_id,omitempty"`
	// Key is the backend's handle on a queued delivery.
	Key string `json:"-"`
}

// Idempotency is what an Idempotency-Key is remembered with. A record
// without Status claims the key: it fails its batch with ErrDuplicate
// when the key has a record of another message created less than
// IdempotencyWindow before it. A record with Status (the answer) replaces
// the stored one.
type Idempotency struct {
	Key         string    `json:"key"`
	VisitorID   string    `json:"visitor_id,omitempty"` // whom the message went to
	RequestHash string    `json:"request_hash"`
	Created     time.Time `json:"created"`
	MessageID   string    `json:"message_id"`
	Status      int       `json:"status,omitempty"`
	Body        []byte    `json:"body,omitempty"` // exactly the bytes answered
}

// Count is N more of one thing a rule did (Name: "sent", "ready", …) in
// the hour that Hour falls in.
type Count struct {
	Rule string
	Name string
	Hour time.Time
	N    int64
}

// Retention is how long things are kept; zero keeps them for ever.
type Retention struct {
	Visitors    time.Duration // after the visitor's last event
	Messages    time.Duration // after sending; replies and counts are kept as long
	Idempotency time.Duration // after the first request
}

// Swept counts what one Sweep deleted.
type Swept struct {
	Visitors, Sessions, Messages, Replies, Idempotency, Counts int
}
