package rules

import (
	"strings"

	"github.com/expr-lang/expr/ast"
)

// Guard is a condition on one text field that an expression requires: one
// of the && conjuncts at its top is `FIELD == "x"`, `FIELD in [...]`,
// `FIELD in lists.NAME` or `FIELD startsWith "x"`. When a guard does not
// hold, the expression is false without running it, so the engine can
// index rules by the values they require and skip most of a large rule
// set.
type Guard struct {
	Field  string   // a dotted path, e.g. page.path or visitor.attributes.plan
	Exact  []string // any of these values
	Prefix string   // or, when Exact is nil, values starting with this
	// Value reads the field from an environment; ok is false when it is
	// missing or not text (then the guard cannot hold).
	Value func(*Env) (string, bool) `json:"-"`
	// Static is set when only events other than heartbeats can change the
	// field (see static.go).
	Static bool
}

// Matches reports whether the guard holds for v.
func (g *Guard) Matches(v string) bool {
	if g.Exact != nil {
		return contains(g.Exact, v)
	}
	return strings.HasPrefix(v, g.Prefix)
}

// Holds reports whether the guard holds in env.
func (g *Guard) Holds(env *Env) bool {
	v, ok := g.Value(env)
	return ok && g.Matches(v)
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
	b, ok := n.(*ast.BinaryNode)
	if !ok {
		return nil
	}
	if b.Operator == "&&" || b.Operator == "and" {
		return append(findGuards(b.Left, lists), findGuards(b.Right, lists)...)
	}
	if g, ok := guardOf(b, lists); ok {
		return []Guard{g}
	}
	return nil
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
