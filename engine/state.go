package engine

import (
	"encoding/json"
	"slices"
	"time"

	"github.com/beckonhq/beckon/rules"
	"github.com/beckonhq/beckon/tracker"
)

// ruleState is one rule's state machine for one visitor (SPEC 3.2-3.4):
// pending since a time, fired until its condition goes false, and the
// history its frequency needs.
type ruleState struct {
	PendingSince time.Time `json:"pending_since,omitzero"`
	Fired        bool      `json:"fired,omitempty"`
	SentSession  string    `json:"sent_session,omitempty"` // session of the last send
	SentEver     bool      `json:"sent_ever,omitempty"`
	LastSent     time.Time `json:"last_sent,omitzero"`
}

func (rs *ruleState) pending() bool { return !rs.PendingSince.IsZero() }

// idle reports whether the state carries nothing worth keeping.
func (rs *ruleState) idle() bool { return *rs == ruleState{} }

// offer remembers the quick replies of a recent message, so a click can be
// resolved to its label and action.
type offer struct {
	MessageID string       `json:"message_id"`
	Replies   []QuickReply `json:"quick_replies"`
}

const maxOffers = 10

// visitorState is the engine's record of one visitor: the tracker's view
// plus the rules' state machines and pending wakeups. It is what is
// persisted, as JSON, under the visitor's id.
type visitorState struct {
	tracker.Visitor
	Rules    map[string]*ruleState `json:"rules,omitempty"`
	Wakeups  []time.Time           `json:"wakeups,omitempty"` // sorted; current session only
	LastEval time.Time             `json:"last_eval,omitzero"`
	LastSend time.Time             `json:"last_send,omitzero"`
	Offers   []offer               `json:"offers,omitempty"`
	Score    int                   `json:"score"`

	// byIndex caches Rules by rule index for the set generation gen.
	byIndex []*ruleState
	gen     int
	// The environment's functions, made once per visitor; they read the
	// evaluation's time and rule set from evalAt and evalSet.
	visitedFn func(string) bool
	openFn    func(string) bool
	evalAt    time.Time
	evalSet   *rules.Set
}

// ruleStates returns the per-rule slice for the set, rebuilding it after a
// reload (state carries over by rule name).
func (v *visitorState) ruleStates(set *rules.Set, gen int) []*ruleState {
	if v.gen == gen && len(v.byIndex) == len(set.Rules) {
		return v.byIndex
	}
	v.byIndex = make([]*ruleState, len(set.Rules))
	for i, r := range set.Rules {
		v.byIndex[i] = v.Rules[r.Name]
	}
	v.gen = gen
	return v.byIndex
}

// state returns (creating) rule i's state.
func (v *visitorState) state(set *rules.Set, i int) *ruleState {
	if rs := v.byIndex[i]; rs != nil {
		return rs
	}
	rs := &ruleState{}
	if v.Rules == nil {
		v.Rules = map[string]*ruleState{}
	}
	v.Rules[set.Rules[i].Name] = rs
	v.byIndex[i] = rs
	return rs
}

// newSession resets what belongs to a session: the rules' pending and fired
// states and the wakeups (SPEC 3.8).
func (v *visitorState) newSession() {
	for name, rs := range v.Rules {
		rs.PendingSince, rs.Fired = time.Time{}, false
		if rs.idle() {
			delete(v.Rules, name)
		}
	}
	v.byIndex = nil
	v.Wakeups = v.Wakeups[:0]
	v.Offers = nil
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

func (v *visitorState) rememberOffer(m *Message) {
	if len(m.QuickReplies) == 0 {
		return
	}
	v.Offers = append(v.Offers, offer{MessageID: m.ID, Replies: m.QuickReplies})
	if len(v.Offers) > maxOffers {
		v.Offers = v.Offers[len(v.Offers)-maxOffers:]
	}
}

// resolveReply fills a quick-reply click's label and action from the
// message that offered it: the named message, else the latest one offering
// that value.
func (v *visitorState) resolveReply(ev *tracker.Event) {
	if ev.QuickReply == "" {
		return
	}
	for i := len(v.Offers) - 1; i >= 0; i-- {
		o := v.Offers[i]
		if ev.MessageID != "" && o.MessageID != ev.MessageID {
			continue
		}
		for _, q := range o.Replies {
			if q.Value == ev.QuickReply {
				ev.Text, ev.Action = q.Text, q.Action
				if ev.MessageID == "" {
					ev.MessageID = o.MessageID
				}
				return
			}
		}
	}
}

func (v *visitorState) marshal() ([]byte, error) { return json.Marshal(v) }

func unmarshalVisitor(data []byte) (*visitorState, error) {
	v := &visitorState{}
	if err := json.Unmarshal(data, v); err != nil {
		return nil, err
	}
	return v, nil
}
