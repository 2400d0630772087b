package rules

import (
	"fmt"
	"reflect"
	"sort"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/parser"
	"github.com/expr-lang/expr/vm"
)

// Expr is one compiled expression. It is built once at load and run many
// times; running needs a *vm.VM that the caller owns (one per goroutine).
type Expr struct {
	Source  string
	program *vm.Program
	// Guards are conditions on text fields the expression requires.
	Guards []Guard
	// Static is the && of the conjuncts that only events other than
	// heartbeats can change, when there are some but not only those;
	// WhollyStatic is set when every conjunct is such (see static.go).
	Static       *Expr
	WhollyStatic bool
	// EventTypes are the event types it compares event.type with.
	EventTypes []string
	// SetAttributes are the visitor attributes it is only true with.
	SetAttributes []string
}

// Bool runs a bool expression.
func (e *Expr) Bool(m *vm.VM, env any) (bool, error) {
	out, err := m.Run(e.program, env)
	if err != nil {
		return false, err
	}
	b, ok := out.(bool)
	if !ok {
		return false, fmt.Errorf("gave %s, not true or false", describeValue(out))
	}
	return b, nil
}

// describeValue names a value that was not what an expression must give.
func describeValue(v any) string {
	switch x := v.(type) {
	case nil:
		return "nil (a missing value)"
	case string:
		return fmt.Sprintf("the text %q", x)
	case int, float64:
		return fmt.Sprintf("the number %v", x)
	}
	return fmt.Sprintf("%v (%s)", v, typeWord(fmt.Sprintf("%T", v)))
}

// Number runs a number expression.
func (e *Expr) Number(m *vm.VM, env any) (float64, error) {
	out, err := m.Run(e.program, env)
	if err != nil {
		return 0, err
	}
	switch v := out.(type) {
	case float64:
		return v, nil
	case int:
		return float64(v), nil
	}
	return 0, fmt.Errorf("%s: gave %T, not a number", e.Source, out)
}

// Value runs an expression of any type.
func (e *Expr) Value(m *vm.VM, env any) (any, error) { return m.Run(e.program, env) }

type exprKind int

const (
	kindBool exprKind = iota
	kindNumber
	kindAny
)

// scope is what names an expression may use beyond the environment.
type scope struct {
	lists     map[string][]string
	schedules map[string]*Schedule
	template  bool // personalization is available
	// personalization is the rule's personalization keys, which its
	// message and quick replies may read.
	personalization []string
	// inPersonalization is set for a personalization value: these render
	// first, so personalization cannot be read in them.
	inPersonalization bool
}

// exprError is a compile problem at a 1-based line and 0-based column of the
// expression's source.
type exprError struct {
	line, col int
	msg       string
}

// compileExpr parses, checks and compiles src. It also reports whether src
// reads session.engaged or session.last_reply (a follow-up condition).
func compileExpr(src string, kind exprKind, sc scope) (*Expr, bool, []exprError) {
	tree, err := parser.Parse(src)
	if err != nil {
		return nil, false, []exprError{fromExprErr(src, err)}
	}
	guards := findGuards(tree.Node, sc.lists)
	chk := &astCheck{src: src, scope: sc}
	ast.Walk(&tree.Node, chk)

	var env any = Env{}
	if sc.template {
		env = TemplateEnv{}
	}
	for _, e := range typeErrors(src, env, kind) {
		if e.msg == "unknown name personalization" && !sc.template {
			e.msg = "personalization can be used only in message and quick_replies text"
		}
		chk.errs = append(chk.errs, e)
	}
	if len(chk.errs) > 0 {
		return nil, false, dedupe(chk.errs)
	}
	opts := []expr.Option{expr.Env(env)}
	if kind == kindNumber {
		opts = append(opts, expr.AsFloat64())
	}
	prog, err := expr.Compile(src, opts...)
	if err != nil {
		return nil, false, []exprError{fromExprErr(src, err)}
	}
	e := &Expr{Source: src, program: prog, Guards: guards, EventTypes: chk.events,
		SetAttributes: setAttributes(tree.Node)}
	if kind == kindBool {
		e.Static, e.WhollyStatic = staticPart(tree.Node, env)
	}
	return e, chk.followUp, nil
}

