package engine

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/expr-lang/expr/vm"

	"github.com/beckonhq/beckon/funnel"
	"github.com/beckonhq/beckon/message"
	"github.com/beckonhq/beckon/rules"
	"github.com/beckonhq/beckon/tracker"
)

// scratch is what one evaluation borrows: an expr VM, two index lists,
// room for the environment the index reads, and the environment's
// functions, which read the visitor, time and rule set being evaluated.
type scratch struct {
	vm    vm.VM
	cands []int // rules that may send
	list  []int // rules to run
	env   rules.Env

	visitor       *visitorState
	at            time.Time
	set           *rules.Set
	visited, open func(string) bool
}

var scratches = sync.Pool{New: func() any { return new(scratch) }}

func getScratch() *scratch { return scratches.Get().(*scratch) }
func putScratch(sc *scratch) {
	sc.visitor, sc.set = nil, nil
	scratches.Put(sc)
}

// block is a set of reasons a ready rule may not send.
type block uint8

const (
	blockSchedule block = 1 << iota
	blockFrequency
	blockCooldown
	blockPresence
	blockCap // also after a decline (a dismiss click) in the session
	blockMinWait
	blockQuiet // policy.quiet_after_reply; the funnel's "quiet"
)

// blocked returns why ready rule r, with its history h (live or shadow),
// may not send to v at t.
func blocked(set *rules.Set, r *rules.Rule, h *history, v *visitorState, t time.Time, status string) block {
	var b block
	if r.During != nil && !r.During.Open(t) {
		b |= blockSchedule
	}
	switch r.Frequency {
	case rules.OncePerSession:
		if h.SentSession == v.Session.ID {
			b |= blockFrequency
		}
	case rules.OncePerVisitor:
		if h.SentEver {
			b |= blockFrequency
		}
	case rules.Always:
		if !h.LastSent.IsZero() && t.Sub(h.LastSent) < r.Cooldown {
			b |= blockCooldown
		}
	}
	if !set.Policy.Allows(status) {
		b |= blockPresence
	}
	if !v.Session.Engaged {
		if v.Session.MessagesSent >= set.Policy.MaxProactivePerSession || v.Session.Declined {
			b |= blockCap
		}
		if t.Sub(v.Session.Start) < r.EffectiveMinWait(set.Policy) {
			b |= blockMinWait
		}
	}
	if quiet := set.Policy.QuietAfterReply; !r.FollowUp && !v.LastReplyAt.IsZero() && t.Sub(v.LastReplyAt) < quiet {
		b |= blockQuiet
	}
	return b
}

// describe says in words why a rule was blocked, for --explain.
func (b block) describe(set *rules.Set, r *rules.Rule, h *history, v *visitorState, t time.Time, status string) string {
	var why []string
	if b&blockSchedule != 0 {
		why = append(why, fmt.Sprintf("schedule %s is closed", r.During.Name))
	}
	if b&blockFrequency != 0 {
		why = append(why, fmt.Sprintf("frequency %s: already sent", r.Frequency))
	}
	if b&blockCooldown != 0 {
		why = append(why, fmt.Sprintf("cooldown: %s left", r.Cooldown-t.Sub(h.LastSent)))
	}
	if b&blockPresence != 0 {
		why = append(why, fmt.Sprintf("visitor is %s (send_to: %s)", status, strings.Join(set.Policy.SendTo, ", ")))
	}
	if b&blockCap != 0 && v.Session.Declined {
		why = append(why, "declined: the visitor dismissed a message this session")
	} else if b&blockCap != 0 {
		why = append(why, fmt.Sprintf("capped: %d of %d proactive messages sent this session", v.Session.MessagesSent, set.Policy.MaxProactivePerSession))
	}
	if b&blockMinWait != 0 {
		why = append(why, fmt.Sprintf("min_wait: session is %s old, needs %s", t.Sub(v.Session.Start), r.EffectiveMinWait(set.Policy)))
	}
	if b&blockQuiet != 0 {
		why = append(why, fmt.Sprintf("quiet: %s after a reply, quiet_after_reply is %s", t.Sub(v.LastReplyAt), set.Policy.QuietAfterReply))
	}
	return strings.Join(why, "; ")
}

