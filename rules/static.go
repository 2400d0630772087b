package rules

import (
	"strings"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/ast"
)

// Between two events other than heartbeats, most of what a condition reads
// stays the same: the page, the session's pages and campaign, the
// visitor's attributes. Only the clock (and what follows it: time on
// page, the session's duration, presence, the score, open schedules) and
// the event itself move. A condition's static part is the && of its
// top-level conjuncts that read none of those; the engine runs it once
// per such event, and on heartbeats and timers runs only the rules whose
// static part held.

// dynamicNames are what may change at a heartbeat or a timer.
var dynamicNames = map[string]bool{
	"event": true, "now": true, "open": true,
	"page.time_on_page": true, "session.duration": true,
	"visitor.status": true, "visitor.engagement_score": true,
	// The whole of these objects holds dynamic fields.
	"page": true, "session": true, "visitor": true,
}

// staticOnly reports whether n reads nothing that a heartbeat or a timer
// may change.
func staticOnly(n ast.Node) bool {
	roots := &chainRoots{skip: map[ast.Node]bool{}}
	ast.Walk(&n, roots)
	v := &dynamicFinder{skip: roots.skip}
	ast.Walk(&n, v)
	return !v.found
}

// chainRoots finds the identifiers at the roots of member chains, so that
// they are judged by their chain (page.path) rather than taken for the
// whole object (page).
type chainRoots struct{ skip map[ast.Node]bool }

func (c *chainRoots) Visit(node *ast.Node) {
	m, ok := (*node).(*ast.MemberNode)
	if !ok {
		return
	}
	for n := ast.Node(m); ; {
		switch x := n.(type) {
		case *ast.MemberNode:
			n = x.Node
			continue
		case *ast.IdentifierNode:
			c.skip[x] = true
		}
		return
	}
}

type dynamicFinder struct {
	found bool
	skip  map[ast.Node]bool // identifiers at the root of a member chain
}

func (d *dynamicFinder) Visit(node *ast.Node) {
	switch n := (*node).(type) {
	case *ast.MemberNode:
		if path, ok := fieldPath(n); ok {
			root, rest, _ := strings.Cut(path, ".")
			second, _, _ := strings.Cut(rest, ".")
			if dynamicNames[root] && root != "page" && root != "session" && root != "visitor" || dynamicNames[root+"."+second] {
				d.found = true
			}
		}
	case *ast.IdentifierNode:
		if !d.skip[n] && dynamicNames[n.Value] {
			d.found = true
		}
	case *ast.CallNode:
		if id, ok := n.Callee.(*ast.IdentifierNode); ok && dynamicNames[id.Value] {
			d.found = true
		}
	}
}

// conjuncts lists the top-level && operands of n.
func conjuncts(n ast.Node) []ast.Node {
	if b, ok := n.(*ast.BinaryNode); ok && (b.Operator == "&&" || b.Operator == "and") {
		return append(conjuncts(b.Left), conjuncts(b.Right)...)
	}
	return []ast.Node{n}
}

// staticPart compiles the && of n's static conjuncts, or returns nil when
// n has none, or nothing but static ones (then the engine needs no second
// program: the whole condition is static).
func staticPart(n ast.Node, env any) (*Expr, bool) {
	var parts []string
	all := conjuncts(n)
	for _, c := range all {
		if staticOnly(c) {
			parts = append(parts, "("+c.String()+")")
		}
	}
	if len(parts) == 0 {
		return nil, false
	}
	if len(parts) == len(all) {
		return nil, true
	}
	src := strings.Join(parts, " && ")
	prog, err := expr.Compile(src, expr.Env(env), expr.AsBool())
	if err != nil {
		return nil, false // the whole condition still runs: nothing is lost
	}
	return &Expr{Source: src, program: prog}, false
}
