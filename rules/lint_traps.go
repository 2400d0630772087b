package rules

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/parser"
	"gopkg.in/yaml.v3"
)

// EventTypes are the values of event.type: the beacon's event types and
// timer, for a wakeup.
var EventTypes = []string{"page_view", "heartbeat", "scroll", "exit_intent", "visibility",
	"page_leave", "identify", "reply", "custom", "timer"}

// lintTraps warns about what loads but does not do what it reads like.
func lintTraps(d *decoder, r *Rule, nodes ruleNodes, ctx string) {
	pers := map[string]*Template{}
	for _, p := range r.Personalization {
		pers[p.Key] = p.Value
	}
	var set []string // attributes the rule only sends with
	if r.When != nil {
		set = r.When.SetAttributes
	}
	d.lintText(nodes["message"], r.Message, ctx, "message", pers, set)
	for i, q := range r.QuickReplies {
		item := resolve(nodes["quick_replies"]).Content[i]
		d.lintText(valueOf(item, "text"), q.Text, ctx, fmt.Sprintf("quick_replies[%d].text", i), pers, set)
	}
	for _, p := range r.Personalization {
		d.lintText(valueOf(nodes["personalization"], p.Key), p.Value, ctx, "personalization."+p.Key, nil, set)
	}
	if n, set := nodes["trigger"]; set && r.When != nil && contains(EventTypes, r.Trigger) &&
		!contains(r.When.EventTypes, r.Trigger) && !(r.Trigger == "reply" && r.FollowUp) {
		d.warnf(n, ctx, "trigger", "%s is an event type, but when never tests event.type == %q, so the rule sends whenever when holds, not at that event; add the test to when, or use another trigger name (like behavior)", r.Trigger, r.Trigger)
	}
}

// lintText checks one text of a rule: a comment that cut it short, and
// values without a fallback.
func (d *decoder) lintText(n *yaml.Node, t *Template, ctx, field string, pers map[string]*Template, set []string) {
	if n == nil || t == nil {
		return
	}
	d.lintComment(n, ctx, field)
	for _, p := range t.parts {
		if p.bare == "" {
			continue
		}
		if contains(set, p.bare) {
			continue
		}
		line, col := d.exprPos(resolve(n), t.Source, p.off, 1, 0)
		if key, ok := strings.CutPrefix(p.bare, "personalization."); ok {
			if pt := pers[key]; pt != nil && pt.mayBeEmpty() {
				d.warnAt(line, col, ctx, field, "{{ %s }} prints nothing when %s is empty; give the value of %s a fallback with ??", p.bare, p.bare, p.bare)
			}
			continue
		}
		d.warnAt(line, col, ctx, field, "{{ %s }} prints nothing when the visitor has no %s; give a fallback, like {{ %s ?? \"there\" }}", p.bare, attributeName(p.bare), p.bare)
	}
}

// lintComment warns when YAML took the end of a plain text for a comment:
// in `message: Austin's #1 team`, " #" starts one.
func (d *decoder) lintComment(n *yaml.Node, ctx, field string) {
	if _, copied := d.via[n]; n.Kind != yaml.ScalarNode || n.Style != 0 || copied {
		return // quoted and block texts keep their #; an alias's text is at its anchor
	}
	line, col, length := n.Line, n.Column, len(n.Value)
	if segs := d.segments(n, n.Value); len(segs) > 0 {
		s := segs[len(segs)-1]
		line, col, length = s.line, s.col, s.len
	}
	raw := []rune(d.lineAt(line))
	if col < 1 || col-1 > len(raw) {
		return
	}
	rest := string(raw[col-1:])
	if length > len(rest) {
		return
	}
	after := rest[length:]
	comment := strings.TrimLeft(after, " \t")
	if comment == after || !strings.HasPrefix(comment, "#") {
		return
	}
	at := col + utf8.RuneCountInString(rest[:length]) + utf8.RuneCountInString(after) - utf8.RuneCountInString(comment)
	d.warnAt(line, at, ctx, field, "\" #\" starts a YAML comment, so the text ends at %q and %q is left out; put the whole text in quotes, or move the comment to a line of its own",
		n.Value, strings.TrimRight(comment, " \t\r"))
}

