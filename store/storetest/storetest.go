// Package storetest is the conformance suite of store.Store: every
// backend must pass Run. A backend's own test calls it with a function
// that opens a fresh, empty store.
package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/beckonhq/beckon/message"
	"github.com/beckonhq/beckon/store"
)

// Opener opens a fresh, empty store for one test; the suite closes it.
type Opener func(t *testing.T) store.Store

// Backend is how the suite opens a backend.
type Backend struct {
	Open Opener
	// Twin opens another handle on s's data, as a second process would,
	// and closes it when the test ends. Nil when only one process may
	// open the data: the suite then uses s for both.
	Twin func(t *testing.T, s store.Store) store.Store
}

// Run runs the whole suite against stores made by open.
func Run(t *testing.T, open Opener) { RunBackend(t, Backend{Open: open}) }

// RunBackend runs the whole suite against b.
func RunBackend(t *testing.T, b Backend) {
	for _, tc := range cases() {
		t.Run(tc.name, func(t *testing.T) {
			s := b.Open(t)
			t.Cleanup(func() { s.Close() })
			twin := s
			if b.Twin != nil {
				twin = b.Twin(t, s)
			}
			tc.fn(t, s, twin)
		})
	}
}

type testCase struct {
	name string
	fn   func(t *testing.T, s, twin store.Store)
}

func cases() []testCase {
	one := func(name string, fn func(*testing.T, store.Store)) testCase {
		return testCase{name, func(t *testing.T, s, _ store.Store) { fn(t, s) }}
	}
	tests := []struct {
		name string
		fn   func(*testing.T, store.Store)
	}{
		{"VisitorRoundTrip", visitorRoundTrip},
		{"OlderVersionNeverOverwrites", olderVersionNeverOverwrites},
		{"ConcurrentVersionsKeepTheNewest", concurrentVersionsKeepTheNewest},
		{"SessionIndex", sessionIndex},
		{"TimerIndex", timerIndex},
		{"WorkspacesAreIsolated", workspacesAreIsolated},
		{"MessagesAndQueues", messagesAndQueues},
		{"DuplicateMessageFailsTheWholeBatch", duplicateMessageFailsTheWholeBatch},
		{"QueueKeepsTheNewest", queueKeepsTheNewest},
		{"UpdateMessage", updateMessage},
		{"Replies", replies},
		{"OutboxOrderAndOutcomes", outboxOrderAndOutcomes},
		{"OutboxLimitPerEndpoint", outboxLimitPerEndpoint},
		{"DeadLettersKeepTheNewest", deadLettersKeepTheNewest},
		{"DeliveriesInLine", deliveriesInLine},
		{"Idempotency", idempotency},
		{"Counts", counts},
		{"SweepRetention", sweepRetention},
		{"VisitorTokenClaims", visitorTokenClaims},
		{"VisitorTokensSwept", visitorTokensSwept},
		{"IdempotencyClaims", idempotencyClaims},
	}
	var out []testCase
	for _, tc := range tests {
		out = append(out, one(tc.name, tc.fn))
	}
	return append(out,
		testCase{"FailStaleConflicts", failStaleConflicts},
		testCase{"ClaimDue", claimDue},
		testCase{"ClaimDeliveries", claimDeliveries},
		testCase{"PublishListen", publishListen},
	)
}

const ws = "ws_test"

var t0 = time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)

var ctx = context.Background()

func commit(t *testing.T, s store.Store, b *store.Batch) {
	t.Helper()
	if b.Workspace == "" {
		b.Workspace = ws
	}
	if err := s.Commit(ctx, b); err != nil {
		t.Fatalf("Commit: %v", err)
	}
}

func visitor(id string, version uint64, data string) store.Visitor {
	return store.Visitor{ID: id, Version: version, LastSeen: t0, SessionID: "s_" + id, SessionStart: t0, Data: []byte(data)}
}

func record(id, visitorID, sessionID string, at time.Time) message.Record {
	return message.Record{Message: message.Message{ID: id, VisitorID: visitorID, SessionID: sessionID,
		Message: "hello " + id, Time: at, QuickReplies: []message.QuickReply{{Text: "Yes", Value: "yes"}}},
		Status: message.StatusSent, SentAt: at}
}

func delivery(url string, due time.Time, event string) store.Delivery {
	return store.Delivery{EventID: "evt_" + event, Event: event, URL: url, Body: []byte(`{"id":"evt_` + event + `"}`), Created: due, Due: due}
}

func ids(recs []message.Record) []string {
	out := make([]string, len(recs))
	for i, r := range recs {
		out[i] = r.ID
	}
	return out
}

func eq[T comparable](a, b []T) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
