package engine

import (
	"slices"
	"strings"

	"github.com/beckonhq/beckon/rules"
)

// ruleIndex finds the rules whose `when` can be true on a page. Rules with
// a page.path guard (see rules.PathGuard) are listed under their paths or
// prefixes; the rest are always evaluated. A rule left out is false by
// construction, so skipping it changes nothing but the cost.
type ruleIndex struct {
	always []int
	exact  map[string][]int
	prefix []prefixRule
}

type prefixRule struct {
	prefix string
	rule   int
}

func newRuleIndex(set *rules.Set) *ruleIndex {
	ix := &ruleIndex{exact: map[string][]int{}}
	for i, r := range set.Rules {
		g := r.When.Guard
		switch {
		case g == nil:
			ix.always = append(ix.always, i)
		case g.Exact != nil:
			for _, p := range g.Exact {
				ix.exact[p] = append(ix.exact[p], i)
			}
		default:
			ix.prefix = append(ix.prefix, prefixRule{g.Prefix, i})
		}
	}
	return ix
}

// candidates appends to buf, in rule order, the rules that may hold on path.
func (ix *ruleIndex) candidates(path string, buf []int) []int {
	buf = append(buf[:0], ix.always...)
	buf = append(buf, ix.exact[path]...)
	for _, p := range ix.prefix {
		if strings.HasPrefix(path, p.prefix) {
			buf = append(buf, p.rule)
		}
	}
	slices.Sort(buf)
	return slices.Compact(buf)
}
