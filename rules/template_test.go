package rules

import (
	"fmt"
	"testing"

	"github.com/expr-lang/expr/vm"
)

func TestTemplateRender(t *testing.T) {
	env := Env{
		Page:    PageEnv{Path: "/services/ac-repair", Title: "AC Repair", ScrollDepth: 50, TimeOnPage: 90},
		Session: SessionEnv{PageViews: 3},
		Visitor: VisitorEnv{EngagementScore: 43, Attributes: map[string]any{"first_name": "Ana", "company": nil}},
	}
	anon := env
	anon.Visitor.Attributes = nil
	tests := []struct {
		name, src string
		env       Env
		want      string
	}{
		{"literal", "Hi there!", env, "Hi there!"},
		{"string", "Hi {{ visitor.attributes.first_name }}!", env, "Hi Ana!"},
		{"nil prints empty", "Hi {{ visitor.attributes.company }}!", env, "Hi !"},
		{"missing key of a nil map prints empty", "Hi {{ visitor.attributes.first_name }}!", anon, "Hi !"},
		{"?? falls back on nil", `Hi {{ visitor.attributes.first_name ?? "there" }}!`, anon, "Hi there!"},
		{"?? keeps a value", `Hi {{ visitor.attributes.first_name ?? "there" }}!`, env, "Hi Ana!"},
		{"whole float", "{{ page.scroll_depth }}%", env, "50%"},
		{"fraction", "{{ page.time_on_page / 60 }} minutes", env, "1.5 minutes"},
		{"division of ints", "{{ visitor.engagement_score / 43 }}", env, "1"},
		{"int", "{{ session.page_views }} pages", env, "3 pages"},
		{"bool", "{{ session.engaged }}", env, "false"},
		{"ternary, spaces and lines in braces", "Hi{{\n visitor.attributes.first_name != nil ? \" \" + visitor.attributes.first_name : \"\"\n}}!", env, "Hi Ana!"},
		{"several segments", "{{ page.title }} ({{ page.path }})", env, "AC Repair (/services/ac-repair)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tmpl, errs := compileTemplate(tc.src, scope{})
			if len(errs) > 0 {
				t.Fatalf("compile: %v", errs)
			}
			got, err := tmpl.Render(&vm.VM{}, &TemplateEnv{Env: tc.env})
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

// TestTemplatePersonalization renders a rule as the engine does: its
// personalization values first, then its message and quick replies with
// them.
func TestTemplatePersonalization(t *testing.T) {
	set, diags := Parse(Source{Name: "rules.yaml", Data: []byte(`
rules:
  - name: ac-repair-linger
    when: page.path == "/services/ac-repair"
    for: 45s
    message: Need help with {{ personalization.service }}, {{ visitor.attributes.first_name ?? "friend" }}?
    personalization:
      service: '{{ page.title ?? "our services" }}'
    quick_replies:
      - {text: "Book {{ personalization.service }}", value: book}
      - {text: Not now, value: not_now}
`)})
	if set == nil || len(diags) > 0 {
		t.Fatalf("diagnostics:\n%v", diags)
	}
	r := set.Rules[0]
	m := &vm.VM{}
	env := &TemplateEnv{Env: Env{Page: PageEnv{Title: "AC Repair"}}}
	pers := map[string]any{}
	for _, p := range r.Personalization {
		v, err := p.Value.Render(m, env)
		if err != nil {
			t.Fatal(err)
		}
		pers[p.Key] = v
	}
	env.Personalization = pers
	msg, err := r.Message.Render(m, env)
	if err != nil {
		t.Fatal(err)
	}
	if want := "Need help with AC Repair, friend?"; msg != want {
		t.Errorf("message = %q, want %q", msg, want)
	}
	label, err := r.QuickReplies[0].Text.Render(m, env)
	if err != nil {
		t.Fatal(err)
	}
	if want := "Book AC Repair"; label != want {
		t.Errorf("quick reply = %q, want %q", label, want)
	}
}

func TestPrint(t *testing.T) {
	tests := []struct {
		v    any
		want string
	}{
		{nil, ""},
		{"text", "text"},
		{3.0, "3"},
		{2.50, "2.5"},
		{1e21, "1000000000000000000000"},
		{42, "42"},
		{true, "true"},
	}
	for _, tc := range tests {
		if got := Print(tc.v); got != tc.want {
			t.Errorf("Print(%#v) = %q, want %q", tc.v, got, tc.want)
		}
	}
}

// TestTemplateReportsEmptyValues: a value that prints nothing inside a
// sentence is reported with the segment, so "Hi !" does not go unseen.
func TestTemplateReportsEmptyValues(t *testing.T) {
	tests := []struct {
		src   string
		env   Env
		empty []string
	}{
		{"Hi {{ visitor.attributes.firstname }}!", Env{}, []string{"{{ visitor.attributes.firstname }}"}},
		{"Hi {{ visitor.attributes.firstname }}!", Env{Visitor: VisitorEnv{Attributes: map[string]any{"firstname": "Ana"}}}, nil},
		{`Hi {{ visitor.attributes.firstname ?? "there" }}!`, Env{}, nil},
		{"Hi{{ page.title }}!", Env{}, []string{"{{ page.title }}"}},
		// A value alone is not in a sentence: an empty personalization
		// value is the author's to judge.
		{"{{ visitor.attributes.plan }}", Env{}, nil},
	}
	for _, tc := range tests {
		tmpl, errs := compileTemplate(tc.src, scope{})
		if len(errs) > 0 {
			t.Fatalf("compile %q: %v", tc.src, errs)
		}
		_, empty, err := tmpl.RenderChecked(&vm.VM{}, &TemplateEnv{Env: tc.env})
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(empty) != fmt.Sprint(tc.empty) {
			t.Errorf("%q: empty = %q, want %q", tc.src, empty, tc.empty)
		}
	}
}
