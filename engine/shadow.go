package engine

import (
	"time"

	"github.com/beckonhq/beckon/funnel"
	"github.com/beckonhq/beckon/rules"
)

// Rule controls: shadow rules count what they would send, disabled rules
// are passed by.

// wouldSend counts the shadow rules among the candidates whose message
// renders as would_send, and records it in their shadow history (so a
// shadow rule counts once per stretch, and its frequency and cooldown hold
// as if it had sent). A would-send is not a message: it takes no share of
// the session's proactive cap, does not stop another rule's message at
// this instant, and is never delivered. Call with ent.mu held.
func (e *Engine) wouldSend(ent *entry, sc *scratch, set *rules.Set, cands []int, env rules.Env, t time.Time, tr *Evaluation) {
	v := ent.v
	changed := false
	for _, i := range cands {
		r := set.Rules[i]
		if !r.Shadow {
			continue
		}
		msg, _, err := e.render(sc, r, v, env, t)
		if err != nil {
			e.log.Warn("engine: template failed in a shadow rule", "rule", r.Name, "visitor", v.ID, "err", err)
			tr.note(i, "template failed: "+err.Error())
			continue
		}
		v.state(set, i).Shadow.sent(v.Session.ID, t)
		e.count(ent, r.Name, funnel.WouldSend, t)
		tr.wouldSend(i, msg)
		changed = true
	}
	if changed {
		v.moves++ // a change to commit, even at a heartbeat
		e.changed(ent)
	}
}

// passDisabled passes by disabled rule i without evaluating it: a stretch
// it had going ends, and the pass counts as suppressed.disabled.
func (e *Engine) passDisabled(ent *entry, set *rules.Set, i int, t time.Time, tr *Evaluation) {
	e.clearRule(ent.v, set, i)
	e.count(ent, set.Rules[i].Name, suppressedName[reasonDisabled], t)
	tr.note(i, "disabled (enabled: false)")
}
