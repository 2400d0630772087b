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

// An emptied rule file would stop every rule: the reload is refused and
// the running rules stay, unless the file says rules: [] on purpose.
func TestLoaderRefusesToDropEveryRule(t *testing.T) {
	p := filepath.Join(t.TempDir(), "rules.yaml")
	write := func(body string) {
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("version: 1\nrules:\n  - {name: one, when: 'page.path == \"/\"', message: hi, min_wait: 0s, quick_replies: [{text: A, value: a}, {text: B, value: b}]}\n")
	l, _, err := NewLoader(p)
	if err != nil {
		t.Fatal(err)
	}
	running := l.Current()
	for _, body := range []string{"", "# nothing yet\n", "version: 1\n", "version: 1\nrules:\n"} {
		write(body)
		diags, err := l.Reload()
		want := p + ":1:1: has no rules now, and this reload would stop all 1 running rules; it is refused (write rules: [] to stop them on purpose)"
		if err == nil || err.Error() != want || len(diags.Errors()) != 1 {
			t.Errorf("reload of %q: err %v", body, err)
		}
		if l.Current() != running {
			t.Fatalf("reload of %q replaced the running rules", body)
		}
	}
	write("version: 1\nrules: []\n")
	if _, err := l.Reload(); err != nil || len(l.Current().Rules) != 0 {
		t.Fatalf("rules: [] on purpose: err %v, %d rules", err, len(l.Current().Rules))
	}
}
