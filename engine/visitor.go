package engine

import (
	"encoding/json"
	"maps"
	"reflect"
	"slices"
	"time"

	"github.com/beckonhq/beckon/message"
	"github.com/beckonhq/beckon/rules"
	"github.com/beckonhq/beckon/tracker"
	"github.com/fxamacker/cbor/v2"
)

// ruleState is one rule's state machine for one visitor (see
// docs/semantics.md): pending since a time, fired until its condition goes
// false, and the history its frequency needs.
type ruleState struct {
	PendingSince time.Time `json:"pending_since,omitzero" cbor:"1,keyasint,omitempty"`
	history
	// Shadow is what the rule would have sent in shadow mode, kept apart
	// so that a rule switched to live starts from its real sends.
	Shadow history `json:"shadow,omitzero" cbor:"6,keyasint,omitzero"`
}

// history is what a rule has sent to a visitor: fired in this stretch,
// and what its frequency and cooldown read.
type history struct {
	Fired       bool      `json:"fired,omitempty" cbor:"2,keyasint,omitempty"`
	SentSession string    `json:"sent_session,omitempty" cbor:"3,keyasint,omitempty"` // session of the last send
	SentEver    bool      `json:"sent_ever,omitempty" cbor:"4,keyasint,omitempty"`
	LastSent    time.Time `json:"last_sent,omitzero" cbor:"5,keyasint,omitempty"`
}

func (rs *ruleState) pending() bool { return !rs.PendingSince.IsZero() }

// of returns the history a rule of this mode reads and writes.
func (rs *ruleState) of(shadow bool) *history {
	if shadow {
		return &rs.Shadow
	}
	return &rs.history
}

// inStretch reports whether the rule is pending or fired (in either mode).
func (rs *ruleState) inStretch() bool { return rs.pending() || rs.Fired || rs.Shadow.Fired }

// endStretch clears pending and fired.
func (rs *ruleState) endStretch() {
	rs.PendingSince, rs.Fired, rs.Shadow.Fired = time.Time{}, false, false
}

// sent records a send (or, in shadow mode, a would-send) at t.
func (h *history) sent(session string, t time.Time) {
	h.Fired, h.SentSession, h.SentEver, h.LastSent = true, session, true, t
}

// idle reports whether the state carries nothing worth keeping.
func (rs *ruleState) idle() bool { return *rs == ruleState{} }

// maxOffered bounds the quick-reply values remembered for one visitor;
// past it the oldest messages' values are forgotten. Offers outlive
// sessions: a click answers the latest message that offered its value,
// whenever it came, and a value is kept only in the latest such message.
const maxOffered = 64

// visitorState is the engine's record of one visitor: the tracker's view
// plus the rules' state machines and pending wakeups. Its exported fields
// are what is stored.
type visitorState struct {
	tracker.Visitor
	Rules    map[string]*ruleState `json:"rules,omitempty" cbor:"21,keyasint,omitempty"`
	Wakeups  []time.Time           `json:"wakeups,omitempty" cbor:"22,keyasint,omitempty"` // sorted; current session only
	LastEval time.Time             `json:"last_eval,omitzero" cbor:"23,keyasint,omitempty"`
	LastSend time.Time             `json:"last_send,omitzero" cbor:"24,keyasint,omitempty"`
	Offers   []message.Offer       `json:"offers,omitempty" cbor:"25,keyasint,omitempty"`
	Score    int                   `json:"score" cbor:"26,keyasint,omitempty"`

	// live are the rules whose static guards and static part held at the
	// last event other than a heartbeat, for the rule set generation
	// liveGen; liveOK is cleared by anything that may change them.
	live    []int32
	liveGen int
	liveOK  bool
	// moves counts changes of rule stretches and wakeups, so an event can
	// tell whether it changed more than the time (see heartbeatWrite).
	moves int
	// refs lists Rules by rule index, in index order, for the set
	// generation gen: only the rules with a state, so a visitor costs the
	// same however many rules there are.
	refs []ruleRef
	gen  int
}

// ruleRef is a rule's state with the rule's index in the set.
type ruleRef struct {
	i  int
	rs *ruleState
}

// syncRefs rebuilds refs for the set after a reload (state carries over by
// rule name).
func (v *visitorState) syncRefs(set *rules.Set, gen int) {
	if v.gen == gen && v.refs != nil {
		return
	}
	v.refs = v.refs[:0]
	if v.refs == nil {
		v.refs = make([]ruleRef, 0, len(v.Rules))
	}
	for i, r := range set.Rules {
		if len(v.refs) == len(v.Rules) {
			break
		}
		if rs := v.Rules[r.Name]; rs != nil {
			v.refs = append(v.refs, ruleRef{i, rs})
		}
	}
	v.gen = gen
}

// find returns where rule i's state is in refs, or where it would go.
func (v *visitorState) find(i int) (int, bool) {
	return slices.BinarySearchFunc(v.refs, i, func(r ruleRef, i int) int { return r.i - i })
}

// lookup returns rule i's state, or nil.
func (v *visitorState) lookup(i int) *ruleState {
	if at, ok := v.find(i); ok {
		return v.refs[at].rs
	}
	return nil
}

// state returns (creating) rule i's state.
func (v *visitorState) state(set *rules.Set, i int) *ruleState {
	at, ok := v.find(i)
	if ok {
		return v.refs[at].rs
	}
	rs := &ruleState{}
	if v.Rules == nil {
		v.Rules = map[string]*ruleState{}
	}
	v.Rules[set.Rules[i].Name] = rs
	v.refs = slices.Insert(v.refs, at, ruleRef{i, rs})
	return rs
}