// evaluate runs every rule for ent's visitor at t (ev nil: a wakeup) and
// sends at most one message. Call with ent.mu held.
func (e *Engine) evaluate(ent *entry, t time.Time, ev *tracker.Event) (*message.Message, error) {
	e.evaluations.Add(1)
	v := ent.v
	l := e.loaded.Load()
	set, model := l.set, l.model
	v.syncRefs(set, l.gen)
	sc := getScratch()
	defer putScratch(sc)
	env := v.env(sc, t, ev, l)
	v.Score = model.Value(&sc.vm, env)
	env.Visitor.EngagementScore = v.Score
	var boxed any = env
	status := env.Visitor.Status
	v.LastEval = t

	var tr *Evaluation
	if e.opts.Trace != nil {
		tr = newEvaluation(v, t, env, model.Explain(&sc.vm, boxed), set)
		defer e.opts.Trace(tr)
	}
	cands := sc.cands[:0]
	check := func(i int) {
		if e.ready(ent, sc, set, i, t, status, boxed, tr) {
			cands = append(cands, i)
		}
	}
	if tr != nil { // explaining: run every rule, to say why each is false
		v.liveOK = false
		for i := range set.Rules {
			check(i)
		}
	} else {
		sc.env = env
		sc.list = e.toRun(v, l, sc, ev, boxed)
		for _, i := range sc.list {
			check(i)
		}
		e.clearSkipped(v, set, sc.list)
	}
	sc.cands = cands
	if len(cands) > 0 && v.LastSend.Equal(t) {
		for _, i := range cands {
			tr.note(i, "a message was already sent at this instant")
		}
		return nil, nil
	}
	byPriority(set, cands)
	msg, err := e.sendFirst(ent, sc, set, cands, env, t, tr)
	e.wouldSend(ent, sc, set, cands, env, t, tr)
	return msg, err
}

// ready evaluates rule i: its condition, pending and fired state, and
// whether anything blocks it. It reports whether the rule may send.
func (e *Engine) ready(ent *entry, sc *scratch, set *rules.Set, i int, t time.Time, status string, env any, tr *Evaluation) bool {
	v := ent.v
	r := set.Rules[i]
	if r.Disabled {
		e.passDisabled(ent, set, i, t, tr)
		return false
	}
	ok, err := r.When.Bool(&sc.vm, env)
	if err != nil {
		level := slog.LevelDebug
		if !e.loaded.Load().failed[i].Swap(true) { // once per rule and load, not at every event
			level = slog.LevelWarn
		}
		e.log.Log(context.Background(), level, "engine: when failed; taken as false", "rule", r.Name, "visitor", v.ID, "err", err)
		tr.note(i, "when failed: "+err.Error())
	}
	if !ok {
		e.clearRule(v, set, i)
		if err == nil {
			tr.note(i, "condition false")
		}
		return false
	}
	rs := v.state(set, i)
	if !rs.pending() {
		rs.PendingSince = t
		v.moves++
		if r.For > 0 {
			e.schedule(ent, t.Add(r.For))
		}
	}
	if left := r.For - t.Sub(rs.PendingSince); left > 0 {
		if tr != nil { // format only when explaining: this runs at every event
			tr.note(i, fmt.Sprintf("pending: %s to go", left))
		}
		return false
	}
	h := rs.of(r.Shadow)
	if h.Fired {
		if r.Shadow {
			tr.note(i, "fired: already counted as would_send while the condition holds")
		} else {
			tr.note(i, "fired: already sent while the condition holds")
		}
		return false
	}
	e.count(ent, r.Name, funnel.Ready, t)
	b := blocked(set, r, h, v, t, status)
	if b == blockMinWait {
		e.schedule(ent, v.Session.Start.Add(r.EffectiveMinWait(set.Policy)))
	}
	if b != 0 {
		e.suppressed(ent, r.Name, b, t)
		if tr != nil {
			tr.note(i, b.describe(set, r, h, v, t, status))
		}
		return false
	}
	return true
}

// clearSkipped clears the rules the index skipped (false by their guard)
// that still have a stretch going. evaluated is sorted.
func (e *Engine) clearSkipped(v *visitorState, set *rules.Set, evaluated []int) {
	for n := 0; n < len(v.refs); n++ {
		r := v.refs[n]
		if !r.rs.inStretch() {
			continue
		}
		if _, found := slices.BinarySearch(evaluated, r.i); !found {
			e.clearRule(v, set, r.i)
			if n < len(v.refs) && v.refs[n].i != r.i {
				n-- // dropped: the next one moved here
			}
		}
	}
}

// clearRule ends rule i's stretch: not pending, not fired.
func (e *Engine) clearRule(v *visitorState, set *rules.Set, i int) {
	rs := v.lookup(i)
	if rs == nil || !rs.inStretch() {
		return
	}
	rs.endStretch()
	v.moves++
	v.drop(set, i)
}

// byPriority orders candidates by priority, highest first, then file order.
func byPriority(set *rules.Set, cands []int) {
	for i := 1; i < len(cands); i++ {
		for j := i; j > 0 && set.Rules[cands[j]].Priority > set.Rules[cands[j-1]].Priority; j-- {
			cands[j], cands[j-1] = cands[j-1], cands[j]
		}
	}
}
