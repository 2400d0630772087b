package redisstore

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/beckonhq/beckon/message"
	"github.com/beckonhq/beckon/store"
	"github.com/beckonhq/beckon/store/redisstore/redistest"
)

func TestParseURL(t *testing.T) {
	good := []struct {
		url  string
		want Config
	}{
		{"redis://127.0.0.1:6379/2", Config{Addrs: []string{"127.0.0.1:6379"}, DB: 2, Partitions: 1, Prefix: "beckon"}},
		{"rediss://u:p@cache.example?prefix=bk&wait=1&wait_timeout=250ms",
			Config{Addrs: []string{"cache.example:6379"}, Username: "u", Password: "p", TLS: true, Partitions: 1, Prefix: "bk", Wait: 1, WaitTimeout: 250 * time.Millisecond}},
		{"redis+cluster://10.0.0.1:7000,10.0.0.2:7000?partitions=32",
			Config{Addrs: []string{"10.0.0.1:7000", "10.0.0.2:7000"}, Cluster: true, Partitions: 32, Prefix: "beckon"}},
	}
	for _, tc := range good {
		got, err := ParseURL(tc.url)
		if err != nil {
			t.Errorf("%s: %v", tc.url, err)
			continue
		}
		got.DialTimeout = 0
		if tc.want.WaitTimeout == 0 {
			tc.want.WaitTimeout = time.Second
		}
		if strings.Join(got.Addrs, ",") != strings.Join(tc.want.Addrs, ",") || got.DB != tc.want.DB || got.TLS != tc.want.TLS ||
			got.Cluster != tc.want.Cluster || got.Partitions != tc.want.Partitions || got.Prefix != tc.want.Prefix ||
			got.Wait != tc.want.Wait || got.WaitTimeout != tc.want.WaitTimeout || got.Username != tc.want.Username || got.Password != tc.want.Password {
			t.Errorf("%s:\n got %+v\nwant %+v", tc.url, got, tc.want)
		}
	}
	bad := map[string]string{
		"mysql://h/1":                 "scheme must be redis",
		"redis://h:1,h:2":             "use redis+cluster://",
		"redis://h:1/x":               "database number",
		"redis://h:1?partition=2":     `unknown option "partition"`,
		"redis://h:1?wait=-1":         "wait=",
		"redis+cluster://h:1/3":       "0 on a cluster",
		"redis://:secret@h:1?wait=no": "xxxxx",
	}
	for url, want := range bad {
		_, err := ParseURL(url)
		if err == nil || !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), "secret") {
			t.Errorf("%s: err = %v, want it to say %q (and no password)", url, err, want)
		}
	}
}

func TestRetentionIsKeyExpiry(t *testing.T) {
	srv := redistest.ForTest(t)
	s, err := Open(srv.URL(), Options{Retention: store.Retention{Visitors: time.Hour, Messages: 2 * time.Hour, Idempotency: 3 * time.Hour}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	now := time.Now()
	b := &store.Batch{Workspace: "ws", Visitors: []store.Visitor{{ID: "v1", Version: 1, LastSeen: now, SessionID: "s1", SessionStart: now, Data: []byte("{}")}},
		Messages:    []message.Record{{Message: message.Message{ID: "m1", VisitorID: "v1", SessionID: "s1"}, Status: message.StatusSent, SentAt: now}},
		Idempotency: []store.Idempotency{{Key: "k1", VisitorID: "v1", Created: now, MessageID: "m1"}}}
	if err := s.Commit(context.Background(), b); err != nil {
		t.Fatal(err)
	}
	for key, want := range map[string]int{":v:v1": 3600, ":s:s1": 3600, ":m:m1": 7200, ":sm:s1": 7200, ":q:v1": 7200, ":i:k1": 10800} {
		got, err := redistest.Command(srv.Addr, "TTL", s.base("ws", 0)+key)
		if n, _ := strconv.Atoi(got); err != nil || n <= want-60 || n > want {
			t.Errorf("TTL of %s = %q, %v; want about %d", key, got, err, want)
		}
	}
}

func TestPartitionsAreKept(t *testing.T) {
	srv := redistest.ForTest(t)
	s, err := Open(srv.URL()+"?partitions=4", Options{})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	if _, err := Open(srv.URL()+"?partitions=2", Options{}); err == nil || !strings.Contains(err.Error(), "partitions=4") {
		t.Fatalf("reopened with other partitions: err = %v", err)
	}
}

// wait=1 makes each write wait for a replica: it fails without one, and
// goes through with one.
func TestWaitForReplica(t *testing.T) {
	primary := redistest.ForTest(t)
	ctx := context.Background()
	b := func(v uint64) *store.Batch {
		return &store.Batch{Workspace: "ws", Visitors: []store.Visitor{{ID: "v1", Version: v, Data: []byte("{}")}}}
	}
	s, err := Open(primary.URL()+"?wait=1&wait_timeout=50ms", Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Commit(ctx, b(1)); !errors.Is(err, errNotReplicated) {
		t.Fatalf("with no replica: err = %v, want errNotReplicated", err)
	}
	host, port, _ := strings.Cut(primary.Addr, ":")
	replica, err := redistest.Start(t.TempDir(), "--replicaof", host, port)
	if err != nil {
		t.Fatal(err)
	}
	defer replica.Stop()
	deadline := time.Now().Add(10 * time.Second)
	for {
		info, _ := redistest.Command(replica.Addr, "INFO", "replication")
		if strings.Contains(info, "master_link_status:up") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the replica did not connect")
		}
		time.Sleep(20 * time.Millisecond)
	}
	// A generous timeout here: under load a replica's acknowledgement can
	// take longer than the 50ms that makes the first case fail fast.
	patient, err := Open(primary.URL()+"?wait=1&wait_timeout=5s", Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer patient.Close()
	if err := patient.Commit(ctx, b(2)); err != nil {
		t.Fatalf("with a replica: %v", err)
	}
}
