package engine

import (
	"slices"

	"github.com/beckonhq/beckon/rules"
)

// ruleIndex finds the rules whose `when` can be true in an environment.
// Each rule with static guards (rules.Guard: a text field its `when`
// requires to equal, be one of, or start with constants, and that only
// events other than heartbeats change) is listed under one of them, the
// one most likely to tell visitors apart; its other static guards are
// checked before it runs, its dynamic ones (event.type, visitor.status) at
// every evaluation. The rest are always candidates. A rule left out is
// false by construction, so skipping it changes nothing but the cost.
type ruleIndex struct {
	always []int
	fields []*fieldIndex
	// others are, by rule, the static guards not used to list it;
	// dynamic are its guards on fields a heartbeat or a timer can change.
	others, dynamic [][]rules.Guard
}

// fieldIndex lists rules by the values one field must have.
type fieldIndex struct {
	field  string
	value  func(*rules.Env) (string, bool)
	exact  map[string][]int
	prefix map[string][]int
	lens   []int // the distinct lengths of the prefixes, ascending
}

// fieldRank orders fields by how well they tell visitors apart: a rule is
// listed under its guard on the first field here, else on any field.
var fieldRank = []string{"page.path", "page.url", "session.landing_page", "page.host", "session.utm.campaign",
	"session.utm.source", "session.utm.medium", "session.referrer", "page.referrer", "session.device"}

func newRuleIndex(set *rules.Set) *ruleIndex {
	ix := &ruleIndex{others: make([][]rules.Guard, len(set.Rules)), dynamic: make([][]rules.Guard, len(set.Rules))}
	byField := map[string]*fieldIndex{}
	for i, r := range set.Rules {
		var gs []rules.Guard
		for _, g := range r.When.Guards {
			if g.Static {
				gs = append(gs, g)
			} else {
				ix.dynamic[i] = append(ix.dynamic[i], g)
			}
		}
		if len(gs) == 0 {
			ix.always = append(ix.always, i)
			continue
		}
		best := bestGuard(gs)
		ix.others[i] = append(slices.Clone(gs[:best]), gs[best+1:]...)
		g := gs[best]
		fi := byField[g.Field]
		if fi == nil {
			fi = &fieldIndex{field: g.Field, value: g.Value, exact: map[string][]int{}, prefix: map[string][]int{}}
			byField[g.Field] = fi
			ix.fields = append(ix.fields, fi)
		}
		fi.add(g, i)
	}
	return ix
}

// bestGuard picks the guard to list a rule under: exact before prefix,
// then by fieldRank, then the first.
func bestGuard(gs []rules.Guard) int {
	score := func(g rules.Guard) int {
		s := len(fieldRank) + 1
		if i := slices.Index(fieldRank, g.Field); i >= 0 {
			s = i
		} else if g.Field == "event.type" {
			s = len(fieldRank) + 2 // most events are heartbeats: it tells little apart
		}
		if g.Exact == nil {
			s += 100
		}
		return s
	}
	best := 0
	for i, g := range gs {
		if score(g) < score(gs[best]) {
			best = i
		}
	}
	return best
}

func (fi *fieldIndex) add(g rules.Guard, rule int) {
	if g.Exact != nil {
		for _, v := range g.Exact {
			fi.exact[v] = append(fi.exact[v], rule)
		}
		return
	}
	fi.prefix[g.Prefix] = append(fi.prefix[g.Prefix], rule)
	if !slices.Contains(fi.lens, len(g.Prefix)) {
		fi.lens = append(fi.lens, len(g.Prefix))
		slices.Sort(fi.lens)
	}
}

// candidates appends to buf, in rule order, the rules whose static guards
// all hold in env (and those without any).
func (ix *ruleIndex) candidates(env *rules.Env, buf []int) []int {
	buf = append(buf[:0], ix.always...)
	for _, fi := range ix.fields {
		v, ok := fi.value(env)
		if !ok {
			continue
		}
		buf = append(buf, fi.exact[v]...)
		for _, n := range fi.lens {
			if n > len(v) {
				break
			}
			buf = append(buf, fi.prefix[v[:n]]...)
		}
	}
	slices.Sort(buf)
	buf = slices.Compact(buf)
	kept := buf[:0]
	for _, i := range buf {
		if allHold(ix.others[i], env) {
			kept = append(kept, i)
		}
	}
	return kept
}

func allHold(gs []rules.Guard, env *rules.Env) bool {
	for k := range gs {
		if !gs[k].Holds(env) {
			return false
		}
	}
	return true
}
