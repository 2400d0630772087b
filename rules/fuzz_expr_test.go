package rules

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/expr-lang/expr/vm"
)

// fuzzEnv is an environment whose visitor attribute "x" holds the JSON
// value given (attributes come from visitors, so they are anything).
func fuzzEnv(attrJSON string) Env {
	var x any
	json.Unmarshal([]byte(attrJSON), &x) // not JSON: x stays nil, as a missing attribute
	return Env{
		Event:   EventEnv{Type: "page_view"},
		Page:    PageEnv{URL: "https://shop.example/pricing?x=1", Path: "/pricing", Query: map[string]string{"x": "1"}, ScrollDepth: 40},
		Session: SessionEnv{Duration: 75, PageViews: 2, Pages: []string{"/", "/pricing"}},
		Visitor: VisitorEnv{ID: "v_1", Status: "online", Attributes: map[string]any{"x": x, "first_name": "Dana"}},
		Now:     time.Date(2026, 1, 20, 14, 30, 0, 0, time.UTC),
		Lists:   map[string][]string{"pages": {"/pricing"}},
		Visited: func(glob string) bool { return MatchGlob(glob, "/pricing") },
		Open:    func(string) bool { return true },
	}
}

var fuzzScope = scope{lists: map[string][]string{"pages": {"/pricing"}}}

// FuzzExpr compiles expressions as conditions, numbers and values, and
// runs each one that compiles against visitor-supplied attributes: it may
// fail, never panic, and a condition gives a bool and a number a number.
func FuzzExpr(f *testing.F) {
	for _, seed := range [][2]string{
		{`page.path startsWith "/services/ac-repair"`, `null`},
		{`min(session.duration / 60, 5)`, `3`},
		{`visitor.attributes.x ?? 0`, `1e308`},
		{`(visitor.attributes.x ?? 0) * 1e308 - (visitor.attributes.x ?? 0) * 1e308`, `10`},
		{`visited("/pricing**") ? 1 : 0`, `"a"`},
		{`visitor.attributes.x > 3 && session.engaged`, `{"a":[1,2]}`},
		{`len(visitor.attributes.x) > 0`, `[1,2,3]`},
		{`"/pricing" in lists.pages`, `true`},
		{`visitor.attributes.x.y.z`, `{"y":{"z":"deep"}}`},
		{`int(visitor.attributes.x)`, `"12"`},
		{`now.Hour() > 8 && open("hours")`, `0`},
	} {
		f.Add(seed[0], seed[1])
	}
	f.Fuzz(func(t *testing.T, src, attr string) {
		env := fuzzEnv(attr)
		var m vm.VM
		for _, kind := range []exprKind{kindBool, kindNumber, kindAny} {
			e, _, errs := compileExpr(src, kind, fuzzScope)
			if (e == nil) != (len(errs) > 0) {
				t.Fatalf("kind %d: expr %v with errors %v", kind, e != nil, errs)
			}
			if e == nil {
				continue
			}
			switch kind {
			case kindBool:
				e.Bool(&m, env)
			case kindNumber:
				e.Number(&m, env)
			default:
				e.Value(&m, env)
			}
		}
	})
}

// FuzzTemplate compiles message templates and renders those that compile
// with visitor-supplied attributes: text without {{ comes out unchanged.
func FuzzTemplate(f *testing.F) {
	for _, seed := range [][2]string{
		{`Hi{{ visitor.attributes.first_name != nil ? " " + visitor.attributes.first_name : "" }}!`, `null`},
		{`Looking at {{ personalization.interest }}?`, `"x"`},
		{`{{ visitor.attributes.x ?? "friend" }}`, `"<b>bold</b>"`},
		{`{{ visitor.attributes.x }}`, `1e308`},
		{`{{`, `0`},
		{`{{ }}`, `0`},
		{`}} {{ page.title }} {{`, `0`},
		{`plain text, no segments`, `0`},
		{`{{ "{{" }} nested }}`, `[]`},
	} {
		f.Add(seed[0], seed[1])
	}
	f.Fuzz(func(t *testing.T, src, attr string) {
		tmpl, errs := compileTemplate(src, scope{personalization: []string{"interest"}})
		if (tmpl == nil) != (len(errs) > 0) {
			t.Fatalf("template %v with errors %v", tmpl != nil, errs)
		}
		if tmpl == nil {
			return
		}
		var m vm.VM
		env := &TemplateEnv{Env: fuzzEnv(attr), Personalization: map[string]any{"interest": "AC Repair"}}
		out, err := tmpl.Render(&m, env)
		if !strings.Contains(src, "{{") && (err != nil || out != src) {
			t.Errorf("literal %q rendered as %q, %v", src, out, err)
		}
	})
}