// mayBeEmpty reports whether a personalization value can print nothing:
// it is blank, or only paths into visitor.attributes without a fallback.
func (t *Template) mayBeEmpty() bool {
	if t.hasText() {
		return false
	}
	for _, p := range t.parts {
		if p.expr != nil && !strings.HasPrefix(p.bare, "visitor.") {
			return false
		}
	}
	return true
}

// barePath returns src when it is only a path into visitor.attributes or
// personalization, else "".
func barePath(src string) string {
	tree, err := parser.Parse(src)
	if err != nil {
		return ""
	}
	if isAttribute(tree.Node) {
		return tree.Node.String()
	}
	if m, ok := tree.Node.(*ast.MemberNode); ok {
		if id, isID := m.Node.(*ast.IdentifierNode); isID && id.Value == "personalization" {
			return tree.Node.String()
		}
	}
	return ""
}

// setAttributes are the attribute paths that a condition can only be true
// with: those its top-level && parts compare with nil, a value or a list
// (`visitor.attributes.plan != nil && …`). A message sent by the rule may
// print them without a fallback.
func setAttributes(n ast.Node) []string {
	b, ok := n.(*ast.BinaryNode)
	if !ok {
		return nil
	}
	switch b.Operator {
	case "&&", "and":
		return append(setAttributes(b.Left), setAttributes(b.Right)...)
	case "!=":
		for _, pair := range [][2]ast.Node{{b.Left, b.Right}, {b.Right, b.Left}} {
			if _, isNil := pair[1].(*ast.NilNode); isNil && isAttribute(pair[0]) {
				return []string{pair[0].String()}
			}
		}
	case "==":
		for _, pair := range [][2]ast.Node{{b.Left, b.Right}, {b.Right, b.Left}} {
			if isLiteral(pair[1]) && isAttribute(pair[0]) {
				return []string{pair[0].String()}
			}
		}
	case "in", "startsWith", "endsWith", "contains", "matches", ">", ">=", "<", "<=":
		if isAttribute(b.Left) {
			return []string{b.Left.String()}
		}
	}
	return nil
}

func isLiteral(n ast.Node) bool {
	switch n.(type) {
	case *ast.StringNode, *ast.IntegerNode, *ast.FloatNode, *ast.BoolNode:
		return true
	}
	return false
}

// attributeName is the key a path into visitor.attributes reads.
func attributeName(path string) string {
	path = strings.TrimPrefix(path, "visitor.attributes")
	return strings.Trim(path, `.[]"' `)
}

// testedEvents are the event types a comparison tests event.type against:
// `event.type == "x"`, `!=` and `event.type in ["x", "y"]`.
func testedEvents(b *ast.BinaryNode) []string {
	switch b.Operator {
	case "==", "!=":
		for _, pair := range [][2]ast.Node{{b.Left, b.Right}, {b.Right, b.Left}} {
			if s, ok := pair[1].(*ast.StringNode); ok && isMember(pair[0], "event", "type") {
				return []string{s.Value}
			}
		}
	case "in", "not in":
		if list, ok := stringList(b.Right, nil); ok && isMember(b.Left, "event", "type") {
			return list
		}
	}
	return nil
}

// isMember reports whether n is the path obj.prop.
func isMember(n ast.Node, obj, prop string) bool {
	m, ok := n.(*ast.MemberNode)
	if !ok {
		return false
	}
	id, ok1 := m.Node.(*ast.IdentifierNode)
	p, ok2 := m.Property.(*ast.StringNode)
	return ok1 && ok2 && id.Value == obj && p.Value == prop
}
