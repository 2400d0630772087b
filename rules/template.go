package rules

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/expr-lang/expr/vm"
)

// Template is text with {{ expr }} segments, compiled at load.
type Template struct {
	Source string
	parts  []part
}

type part struct {
	text string
	expr *Expr // nil for literal text
	off  int   // where the expression starts in Source, in bytes
	// bare is set when the expression is nothing but a path into
	// visitor.attributes or personalization, which print nothing when
	// missing: the path as written.
	bare string
}

// templateError is a problem at a byte offset of the template source plus
// a line/column inside the segment's expression.
type templateError struct {
	off int
	exprError
}

func compileTemplate(src string, sc scope) (*Template, []templateError) {
	sc.template = true
	t := &Template{Source: src}
	var errs []templateError
	rest, off := src, 0
	for rest != "" {
		i := strings.Index(rest, "{{")
		if i < 0 {
			t.parts = append(t.parts, part{text: rest})
			break
		}
		if i > 0 {
			t.parts = append(t.parts, part{text: rest[:i]})
		}
		j := strings.Index(rest[i+2:], "}}")
		if j < 0 {
			errs = append(errs, templateError{off: off + i, exprError: exprError{line: 1, msg: "{{ has no closing }}"}})
			break
		}
		body := rest[i+2 : i+2+j]
		trimmed := strings.TrimLeft(body, " \t\n")
		lead := len(body) - len(trimmed)
		trimmed = strings.TrimRight(trimmed, " \t\n")
		exprOff := off + i + 2 + lead
		if trimmed == "" {
			errs = append(errs, templateError{off: off + i, exprError: exprError{line: 1, msg: "empty {{ }}"}})
		} else {
			e, _, eerrs := compileExpr(trimmed, kindAny, sc)
			for _, ee := range eerrs {
				errs = append(errs, templateError{off: exprOff, exprError: ee})
			}
			t.parts = append(t.parts, part{expr: e, off: exprOff, bare: barePath(trimmed)})
		}
		adv := i + 2 + j + 2
		rest, off = rest[adv:], off+adv
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return t, nil
}

// Literal reports whether the template has no {{ }} segments.
func (t *Template) Literal() bool {
	return len(t.parts) <= 1 && (len(t.parts) == 0 || t.parts[0].expr == nil)
}

// Render evaluates the template. nil prints as an empty string.
func (t *Template) Render(m *vm.VM, env *TemplateEnv) (string, error) {
	s, _, err := t.RenderChecked(m, env)
	return s, err
}

// RenderChecked is Render that also returns the {{ }} segments that
// printed nothing in the middle of text ("Hi {{ name }}!" giving "Hi !"),
// so that they can be reported.
func (t *Template) RenderChecked(m *vm.VM, env *TemplateEnv) (string, []string, error) {
	if t.Literal() {
		return t.Source, nil, nil
	}
	var b strings.Builder
	var empty []string
	for _, p := range t.parts {
		if p.expr == nil {
			b.WriteString(p.text)
			continue
		}
		v, err := p.expr.Value(m, *env)
		if err != nil {
			return "", nil, fmt.Errorf("{{ %s }}: %w", p.expr.Source, err)
		}
		s := Print(v)
		if s == "" && t.hasText() {
			empty = append(empty, "{{ "+p.expr.Source+" }}")
		}
		b.WriteString(s)
	}
	return b.String(), empty, nil
}

// hasText reports whether the template has literal text besides spaces.
func (t *Template) hasText() bool {
	for _, p := range t.parts {
		if p.expr == nil && strings.TrimSpace(p.text) != "" {
			return true
		}
	}
	return false
}

// literalLen is the template's length counting each {{ }} as ten
// characters, an estimate of what a typical value prints as.
func (t *Template) literalLen() int {
	n := 0
	for _, p := range t.parts {
		if p.expr == nil {
			n += len([]rune(p.text))
		} else {
			n += 10
		}
	}
	return n
}

// Print formats a value as templates print it.
func Print(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case float32:
		return strconv.FormatFloat(float64(x), 'f', -1, 32)
	}
	return fmt.Sprint(v)
}
