package engine_test

import (
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/beckonhq/beckon/journey"
	"github.com/beckonhq/beckon/message"
	"github.com/beckonhq/beckon/rules"
	"github.com/beckonhq/beckon/store"
	"github.com/beckonhq/beckon/store/boltstore"
	"github.com/beckonhq/beckon/tracker"
)

var start = time.Date(2026, 1, 20, 14, 29, 0, 0, time.UTC) // a Tuesday

func mustSet(t testing.TB, src string) *rules.Set {
	t.Helper()
	set, diags := rules.Parse(rules.Source{Name: "rules.yaml", Data: []byte(src)})
	if set == nil {
		t.Fatalf("rules do not load:\n%s", diags.Errors())
	}
	return set
}

// ev is a journey event at offset at.
func ev(at string, typ string, kv ...string) journey.Event {
	d, err := time.ParseDuration(at)
	if err != nil {
		panic(err)
	}
	e := journey.Event{At: journey.Duration(d), Type: typ}
	for i := 0; i+1 < len(kv); i += 2 {
		switch kv[i] {
		case "url":
			e.URL = kv[i+1]
		case "state":
			e.State = kv[i+1]
		case "name":
			e.Name = kv[i+1]
		case "quick_reply":
			e.QuickReply = kv[i+1]
		case "text":
			e.Text = kv[i+1]
		default:
			panic("ev: unknown key " + kv[i])
		}
	}
	return e
}

func page(at, path string) journey.Event {
	return ev(at, tracker.PageView, "url", "https://example.com"+path)
}

type run struct {
	heartbeat string // "" = the default 15s
	until     string
	visitor   journey.Visitor
	events    []journey.Event
}

// journeyOf builds and validates the journey a run describes.
func journeyOf(t testing.TB, r run) *journey.Journey {
	t.Helper()
	j := &journey.Journey{Name: t.Name(), Start: start, Visitor: r.visitor, Events: r.events}
	if j.Visitor.ID == "" {
		j.Visitor.ID = "v1"
	}
	if r.heartbeat != "" {
		d, _ := time.ParseDuration(r.heartbeat)
		hb := journey.Duration(d)
		j.Heartbeat = &hb
	}
	if r.until != "" {
		d, _ := time.ParseDuration(r.until)
		u := journey.Duration(d)
		j.Until = &u
	}
	if err := j.Validate(); err != nil {
		t.Fatal(err)
	}
	return j
}

// onStore, when set, is the store (and mode) the journeys of the tests
// run on; TestSemanticsShared sets it.
var onStore *journey.Options

// on is opts on the store the tests run on.
func on(opts journey.Options) journey.Options {
	if onStore != nil {
		opts.Store, opts.Shared = onStore.Store, onStore.Shared
	}
	return opts
}

// simulate returns "AT RULE" for every message sent.
func simulate(t testing.TB, set *rules.Set, r run) []string {
	t.Helper()
	sent, err := journey.Run(set, journeyOf(t, r), on(journey.Options{}))
	if err != nil {
		t.Fatal(err)
	}
	return describe(sent)
}

func describe(sent []journey.Sent) []string {
	out := make([]string, 0, len(sent))
	for _, s := range sent {
		out = append(out, fmt.Sprintf("%s %s", s.At, s.Message.Rule))
	}
	return out
}

func expectSends(t *testing.T, got []string, want ...string) {
	t.Helper()
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("sends:\n got: %q\nwant: %q", got, want)
	}
}

// rule is a rule with two quick replies and the given extra keys.
func rule(name, when string, extra ...string) string {
	s := fmt.Sprintf("  - name: %s\n    when: %s\n    message: hello from %s\n    quick_replies:\n      - {text: A, value: a, action: a}\n      - {text: B, value: b, action: b}\n", name, when, name)
	for _, e := range extra {
		s += "    " + e + "\n"
	}
	return s
}

// fileWith builds a rule file with a policy line (e.g. "min_wait: 0s").
func fileWith(policy string, rulesText ...string) string {
	return "version: 1\npolicy: {" + policy + "}\nrules:\n" + strings.Join(rulesText, "")
}

// collect is a Sender that records messages.
type collect struct {
	mu   sync.Mutex
	msgs []*message.Message
}

func (c *collect) Stage(*store.Batch, *message.Message) {}
func (c *collect) Deliver(m *message.Message) {
	c.mu.Lock()
	c.msgs = append(c.msgs, m)
	c.mu.Unlock()
}

// openStore opens the bbolt file at path; the test closes it.
func openStore(t testing.TB, path string) *boltstore.Store {
	t.Helper()
	st, err := boltstore.Open(path, boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// tempStore is a fresh store closed at the test's end.
func tempStore(t testing.TB) *boltstore.Store {
	t.Helper()
	st := openStore(t, filepath.Join(t.TempDir(), "beckon.db"))
	t.Cleanup(func() { st.Close() })
	return st
}
