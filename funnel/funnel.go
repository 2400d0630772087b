// Package funnel owns the per-rule funnel: the names under which the
// engine and the pipeline count what each rule did (as store.Count
// records, by hour), and how those counts add up to one rule's funnel.
//
// The engine counts where it decides: ready, suppressed (by reason),
// would_send and sent. The pipeline counts what happens to a rule's
// message after: delivered and read with the message's status, replied
// and clicks with the visitor's reply.
package funnel

import (
	"strings"

	"github.com/beckonhq/beckon/store"
)

// Count names.
const (
	Ready     = "ready"      // evaluations at which the rule was ready to send
	WouldSend = "would_send" // evaluations at which a shadow rule would have sent
	Sent      = "sent"
	Delivered = "delivered"
	Read      = "read"
	Replied   = "replied" // messages that got at least one reply

	suppressedPrefix = "suppressed."
	clickPrefix      = "click."
)

// Reasons a ready rule is held back, in the order they are shown.
var Reasons = []string{"schedule", "frequency", "cooldown", "presence", "cap", "min_wait", "quiet", "disabled"}

// Suppressed is the count name of a reason a rule was held back.
func Suppressed(reason string) string { return suppressedPrefix + reason }

// Click is the count name of clicks on a quick-reply value.
func Click(value string) string { return clickPrefix + value }

// Funnel is what one rule did over a window, as GET /v1/rules shows it.
type Funnel struct {
	Ready int64 `json:"ready"`
	// Suppressed counts, by reason, the evaluations at which a ready rule
	// was held back; one held back for two reasons counts under both.
	Suppressed map[string]int64 `json:"suppressed"`
	WouldSend  int64            `json:"would_send"`
	Sent       int64            `json:"sent"`
	Delivered  int64            `json:"delivered"`
	Read       int64            `json:"read"`
	Replied    int64            `json:"replied"`
	// Clicks counts quick-reply clicks by value.
	Clicks map[string]int64 `json:"clicks"`
}

// New returns an empty funnel with every reason present, and the values
// given (the rule's quick replies) in its clicks.
func New(values ...string) *Funnel {
	f := &Funnel{Suppressed: make(map[string]int64, len(Reasons)), Clicks: make(map[string]int64, len(values))}
	for _, r := range Reasons {
		f.Suppressed[r] = 0
	}
	for _, v := range values {
		f.Clicks[v] = 0
	}
	return f
}

// Add adds n of the count name to f; a name it does not know is ignored.
func (f *Funnel) Add(name string, n int64) {
	switch name {
	case Ready:
		f.Ready += n
	case WouldSend:
		f.WouldSend += n
	case Sent:
		f.Sent += n
	case Delivered:
		f.Delivered += n
	case Read:
		f.Read += n
	case Replied:
		f.Replied += n
	default:
		if r, ok := strings.CutPrefix(name, suppressedPrefix); ok {
			f.Suppressed[r] += n
		} else if v, ok := strings.CutPrefix(name, clickPrefix); ok {
			f.Clicks[v] += n
		}
	}
}

// SuppressedTotal is the sum of the reasons' counts.
func (f *Funnel) SuppressedTotal() int64 {
	var n int64
	for _, c := range f.Suppressed {
		n += c
	}
	return n
}

// ReplyRate is replied over sent, 0 when nothing was sent.
func (f *Funnel) ReplyRate() float64 {
	if f.Sent == 0 {
		return 0
	}
	return float64(f.Replied) / float64(f.Sent)
}

// ByRule adds counts up by rule into funnels.
func ByRule(counts []store.Count) map[string]*Funnel {
	out := map[string]*Funnel{}
	for _, c := range counts {
		f := out[c.Rule]
		if f == nil {
			f = New()
			out[c.Rule] = f
		}
		f.Add(c.Name, c.N)
	}
	return out
}

// Of returns the rule's funnel from ByRule's map, with the values given
// present in its clicks; an empty funnel when the rule counted nothing.
func Of(byRule map[string]*Funnel, rule string, values ...string) *Funnel {
	f := byRule[rule]
	if f == nil {
		return New(values...)
	}
	for _, v := range values {
		if _, ok := f.Clicks[v]; !ok {
			f.Clicks[v] = 0
		}
	}
	return f
}