// drop forgets rule i's state once it is idle.
func (v *visitorState) drop(set *rules.Set, i int) {
	if at, ok := v.find(i); ok && v.refs[at].rs.idle() {
		delete(v.Rules, set.Rules[i].Name)
		v.refs = slices.Delete(v.refs, at, at+1)
	}
}

// newSession resets what belongs to a session: the rules' pending and fired
// states and the wakeups.
func (v *visitorState) newSession() {
	for name, rs := range v.Rules {
		rs.endStretch()
		if rs.idle() {
			delete(v.Rules, name)
		}
	}
	v.refs, v.liveOK = nil, false
	v.Wakeups = v.Wakeups[:0]
}

// addWakeup records a wakeup time; it reports false if it was already there.
func (v *visitorState) addWakeup(t time.Time) bool {
	i, found := slices.BinarySearchFunc(v.Wakeups, t, time.Time.Compare)
	if found {
		return false
	}
	v.Wakeups = slices.Insert(v.Wakeups, i, t)
	return true
}

// takeWakeup removes t; it reports whether it was there.
func (v *visitorState) takeWakeup(t time.Time) bool {
	i, found := slices.BinarySearchFunc(v.Wakeups, t, time.Time.Compare)
	if found {
		v.Wakeups = slices.Delete(v.Wakeups, i, i+1)
	}
	return found
}

func (v *visitorState) rememberOffer(m *message.Message) {
	if len(m.QuickReplies) == 0 {
		return
	}
	kept, n := make([]message.Offer, 0, len(v.Offers)+1), len(m.QuickReplies)
	for i := len(v.Offers) - 1; i >= 0; i-- { // newest first, to keep the newest within the bound
		o := v.Offers[i]
		o.QuickReplies = slices.DeleteFunc(slices.Clone(o.QuickReplies), func(q message.QuickReply) bool {
			_, again := m.QuickReply(q.Value)
			return again
		})
		if len(o.QuickReplies) > 0 && n+len(o.QuickReplies) <= maxOffered {
			kept = append(kept, o)
			n += len(o.QuickReplies)
		}
	}
	slices.Reverse(kept)
	v.Offers = append(kept, message.OfferOf(m))
}

// resolveReply fills a quick-reply click's label and action from the
// message that offered it: the named message if it is remembered with that
// value, else the latest one offering that value.
func (v *visitorState) resolveReply(ev *tracker.Event) {
	if ev.QuickReply == "" {
		return
	}
	o, q, ok := message.Resolve(v.Offers, ev.MessageID, ev.QuickReply)
	if !ok && ev.MessageID != "" {
		o, q, ok = message.Resolve(v.Offers, "", ev.QuickReply)
	}
	if ok {
		ev.Text, ev.Action, ev.MessageID = q.Text, q.Action, o.MessageID
	}
}

// The stored form of a visitor is CBOR with small integer keys (the cbor
// tags): about half the size of JSON, and faster both ways. Times keep
// their nanoseconds. A state stored as JSON (by an earlier Beckon) is
// still read.
var (
	cborEnc = func() cbor.EncMode {
		em, err := cbor.EncOptions{Time: cbor.TimeRFC3339Nano}.EncMode()
		if err != nil {
			panic(err)
		}
		return em
	}()
	cborDec = func() cbor.DecMode {
		dm, err := cbor.DecOptions{DefaultMapType: reflect.TypeOf(map[string]any{})}.DecMode()
		if err != nil {
			panic(err)
		}
		return dm
	}()
)

func (v *visitorState) marshal() ([]byte, error) { return cborEnc.Marshal(v) }

func unmarshalVisitor(data []byte) (*visitorState, error) {
	v := &visitorState{}
	var err error
	if len(data) > 0 && data[0] == '{' {
		err = json.Unmarshal(data, v)
	} else {
		err = cborDec.Unmarshal(data, v)
	}
	if err != nil {
		return nil, err
	}
	return v, nil
}

// restore puts back a state marshal made, keeping v's identity (the
// environment's functions point at v).
func (v *visitorState) restore(data []byte) error {
	old, err := unmarshalVisitor(data)
	if err != nil {
		return err
	}
	v.Visitor, v.Rules, v.Wakeups = old.Visitor, old.Rules, old.Wakeups
	v.LastEval, v.LastSend, v.Offers, v.Score = old.LastEval, old.LastSend, old.Offers, old.Score
	v.refs, v.gen, v.liveOK = nil, 0, false
	return nil
}

// copyVisitor is a deep copy of the tracker's view, safe to hand out.
func (v *visitorState) copyVisitor() tracker.Visitor {
	c := v.Visitor
	c.Attributes = copyJSON(v.Attributes).(map[string]any)
	c.Session.Pages = slices.Clone(v.Session.Pages)
	c.Page.Query = maps.Clone(v.Page.QueryMap())
	return c
}

// copyJSON deep-copies a value decoded from JSON (maps, slices, scalars).
func copyJSON(x any) any {
	switch x := x.(type) {
	case map[string]any:
		c := make(map[string]any, len(x))
		for k, v := range x {
			c[k] = copyJSON(v)
		}
		return c
	case []any:
		c := make([]any, len(x))
		for i, v := range x {
			c[i] = copyJSON(v)
		}
		return c
	}
	return x
}
