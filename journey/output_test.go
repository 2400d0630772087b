package journey

import (
	"bytes"
	"strings"
	"testing"

	"github.com/beckonhq/beckon/rules"
)

// The timeline shows, under a message, the values that printed nothing in
// it, so a marketer sees "Hi !" coming before a visitor does.
func TestTimelineShowsEmptyValues(t *testing.T) {
	set, diags := rules.Parse(rules.Source{Name: "r.yaml", Data: []byte(`version: 1
policy: {min_wait: 0s}
rules:
  - name: hello
    when: page.path == "/a"
    message: Hi {{ visitor.attributes.firstname }}!
    quick_replies: [{text: A, value: a}, {text: B, value: b}]
`)})
	if set == nil {
		t.Fatal(diags)
	}
	js, err := LoadFile(writeFile(t, "name: j\nstart: 2026-01-20T14:29:00Z\nuntil: 1s\nvisitor: {id: v}\nevents:\n  - {at: 0s, type: page_view, url: /a}\n"))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	tl := &Timeline{W: &out}
	tl.Begin(js[0])
	if _, err := Run(set, js[0], tl.Options()); err != nil {
		t.Fatal(err)
	}
	want := "      0s  >> SEND hello (score 6): \"Hi !\"\n" +
		"              [A] [B]\n" +
		"              ! message: {{ visitor.attributes.firstname }} printed nothing\n"
	if !strings.Contains(out.String(), want) {
		t.Errorf("timeline:\n%s\nwant it to contain:\n%s", out.String(), want)
	}
}
