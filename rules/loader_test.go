package rules

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestLoaderReloadIsAllOrNothing(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.yaml"), filepath.Join(dir, "b.yaml")
	write := func(p, body string, age time.Duration) {
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		mt := time.Now().Add(-age)
		os.Chtimes(p, mt, mt)
	}
	good := "version: 1\nrules:\n  - {name: one, when: 'page.path == \"/\"', message: hi, min_wait: 0s, quick_replies: [{text: A, value: a}, {text: B, value: b}]}\n"
	write(a, good, time.Hour)
	write(b, "version: 1\nrules: []\n", time.Hour)
	l, _, err := NewLoader(a, b)
	if err != nil {
		t.Fatal(err)
	}
	first := l.Current()
	if len(first.Rules) != 1 || l.Changed() {
		t.Fatalf("loaded %d rules, changed %v", len(first.Rules), l.Changed())
	}

	// b breaks: the reload fails and a's rules stay.
	write(b, "version: 1\nrules:\n  - {name: two, when: 'pgae.path == \"/\"', message: hi}\n", time.Minute)
	if !l.Changed() {
		t.Fatal("Changed() = false after an edit")
	}
	diags, err := l.Reload()
	if err == nil || !strings.Contains(err.Error(), "unknown name pgae") || len(diags.Errors()) != 1 {
		t.Fatalf("Reload of a bad file: err %v, diags %v", err, diags)
	}
	if l.Current() != first || l.Changed() {
		t.Fatal("a failed reload replaced the rules or will be retried without an edit")
	}

	write(b, "version: 1\nrules:\n  - {name: two, when: 'page.path == \"/b\"', message: hi, min_wait: 0s, quick_replies: [{text: A, value: a}, {text: B, value: b}]}\n", 0)
	if _, err := l.Reload(); err != nil {
		t.Fatal(err)
	}
	if got := len(l.Current().Rules); got != 2 {
		t.Fatalf("after fixing: %d rules, want 2", got)
	}
}
