package rules

import (
	"testing"

	"github.com/expr-lang/expr/vm"
)

// TestExprBool runs conditions on environments as the engine fills them,
// including one with no attributes at all (a visitor never identified).
func TestExprBool(t *testing.T) {
	known := Env{Visitor: VisitorEnv{Attributes: map[string]any{"plan": "gold"}}}
	tests := []struct {
		name, src string
		env       Env
		want      bool
	}{
		{"nil map: missing key is nil", `visitor.attributes.x == nil`, Env{}, true},
		{"nil map: ?? falls back", `(visitor.attributes.plan ?? "free") == "free"`, Env{}, true},
		{"nil map: compare to text", `visitor.attributes.plan == "gold"`, Env{}, false},
		{"set key", `visitor.attributes.plan == "gold"`, known, true},
		{"missing key of a map", `visitor.attributes.x == nil`, known, true},
		{"index form", `visitor.attributes["plan"] != nil`, known, true},
		{"empty page after page_leave", `page.path == ""`, Env{}, true},
		{"nil func not called", `page.path != "" && visited("/x")`, Env{}, false},
		{"visited", `visited("/services/**")`, Env{Visited: func(g string) bool { return MatchGlob(g, "/services/ac/quote") }}, true},
		{"follow-up", `session.last_reply.action == "call"`, Env{Session: SessionEnv{LastReply: ReplyEnv{Action: "call"}}}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e, _, errs := compileExpr(tc.src, kindBool, scope{})
			if len(errs) > 0 {
				t.Fatalf("compile: %v", errs)
			}
			got, err := e.Bool(&vm.VM{}, tc.env)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("%s = %v, want %v", tc.src, got, tc.want)
			}
		})
	}
}

// TestExprFollowUp: reading session.engaged or session.last_reply makes a
// rule a follow-up, which the lints treat apart.
func TestExprFollowUp(t *testing.T) {
	tests := map[string]bool{
		`session.engaged`:                                true,
		`session.last_reply.value == "quote"`:            true,
		`page.path == "/x" && session.replies > 0`:       false,
		`session.messages_sent == 0 && !session.engaged`: true,
	}
	for src, want := range tests {
		_, followUp, errs := compileExpr(src, kindBool, scope{})
		if len(errs) > 0 {
			t.Fatalf("%s: %v", src, errs)
		}
		if followUp != want {
			t.Errorf("%s: follow-up = %v, want %v", src, followUp, want)
		}
	}
}

// TestExprBoolNotBool: a condition accepted at load because its fallback
// is true or false (`?? false`) still reports, at run time, a value that
// is neither: it is not taken as false in silence.
func TestExprBoolNotBool(t *testing.T) {
	e, _, errs := compileExpr(`visitor.attributes.vip ?? false`, kindBool, scope{})
	if len(errs) > 0 {
		t.Fatalf("compile: %v", errs)
	}
	got, err := e.Bool(&vm.VM{}, Env{})
	if got || err != nil {
		t.Errorf("missing attribute: %v, %v; want false by the fallback", got, err)
	}
	env := Env{Visitor: VisitorEnv{Attributes: map[string]any{"vip": "yes"}}}
	_, err = e.Bool(&vm.VM{}, env)
	if err == nil || err.Error() != `gave the text "yes", not true or false` {
		t.Errorf("vip: yes: err = %v", err)
	}
}
