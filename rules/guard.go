package rules

import (
	"strings"

	"github.com/expr-lang/expr/ast"
)

// PathGuard is a condition on page.path that a rule's `when` requires: one
// of the && conjuncts at its top is `page.path == "x"`, `page.path in
// [...]`, `page.path in lists.NAME` or `page.path startsWith "x"`. When the
// guard does not match, `when` is false without running it, so the engine
// can index rules by page and skip most of a large rule set.
type PathGuard struct {
	Exact  []string // any of these paths
	Prefix string   // or, when Exact is nil, paths starting with this
}

// Matches reports whether path may satisfy the guard.
func (g *PathGuard) Matches(path string) bool {
	if g.Exact != nil {
		return contains(g.Exact, path)
	}
	return strings.HasPrefix(path, g.Prefix)
}

// findGuard looks for a path guard among the top-level conjuncts.
func findGuard(n ast.Node, lists map[string][]string) *PathGuard {
	b, ok := n.(*ast.BinaryNode)
	if !ok {
		return nil
	}
	switch b.Operator {
	case "&&", "and":
		if g := findGuard(b.Left, lists); g != nil {
			return g
		}
		return findGuard(b.Right, lists)
	case "==":
		if isPagePath(b.Left) {
			if s, ok := b.Right.(*ast.StringNode); ok {
				return &PathGuard{Exact: []string{s.Value}}
			}
		}
		if isPagePath(b.Right) {
			if s, ok := b.Left.(*ast.StringNode); ok {
				return &PathGuard{Exact: []string{s.Value}}
			}
		}
	case "startsWith":
		if s, ok := b.Right.(*ast.StringNode); ok && isPagePath(b.Left) {
			return &PathGuard{Prefix: s.Value}
		}
	case "in":
		if isPagePath(b.Left) {
			if paths, ok := stringList(b.Right, lists); ok {
				return &PathGuard{Exact: paths}
			}
		}
	}
	return nil
}

func isPagePath(n ast.Node) bool {
	m, ok := n.(*ast.MemberNode)
	if !ok || m.Optional {
		return false
	}
	id, ok1 := m.Node.(*ast.IdentifierNode)
	prop, ok2 := m.Property.(*ast.StringNode)
	return ok1 && ok2 && id.Value == "page" && prop.Value == "path"
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
