package rules

import (
	"strings"

	"github.com/expr-lang/expr/ast"
)

// Guard is a condition that an expression requires: one of the &&
// conjuncts at its top is
//   - on a text field: `FIELD == "x"`, `FIELD in [...]`, `FIELD in
//     lists.NAME` or `FIELD startsWith "x"`;
//   - on a number field: `FIELD > 3` (or >=, <, <=, ==);
//   - `visited("glob")`.
//
// When a guard does not hold, the expression is false without running it,
// so the engine can index rules by the values they require and skip most
// of a large rule set.
type Guard struct {
	Kind   GuardKind
	Field  string   // a dotted path, e.g. page.path or visitor.attributes.plan
	Exact  []string // text: any of these values
	Prefix string   // text: or, when Exact is nil, values starting with this
	// Number: Field Op Num, with Op one of > >= < <= ==.
	Op  string
	Num float64
	// Visited: a page of the session matches Glob.
	Glob string
	// NumberValue reads a number field.
	NumberValue func(*Env) float64 `json:"-"`
	// Value reads the field from an environment; ok is false when it is
	// missing or not text (then the guard cannot hold).
	Value func(*Env) (string, bool) `json:"-"`
	// Static is set when only events other than heartbeats can change the
	// field (see static.go).
	Static bool
}

// GuardKind tells text, number and visited guards apart.
type GuardKind int

// Kinds of guards.
const (
	TextGuard GuardKind = iota
	NumberGuard
	VisitedGuard
)

// Matches reports whether a text guard holds for v.
func (g *Guard) Matches(v string) bool {
	if g.Exact != nil {
		return contains(g.Exact, v)
	}
	return strings.HasPrefix(v, g.Prefix)
}

// MatchesNumber reports whether a number guard holds for x.
func (g *Guard) MatchesNumber(x float64) bool {
	switch g.Op {
	case ">":
		return x > g.Num
	case ">=":
		return x >= g.Num
	case "<":
		return x < g.Num
	case "<=":
		return x <= g.Num
	}
	return x == g.Num
}

// Holds reports whether the guard holds in env.
func (g *Guard) Holds(env *Env) bool {
	switch g.Kind {
	case NumberGuard:
		return g.MatchesNumber(g.NumberValue(env))
	case VisitedGuard:
		for _, p := range env.Session.Pages {
			if MatchGlob(g.Glob, p) {
				return true
			}
		}
		return false
	}
	v, ok := g.Value(env)
	return ok && g.Matches(v)
}

// numberFields are the number fields a guard may read. Each is a whole
// number in the environment; a guard compares it as a float64, as expr
// does.
var numberFields = map[string]func(*Env) float64{
	"session.page_views":         func(e *Env) float64 { return float64(e.Session.PageViews) },
	"session.messages_sent":      func(e *Env) float64 { return float64(e.Session.MessagesSent) },
	"session.replies":            func(e *Env) float64 { return float64(e.Session.Replies) },
	"session.quick_reply_clicks": func(e *Env) float64 { return float64(e.Session.QuickReplyClicks) },
	"visitor.visits":             func(e *Env) float64 { return float64(e.Visitor.Visits) },
	"page.scroll_depth":          func(e *Env) float64 { return e.Page.ScrollDepth },
}

// flipped is the operator with its operands swapped.
var flipped = map[string]string{">": "<", ">=": "<=", "<": ">", "<=": ">=", "==": "=="}

// numberGuard reads `FIELD op N` (or `N op FIELD`) as a guard.
func numberGuard(b *ast.BinaryNode) (Guard, bool) {
	op, ok := flipped[b.Operator]
	if !ok {
		return Guard{}, false
	}
	field, num := b.Left, b.Right
	if _, isNum := number(field); isNum {
		field, num = num, field
	} else {
		op = b.Operator
	}
	path, ok := fieldPath(field)
	get := numberFields[path]
	n, isNum := number(num)
	if !ok || get == nil || !isNum {
		return Guard{}, false
	}
	return Guard{Kind: NumberGuard, Field: path, Op: op, Num: n, NumberValue: get, Static: true}, true
}

func number(n ast.Node) (float64, bool) {
	switch x := n.(type) {
	case *ast.IntegerNode:
		return float64(x.Value), true
	case *ast.FloatNode:
		return x.Value, true
	}
	return 0, false
}

// visitedGuard reads `visited("glob")` as a guard.
func visitedGuard(n ast.Node) (Guard, bool) {
	c, ok := n.(*ast.CallNode)
	if !ok || len(c.Arguments) != 1 {
		return Guard{}, false
	}
	id, ok := c.Callee.(*ast.IdentifierNode)
	s, isText := c.Arguments[0].(*ast.StringNode)
	if !ok || id.Value != "visited" || !isText {
		return Guard{}, false
	}
	return Guard{Kind: VisitedGuard, Field: "visited", Glob: s.Value, Static: true}, true
}

