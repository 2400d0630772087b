package rules

import (
	"testing"

	"github.com/expr-lang/expr/parser"
)

func TestStaticParts(t *testing.T) {
	for _, tc := range []struct {
		when, static string
		wholly       bool
	}{
		{`page.path == "/a"`, "", true},
		{`page.path == "/a" && page.time_on_page > 30`, `(page.path == "/a")`, false},
		{`session.duration > 60 && visited("/pricing") && visitor.attributes.plan == "pro"`, `(visited("/pricing")) && (visitor.attributes.plan == "pro")`, false},
		{`event.type == "exit_intent" && session.utm.source == "ads"`, `(session.utm.source == "ads")`, false},
		{`visitor.status == "online" || page.path == "/a"`, "", false},
		{`len(session.pages) > 2 && now.Hour() > 8`, `(len(session.pages) > 2)`, false},
		{`open("hours") && session.page_views > 1`, `(session.page_views > 1)`, false},
		{`visitor.engagement_score > 50`, "", false},
		{`session.engaged && session.last_reply.action == "call"`, "", true},
	} {
		tree, err := parser.Parse(tc.when)
		if err != nil {
			t.Fatal(err)
		}
		got, wholly := staticPart(tree.Node, Env{})
		src := ""
		if got != nil {
			src = got.Source
		}
		if src != tc.static || wholly != tc.wholly {
			t.Errorf("%s: static part %q (wholly %v), want %q (%v)", tc.when, src, wholly, tc.static, tc.wholly)
		}
	}
}