func dedupe(errs []exprError) []exprError {
	seen := map[string]bool{}
	var out []exprError
	for _, e := range errs {
		k := fmt.Sprint(e.line, e.col, e.msg)
		if !seen[k] {
			seen[k] = true
			out = append(out, e)
		}
	}
	return out
}

// envPath is one struct of the environment: where it sits and its names.
type envPath struct {
	path   string
	fields []string
}

var (
	topLevelNames = []string{"event", "page", "session", "visitor", "now", "lists", "visited", "open", "personalization"}
	envPaths      = map[string]envPath{}
)

func init() {
	walkEnv(reflect.TypeOf(Env{}), "")
}

// walkEnv records, for each struct type of the environment, its dotted path
// and field names, so a typo can be reported as the marketer wrote it.
func walkEnv(t reflect.Type, path string) {
	var names []string
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name := f.Tag.Get("expr")
		names = append(names, name)
		if f.Type.Kind() == reflect.Struct && f.Type.PkgPath() == t.PkgPath() {
			walkEnv(f.Type, join(path, name))
		}
	}
	if path != "" {
		envPaths[t.String()] = envPath{path: path, fields: names}
	}
}

// astCheck finds what the type checker cannot: unknown list, schedule and
// personalization names, and whether the expression is a follow-up condition.
type astCheck struct {
	src      string
	scope    scope
	errs     []exprError
	followUp bool
	events   []string // event types compared with event.type
}

func (c *astCheck) Visit(node *ast.Node) {
	switch n := (*node).(type) {
	case *ast.MemberNode:
		id, ok := n.Node.(*ast.IdentifierNode)
		prop, isStr := n.Property.(*ast.StringNode)
		if !ok || !isStr {
			return
		}
		switch {
		case id.Value == "lists":
			if _, known := c.scope.lists[prop.Value]; !known {
				c.errorf(prop, "unknown list %s%s", prop.Value, suggest(prop.Value, keys(c.scope.lists)))
			}
		case id.Value == "session" && (prop.Value == "engaged" || prop.Value == "last_reply"):
			c.followUp = true
		case id.Value == "personalization" && c.scope.template && !c.scope.inPersonalization:
			if !contains(c.scope.personalization, prop.Value) {
				p := envPath{path: "personalization", fields: c.scope.personalization}
				c.errorf(prop, "unknown name personalization.%s%s", prop.Value, suggestPath(p, prop.Value))
			}
		}
	case *ast.BinaryNode:
		c.events = append(c.events, testedEvents(n)...)
	case *ast.IdentifierNode:
		if n.Value == "personalization" && c.scope.inPersonalization {
			c.errorf(n, "a personalization value cannot use personalization")
		}
	case *ast.CallNode:
		id, ok := n.Callee.(*ast.IdentifierNode)
		if !ok || id.Value != "open" || len(n.Arguments) != 1 {
			return
		}
		arg, isStr := n.Arguments[0].(*ast.StringNode)
		if !isStr {
			c.errorf(n, "open() takes a schedule name in quotes, like open(\"business_hours\")")
			return
		}
		if _, known := c.scope.schedules[arg.Value]; !known {
			c.errorf(arg, "unknown schedule %s%s", arg.Value, suggest(arg.Value, keys(c.scope.schedules)))
		}
	}
}

func (c *astCheck) errorf(n ast.Node, format string, args ...any) {
	e := errorAt(c.src, n.Location().From)
	e.msg = fmt.Sprintf(format, args...)
	c.errs = append(c.errs, e)
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// CompileNumber compiles a number expression against the environment (with
// no lists or schedules), for built-in models.
func CompileNumber(src string) (*Expr, error) {
	e, _, errs := compileExpr(src, kindNumber, scope{})
	if len(errs) > 0 {
		return nil, fmt.Errorf("%d:%d: %s", errs[0].line, errs[0].col+1, errs[0].msg)
	}
	return e, nil
}