// textFields are the text fields of Env a guard may read, and how.
var textFields = map[string]func(*Env) string{
	"event.type":               func(e *Env) string { return e.Event.Type },
	"event.name":               func(e *Env) string { return e.Event.Name },
	"page.url":                 func(e *Env) string { return e.Page.URL },
	"page.path":                func(e *Env) string { return e.Page.Path },
	"page.host":                func(e *Env) string { return e.Page.Host },
	"page.title":               func(e *Env) string { return e.Page.Title },
	"page.referrer":            func(e *Env) string { return e.Page.Referrer },
	"session.landing_page":     func(e *Env) string { return e.Session.LandingPage },
	"session.referrer":         func(e *Env) string { return e.Session.Referrer },
	"session.device":           func(e *Env) string { return e.Session.Device },
	"session.utm.source":       func(e *Env) string { return e.Session.UTM.Source },
	"session.utm.medium":       func(e *Env) string { return e.Session.UTM.Medium },
	"session.utm.campaign":     func(e *Env) string { return e.Session.UTM.Campaign },
	"session.utm.term":         func(e *Env) string { return e.Session.UTM.Term },
	"session.utm.content":      func(e *Env) string { return e.Session.UTM.Content },
	"session.last_reply.value": func(e *Env) string { return e.Session.LastReply.Value },
	"session.last_reply.action": func(e *Env) string {
		return e.Session.LastReply.Action
	},
	"visitor.status": func(e *Env) string { return e.Visitor.Status },
}

// fieldGetter returns how to read a text field, or nil when a guard cannot
// use it.
func fieldGetter(field string) func(*Env) (string, bool) {
	if get := textFields[field]; get != nil {
		return func(e *Env) (string, bool) { return get(e), true }
	}
	if name, ok := strings.CutPrefix(field, "visitor.attributes."); ok && !strings.Contains(name, ".") {
		return func(e *Env) (string, bool) {
			s, ok := e.Visitor.Attributes[name].(string)
			return s, ok
		}
	}
	return nil
}

// findGuards collects the guards among the top-level conjuncts.
func findGuards(n ast.Node, lists map[string][]string) []Guard {
	var out []Guard
	for _, c := range conjuncts(n) {
		if g, ok := visitedGuard(c); ok {
			out = append(out, g)
		}
		b, ok := c.(*ast.BinaryNode)
		if !ok {
			continue
		}
		if g, ok := guardOf(b, lists); ok {
			out = append(out, g)
		} else if g, ok := numberGuard(b); ok {
			out = append(out, g)
		}
	}
	return out
}

// guardOf reads one comparison as a guard.
func guardOf(b *ast.BinaryNode, lists map[string][]string) (Guard, bool) {
	field, value := b.Left, b.Right
	if b.Operator == "==" {
		if _, isText := field.(*ast.StringNode); isText {
			field, value = value, field
		}
	}
	path, ok := fieldPath(field)
	if !ok {
		return Guard{}, false
	}
	g := Guard{Field: path, Value: fieldGetter(path), Static: staticOnly(field)}
	if g.Value == nil {
		return Guard{}, false
	}
	s, isText := value.(*ast.StringNode)
	switch {
	case b.Operator == "==" && isText:
		g.Exact = []string{s.Value}
		return g, true
	case b.Operator == "startsWith" && isText && s.Value != "":
		g.Prefix = s.Value
		return g, true
	case b.Operator == "in":
		g.Exact, ok = stringList(value, lists)
		return g, ok && g.Exact != nil
	}
	return Guard{}, false
}

// fieldPath is the dotted path of a chain of plain member accesses, such as
// session.utm.source or visitor.attributes["plan"].
func fieldPath(n ast.Node) (string, bool) {
	switch x := n.(type) {
	case *ast.IdentifierNode:
		return x.Value, true
	case *ast.MemberNode:
		prop, ok := x.Property.(*ast.StringNode)
		if !ok || x.Optional {
			return "", false
		}
		base, ok := fieldPath(x.Node)
		return base + "." + prop.Value, ok
	}
	return "", false
}

// stringList reads a literal array of strings or a known list.
func stringList(n ast.Node, lists map[string][]string) ([]string, bool) {
	switch x := n.(type) {
	case *ast.ArrayNode:
		out := make([]string, 0, len(x.Nodes))
		for _, e := range x.Nodes {
			s, ok := e.(*ast.StringNode)
			if !ok {
				return nil, false
			}
			out = append(out, s.Value)
		}
		return out, true
	case *ast.MemberNode:
		id, ok1 := x.Node.(*ast.IdentifierNode)
		prop, ok2 := x.Property.(*ast.StringNode)
		if ok1 && ok2 && id.Value == "lists" {
			l, known := lists[prop.Value]
			return append([]string{}, l...), known
		}
	}
	return nil, false
}
