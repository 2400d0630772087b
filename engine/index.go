package engine

import (
	"slices"
	"strings"

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
	always  []int
	fields  []*fieldIndex
	numbers []*numberIndex
	visited *globIndex
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
	ix := &ruleIndex{others: make([][]rules.Guard, len(set.Rules)), dynamic: make([][]rules.Guard, len(set.Rules)),
		visited: &globIndex{prefix: map[string][]globRule{}}}
	byField := map[string]*fieldIndex{}
	byNumber := map[string]*numberIndex{}
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
		switch g := gs[best]; g.Kind {
		case rules.VisitedGuard:
			ix.visited.add(g.Glob, i)
		case rules.NumberGuard:
			ni := byNumber[g.Field]
			if ni == nil {
				ni = &numberIndex{value: g.NumberValue, eq: map[float64][]int{}}
				byNumber[g.Field] = ni
				ix.numbers = append(ix.numbers, ni)
			}
			ni.add(g, i)
		default:
			fi := byField[g.Field]
			if fi == nil {
				fi = &fieldIndex{field: g.Field, value: g.Value, exact: map[string][]int{}, prefix: map[string][]int{}}
				byField[g.Field] = fi
				ix.fields = append(ix.fields, fi)
			}
			fi.add(g, i)
		}
	}
	for _, ni := range ix.numbers {
		ni.sort()
	}
	return ix
}

// bestGuard picks the guard to list a rule under: an exact text value
// (by fieldRank), then a visited page, then a number, then a text prefix.
func bestGuard(gs []rules.Guard) int {
	score := func(g rules.Guard) int {
		switch g.Kind {
		case rules.VisitedGuard:
			return 50
		case rules.NumberGuard:
			return 60
		}
		s := len(fieldRank) + 1
		if i := slices.Index(fieldRank, g.Field); i >= 0 {
			s = i
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
	for _, ni := range ix.numbers {
		buf = ni.candidates(ni.value(env), buf)
	}
	buf = ix.visited.candidates(env.Session.Pages, buf)
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

// numberIndex lists rules by a threshold on one number field.
type numberIndex struct {
	value func(*rules.Env) float64
	above []threshold // > and >=, by Num ascending
	below []threshold // < and <=, by Num descending
	eq    map[float64][]int
}

type threshold struct {
	g    rules.Guard
	rule int
}

func (ni *numberIndex) add(g rules.Guard, rule int) {
	switch g.Op {
	case ">", ">=":
		ni.above = append(ni.above, threshold{g, rule})
	case "<", "<=":
		ni.below = append(ni.below, threshold{g, rule})
	default:
		ni.eq[g.Num] = append(ni.eq[g.Num], rule)
	}
}

func (ni *numberIndex) sort() {
	slices.SortStableFunc(ni.above, func(a, b threshold) int { return cmp(a.g.Num, b.g.Num) })
	slices.SortStableFunc(ni.below, func(a, b threshold) int { return cmp(b.g.Num, a.g.Num) })
}

func cmp(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// candidates appends the rules whose threshold x passes: the sorted lists
// are walked only as far as thresholds can pass.
func (ni *numberIndex) candidates(x float64, buf []int) []int {
	for _, t := range ni.above {
		if t.g.Num > x {
			break
		}
		if t.g.MatchesNumber(x) {
			buf = append(buf, t.rule)
		}
	}
	for _, t := range ni.below {
		if t.g.Num < x {
			break
		}
		if t.g.MatchesNumber(x) {
			buf = append(buf, t.rule)
		}
	}
	return append(buf, ni.eq[x]...)
}

// globIndex lists visited() rules by the text their glob starts with
// (before its first *), so that only globs a page can match are tried.
type globIndex struct {
	prefix map[string][]globRule
	lens   []int
}

type globRule struct {
	glob string
	rule int
}

func (gi *globIndex) add(glob string, rule int) {
	lit, _, _ := strings.Cut(glob, "*")
	gi.prefix[lit] = append(gi.prefix[lit], globRule{glob, rule})
	if !slices.Contains(gi.lens, len(lit)) {
		gi.lens = append(gi.lens, len(lit))
		slices.Sort(gi.lens)
	}
}

// candidates appends the rules whose glob matches one of the pages.
func (gi *globIndex) candidates(pages []string, buf []int) []int {
	if len(gi.prefix) == 0 {
		return buf
	}
	for _, p := range pages {
		for _, n := range gi.lens {
			if n > len(p) {
				break
			}
			for _, g := range gi.prefix[p[:n]] {
				if rules.MatchGlob(g.glob, p) {
					buf = append(buf, g.rule)
				}
			}
		}
	}
	return buf
}
