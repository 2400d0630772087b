package rules

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/expr-lang/expr/file"
	"github.com/expr-lang/expr/parser/lexer"
)

// fromExprErr turns an error of expr on src into a message in the rule
// file's words, at the position it is about.
func fromExprErr(src string, err error) exprError {
	var fe *file.Error
	if !errors.As(err, &fe) {
		return exprError{line: 1, col: 0, msg: friendly(err.Error())}
	}
	if fe.Message == "unexpected token EOF" || fe.Message == "unexpected end of expression" {
		return endError(src)
	}
	return exprError{line: max(fe.Line, 1), col: fe.Column, msg: friendly(fe.Message)}
}

// endError is an expression that stops where more was expected. expr puts
// it on the last character; it is put just after, where the missing part goes.
func endError(src string) exprError {
	text := strings.TrimRight(src, " \t\r\n")
	e := exprError{line: 1 + strings.Count(text, "\n"), col: utf8.RuneCountInString(text[strings.LastIndexByte(text, '\n')+1:])}
	if open := unclosed(src); open != "" {
		e.msg = fmt.Sprintf("a %s is not closed", open)
	} else {
		e.msg = "ends too early: something is missing at the end"
	}
	return e
}

// unclosed is the last bracket of src that is not closed, or "".
func unclosed(src string) string {
	tokens, _ := lexer.Lex(file.NewSource(src))
	var open []string
	for _, t := range tokens {
		if t.Kind != lexer.Bracket {
			continue
		}
		switch t.Value {
		case "(", "[", "{":
			open = append(open, t.Value)
		default:
			if len(open) > 0 {
				open = open[:len(open)-1]
			}
		}
	}
	if len(open) == 0 {
		return ""
	}
	return `"` + open[len(open)-1] + `"`
}

var (
	tokenRe    = regexp.MustCompile(`^unexpected token (\w+)\((".*")\)$`)
	mismatchRe = regexp.MustCompile(`^invalid operation: (\S+) \(mismatched types (.+) and (.+)\)$`)
	argumentRe = regexp.MustCompile(`^cannot use (.+) as argument \(type (.+)\) to call (\w+)\s*$`)
	mixRe      = regexp.MustCompile(`^Operator \((.+)\) and coalesce expressions \(\?\?\) cannot be mixed`)
	charRe     = regexp.MustCompile(`^unrecognized character: U\+[0-9A-F]+ (.*)$`)
	operators  = []string{"startsWith", "endsWith", "contains", "matches", "in", "not", "and", "or"}
	// calls are the environment's functions with how to call them.
	calls = map[string]string{"visited": `a path glob in quotes, like visited("/services/**")`, "open": `a schedule name in quotes, like open("business_hours")`}
)

// friendly rewrites expr's messages into the environment's own names and
// plain words, and adds a "did you mean" hint.
func friendly(msg string) string {
	if name, ok := strings.CutPrefix(msg, "unknown name "); ok {
		return "unknown name " + name + suggest(name, topLevelNames)
	}
	if s, ok := unknownMember(msg); ok {
		return s
	}
	if got, ok := strings.CutPrefix(msg, "expected bool, but got "); ok {
		return "must be true or false, but gives " + typeWord(got)
	}
	if got, ok := strings.CutPrefix(msg, "expected float64, but got "); ok {
		return "must give a number, but gives " + typeWord(got)
	}
	if m := tokenRe.FindStringSubmatch(msg); m != nil {
		return unexpected(m[1], m[2])
	}
	if m := mismatchRe.FindStringSubmatch(msg); m != nil {
		return fmt.Sprintf("cannot use %s between %s and %s", m[1], typeWord(m[2]), typeWord(m[3]))
	}
	if m := argumentRe.FindStringSubmatch(msg); m != nil {
		if how, ok := calls[m[3]]; ok {
			return fmt.Sprintf("%s needs %s, not %s", m[3], how, typeWord(m[1]))
		}
		return fmt.Sprintf("%s needs %s here, not %s", m[3], typeWord(m[2]), typeWord(m[1]))
	}
	if name, ok := strings.CutPrefix(msg, "not enough arguments to call "); ok && calls[name] != "" {
		return fmt.Sprintf("%s needs %s", name, calls[name])
	}
	if m := mixRe.FindStringSubmatch(msg); m != nil {
		return fmt.Sprintf("%s and ?? cannot be mixed without parentheses: write (a ?? b) %s c", m[1], m[1])
	}
	if m := charRe.FindStringSubmatch(msg); m != nil {
		return "unexpected character " + m[1]
	}
	if msg == "literal not terminated" {
		return "a quoted text is not closed: add the closing quote"
	}
	return msg
}

// unknownMember rewrites "type rules.PageEnv has no field pth" as the
// name was written: "unknown name page.pth (did you mean page.path?)".
func unknownMember(msg string) (string, bool) {
	rest, ok := strings.CutPrefix(msg, "type ")
	if !ok {
		return "", false
	}
	for _, sep := range []string{" has no field ", " has no method "} {
		typ, name, found := strings.Cut(rest, sep)
		if p, known := envPaths[typ]; found && known {
			return fmt.Sprintf("unknown name %s.%s%s", p.path, name, suggestPath(p, name)), true
		}
	}
	return "", false
}

// unexpected explains a token the parser did not expect; quoted is its
// value as a Go string literal.
func unexpected(kind, quoted string) string {
	v, err := strconv.Unquote(quoted)
	if err != nil {
		v = quoted
	}
	if kind == "String" {
		v = strconv.Quote(v)
	}
	switch {
	case v == "=":
		return "unexpected = (did you mean ==?)"
	case kind == "Identifier" && closest(v, operators) != "":
		return "unexpected " + v + suggest(v, operators)
	case kind == "Identifier" || kind == "String" || kind == "Number":
		return "unexpected " + v + ": is an operator like == or && missing before it?"
	}
	return "unexpected " + v
}

// typeWord names a Go type as the rule file's author knows it.
func typeWord(t string) string {
	switch {
	case t == "string":
		return "text"
	case t == "bool":
		return "true or false"
	case strings.HasPrefix(t, "int"), strings.HasPrefix(t, "uint"), strings.HasPrefix(t, "float"):
		return "a number"
	case strings.HasPrefix(t, "[]"):
		return "a list"
	case strings.HasPrefix(t, "map["):
		return "a map"
	case t == "time.Time":
		return "a time"
	case t == "time.Duration":
		return "a duration"
	}
	return t
}

func suggestPath(p envPath, name string) string {
	s := suggest(name, p.fields)
	if s == "" {
		return ""
	}
	// " (did you mean path?)" -> " (did you mean page.path?)"
	return strings.Replace(s, "mean ", "mean "+p.path+".", 1)
}
