// Package rules owns the rule file: its strict YAML format, the expression
// environment, compiling every `when`, template and scoring signal once at
// load, schedules, lists, validation and lints. Problems are Diagnostics with
// file:line:col; a load with any error yields no Set, so a reload is all or
// nothing.
package rules

import (
	"strings"
	"time"
)

// Frequency says how often one rule may send to a visitor.
type Frequency string

// Frequencies.
const (
	OncePerSession Frequency = "once_per_session"
	OncePerVisitor Frequency = "once_per_visitor"
	Always         Frequency = "always"
)

// Presence states a policy may send to.
var presenceStates = []string{"online", "idle", "offline"}

// Policy holds engine-wide guardrails.
type Policy struct {
	MinWait                time.Duration
	MaxProactivePerSession int
	SendTo                 []string
	// QuietAfterReply is how long after a visitor's reply only follow-up
	// rules may send.
	QuietAfterReply time.Duration
}

// DefaultPolicy follows the outbound API's best practices: wait 30 s, one
// proactive message per session, only to visitors who are online.
func DefaultPolicy() Policy {
	return Policy{MinWait: 30 * time.Second, MaxProactivePerSession: 1, SendTo: []string{"online"}}
}

// Allows reports whether a visitor in presence state status may be sent to.
func (p Policy) Allows(status string) bool { return contains(p.SendTo, status) }

// Rule is one compiled rule.
type Rule struct {
	Name        string
	Description string
	When        *Expr
	For         time.Duration
	During      *Schedule // nil: always
	Priority    int
	Frequency   Frequency
	Cooldown    time.Duration
	MinWait     *time.Duration // nil: the policy's
	Trigger     string
	Message     *Template
	// Personalization keeps the file's key order.
	Personalization []Personalization
	QuickReplies    []QuickReply
	Options         map[string]any
	AssistantID     string
	// FollowUp is set when `when` reads session.engaged or session.last_reply.
	FollowUp bool
	// Disabled (enabled: false): the rule is checked at load but never
	// evaluated.
	Disabled bool
	// Shadow (mode: shadow): the rule is evaluated and counted as
	// would_send, but never sends.
	Shadow bool

	File  string
	Line  int
	Index int // position in its Set: file order, then files in load order
}

// Personalization is one key of a rule's personalization with its template.
type Personalization struct {
	Key   string
	Value *Template
}

// QuickReply is one quick-reply button; its label may be a template.
type QuickReply struct {
	Text   *Template
	Value  string
	Action string
}

// Rule modes (the key mode).
const (
	ModeLive   = "live"
	ModeShadow = "shadow"
)

// Mode is the rule's mode: live or shadow.
func (r *Rule) Mode() string {
	if r.Shadow {
		return ModeShadow
	}
	return ModeLive
}

// EffectiveMinWait is the rule's own min_wait, else the policy's.
func (r *Rule) EffectiveMinWait(p Policy) time.Duration {
	if r.MinWait != nil {
		return *r.MinWait
	}
	return p.MinWait
}

// Set is everything loaded from one or more rule files, ready to run.
type Set struct {
	Files     []string
	Policy    Policy
	Schedules map[string]*Schedule
	Lists     map[string][]string
	Rules     []*Rule
	// Scoring is the file's scoring model; nil means the built-in one.
	Scoring *Scoring
	// NoRules are the files that say `rules: []`: no rules, on purpose.
	NoRules []string
}

// Scoring is a rule file's replacement engagement model.
type Scoring struct {
	Bias    float64
	Signals []Signal
}

// Signal is one weighted behaviour signal of a scoring model.
type Signal struct {
	Name   string
	Value  *Expr
	Weight float64
}

// ReadsPageQuery reports whether any expression of the set (conditions,
// templates, scoring signals) may read page.query, so that the engine
// builds it only for sets that do.
func (s *Set) ReadsPageQuery() bool {
	reads := func(src string) bool { return strings.Contains(src, "query") }
	for _, r := range s.Rules {
		if reads(r.When.Source) || reads(r.Message.Source) {
			return true
		}
		for _, p := range r.Personalization {
			if reads(p.Value.Source) {
				return true
			}
		}
		for _, q := range r.QuickReplies {
			if reads(q.Text.Source) {
				return true
			}
		}
	}
	if s.Scoring != nil {
		for _, sig := range s.Scoring.Signals {
			if reads(sig.Value.Source) {
				return true
			}
		}
	}
	return false
}
