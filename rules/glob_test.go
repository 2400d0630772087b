package rules

import "testing"

func TestMatchGlob(t *testing.T) {
	tests := []struct {
		glob, path string
		want       bool
	}{
		{"/pricing", "/pricing", true},
		{"/pricing", "/pricing/teams", false},
		{"/services/*", "/services/ac-repair", true},
		{"/services/*", "/services/", true},
		{"/services/*", "/services/ac-repair/quote", false}, // * does not cross /
		{"/services/*/quote", "/services/ac-repair/quote", true},
		{"/services/*/quote", "/services/ac/repair/quote", false},
		{"/services/**", "/services/ac-repair/quote", true}, // ** does
		{"/services/**", "/services", false},
		{"/services/**/quote", "/services/a/b/c/quote", true},
		{"/services/**/quote", "/services/a/b/c/quotes", false},
		{"**", "/anything/at/all", true},
		{"*", "/pricing", false},
		{"/blog/*.html", "/blog/post.html", true},
		{"/blog/*.html", "/blog/2026/post.html", false},
		{"*/pricing", "/pricing", true},
		{"", "", true},
		{"", "/", false},
	}
	for _, tc := range tests {
		if got := MatchGlob(tc.glob, tc.path); got != tc.want {
			t.Errorf("MatchGlob(%q, %q) = %v, want %v", tc.glob, tc.path, got, tc.want)
		}
	}
}
