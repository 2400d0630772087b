package rules

import (
	"errors"
	"fmt"
	"reflect"
	"slices"

	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/checker"
	"github.com/expr-lang/expr/conf"
	"github.com/expr-lang/expr/file"
	"github.com/expr-lang/expr/parser"
)

// maxTypeErrors bounds the checks of one expression: each finds one error.
const maxTypeErrors = 10

// typeErrors type-checks src against env and returns every error, not only
// the first: expr's checker stops at one, so each erroneous node is
// replaced by a value of unknown type and the check runs again.
func typeErrors(src string, env any, kind exprKind) []exprError {
	cfg := conf.New(env)
	var errs []exprError
	var patched []int // the offsets of the nodes replaced
	for range maxTypeErrors {
		tree, err := parser.Parse(src)
		if err != nil {
			return append(errs, fromExprErr(src, err))
		}
		stand := patchAt(tree, patched)
		_, err = checker.Check(tree, cfg)
		var fe *file.Error
		if err == nil {
			if kind == kindBool {
				errs = append(errs, boolErrors(src, tree.Node, stand, true)...)
			}
			return errs
		}
		errs = append(errs, fromExprErr(src, err))
		if !errors.As(err, &fe) || slices.Contains(patched, fe.From) {
			return errs
		}
		patched = append(patched, fe.From)
	}
	return errs
}

// patchAt replaces, for each offset, the outermost node that starts there
// with a value of unknown type (a missing attribute), which the checker
// accepts anywhere. It returns the replacements.
func patchAt(tree *parser.Tree, offsets []int) map[ast.Node]bool {
	stand := map[ast.Node]bool{}
	for _, from := range offsets {
		f := &nodeFinder{from: from}
		ast.Walk(&tree.Node, f)
		if f.found == nil {
			continue
		}
		n := unknownValue()
		ast.Patch(f.found, n)
		stand[n] = true
	}
	return stand
}

// nodeFinder finds the outermost node located at from: ast.Walk visits
// children before their parent, so the last match is the outermost.
type nodeFinder struct {
	from  int
	found *ast.Node
}

func (f *nodeFinder) Visit(n *ast.Node) {
	if (*n).Location().From == f.from {
		f.found = n
	}
}

func unknownValue() ast.Node {
	attrs := &ast.MemberNode{Node: &ast.IdentifierNode{Value: "visitor"}, Property: &ast.StringNode{Value: "attributes"}}
	return &ast.MemberNode{Node: attrs, Property: &ast.StringNode{Value: "_"}}
}

// boolErrors reports where a condition can give something other than true
// or false: the whole of it, each side of && and ||, what ! negates, a
// ?: test and both its branches. `x ?? b` counts as true or false when b
// does: a missing x falls back to b. stand are nodes that replace errors
// already reported.
func boolErrors(src string, n ast.Node, stand map[ast.Node]bool, root bool) []exprError {
	if stand[n] {
		return nil
	}
	switch x := n.(type) {
	case *ast.BinaryNode:
		switch x.Operator {
		case "&&", "||", "and", "or":
			return append(boolErrors(src, x.Left, stand, false), boolErrors(src, x.Right, stand, false)...)
		case "??":
			if t := x.Left.Type(); t.Kind() != reflect.Interface && t.Kind() != reflect.Bool && !stand[x.Left] {
				return []exprError{notBool(src, x.Left, t, false)}
			}
			return boolErrors(src, x.Right, stand, false)
		}
	case *ast.UnaryNode:
		if x.Operator == "!" || x.Operator == "not" {
			return boolErrors(src, x.Node, stand, false)
		}
	case *ast.ConditionalNode:
		errs := boolErrors(src, x.Cond, stand, false)
		errs = append(errs, boolErrors(src, x.Exp1, stand, false)...)
		return append(errs, boolErrors(src, x.Exp2, stand, false)...)
	}
	switch t := n.Type(); t.Kind() {
	case reflect.Bool:
		return nil
	case reflect.Interface:
		return []exprError{anyValue(src, n)}
	default:
		return []exprError{notBool(src, n, t, root)}
	}
}

// notBool is a part of a condition whose type is known and not bool.
func notBool(src string, n ast.Node, t reflect.Type, root bool) exprError {
	if root {
		return exprError{line: 1, col: 0, msg: "must be true or false, but gives " + typeWord(t.String())}
	}
	e := errorAt(src, span(n).From)
	e.msg = fmt.Sprintf("must be true or false, but %s gives %s", text(src, n), typeWord(t.String()))
	return e
}

// anyValue is a part of a condition that can be anything at run time, most
// often a visitor attribute, which is missing (nil) until identify sets it.
func anyValue(src string, n ast.Node) exprError {
	e := errorAt(src, span(n).From)
	s := text(src, n)
	if isAttribute(n) {
		e.msg = fmt.Sprintf("%s can be any value (text, a number, or nil when it is missing), not only true or false; compare it, like %s == true", s, s)
	} else {
		e.msg = fmt.Sprintf("%s can give any value, not only true or false; compare it, like (%s) == true", s, s)
	}
	return e
}

// isAttribute reports whether n reads visitor.attributes.KEY (or deeper).
func isAttribute(n ast.Node) bool {
	m, ok := n.(*ast.MemberNode)
	for ok {
		if inner, isMember := m.Node.(*ast.MemberNode); isMember {
			if id, isID := inner.Node.(*ast.IdentifierNode); isID && id.Value == "visitor" {
				prop, isStr := inner.Property.(*ast.StringNode)
				return isStr && prop.Value == "attributes"
			}
		}
		m, ok = m.Node.(*ast.MemberNode)
	}
	return false
}

// span is where n's text starts and ends in the source (in characters):
// a node's own location is its operator or name, not its first character.
func span(n ast.Node) file.Location {
	s := &spanner{loc: n.Location()}
	ast.Walk(&n, s)
	return s.loc
}

type spanner struct{ loc file.Location }

func (s *spanner) Visit(n *ast.Node) {
	l := (*n).Location()
	s.loc.From, s.loc.To = min(s.loc.From, l.From), max(s.loc.To, l.To)
}

// text is n's source.
func text(src string, n ast.Node) string {
	l, r := span(n), []rune(src)
	if l.From < 0 || l.To > len(r) || l.From >= l.To {
		return n.String()
	}
	return string(r[l.From:l.To])
}

// errorAt is an exprError at a character offset of src.
func errorAt(src string, from int) exprError {
	e := exprError{line: 1}
	for i, r := range []rune(src) {
		if i == from {
			break
		}
		if r == '\n' {
			e.line, e.col = e.line+1, 0
		} else {
			e.col++
		}
	}
	return e
}
