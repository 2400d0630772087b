package engine

import (
	"github.com/beckonhq/beckon/tracker"
)

// toRun lists, in rule order, the rules to evaluate: the live ones (see
// rules/static.go) whose dynamic guards hold. The live ones are found
// again after any event but a heartbeat, a send or a reload; at heartbeats
// and timers the visitor's list of them is used as it is.
func (e *Engine) toRun(v *visitorState, l *loaded, sc *scratch, ev *tracker.Event, env any) []int {
	if !v.liveOK || v.liveGen != l.gen || (ev != nil && ev.Type != tracker.Heartbeat) {
		v.live = v.live[:0]
		sc.list = l.index.candidates(&sc.env, sc.list)
		for _, i := range sc.list {
			when := l.set.Rules[i].When
			st := when.Static
			if when.WhollyStatic {
				st = when
			}
			if st != nil && !l.set.Rules[i].Disabled { // a disabled rule's condition is never run
				if ok, err := st.Bool(&sc.vm, env); err == nil && !ok {
					continue // an error is left to the full condition, which reports it
				}
			}
			v.live = append(v.live, int32(i))
		}
		v.liveOK, v.liveGen = true, l.gen
	}
	list := sc.list[:0]
	for _, i := range v.live {
		if allHold(l.index.dynamic[i], &sc.env) {
			list = append(list, int(i))
		}
	}
	return list
}
