package e2e

import (
	"slices"
	"testing"

	"github.com/chromedp/chromedp"
)

// shownLink is a link in a message as the widget built it.
type shownLink struct {
	Text   string `json:"text"`
	Href   string `json:"href"`
	Rel    string `json:"rel"`
	Target string `json:"target"`
}

// Only https:// addresses, tel: numbers and phone numbers become links,
// built as elements; other schemes and markup stay text, and nothing runs.
func TestHostileLinkText(t *testing.T) {
	s := startSite(t)
	dialogs := watchDialogs(s)
	visitorID := s.visit("/")
	const message = `Book at https://northwind.example/book?slot=9am. ` +
		`Not these: javascript:alert(1) JavaScript:alert(2) [click](javascript:alert(3)) ` +
		`data:text/html,<script>alert(4)</script> http://plain.example/ ` +
		`https://evil.example/"><img src=x onerror=alert(5)> **bold** <b>tag</b> ` +
		`Call (512) 555-0142 or tel:+15125550199, order 2026-01-20.`
	id := s.say(visitorID, message, `<img src=x onerror=alert(6)>`, "javascript:alert(7)")
	s.waitFor("the preview appears", visible("#beckon-preview"))
	s.run("open", chromedp.Click(chromedp.ID("beckon-preview-open")))
	s.waitFor("the message shows", visible(".beckon-message"))

	if got := s.text(`.beckon-message[data-message-id="` + id + `"]`); got != message {
		t.Errorf("message reads\n%q\nwant the text as sent\n%q", got, message)
	}
	links := eval[[]shownLink](s, "the links", `Array.from(document.querySelectorAll('#beckon-widget a'), a => ({
		text: a.textContent, href: a.getAttribute('href'), rel: a.getAttribute('rel') || '', target: a.getAttribute('target') || ''}))`)
	want := []shownLink{
		{Text: "https://northwind.example/book?slot=9am", Href: "https://northwind.example/book?slot=9am", Rel: "noopener", Target: "_blank"},
		{Text: `https://evil.example/`, Href: "https://evil.example/", Rel: "noopener", Target: "_blank"},
		{Text: "(512) 555-0142", Href: "tel:5125550142"},
		{Text: "tel:+15125550199", Href: "tel:+15125550199"},
	}
	if !slices.Equal(links, want) {
		t.Errorf("links\n%+v\nwant\n%+v", links, want)
	}
	for _, sel := range []string{"#beckon-widget img:not(.bk-av)", ".beckon-message b", ".beckon-message script", `a[href^="javascript"]`, `a[href^="data"]`} {
		if n := eval[int](s, "count "+sel, countOf(sel)); n != 0 {
			t.Errorf("%s matches %d elements", sel, n)
		}
	}
	labels := eval[[]string](s, "the labels", `Array.from(document.querySelectorAll('.beckon-quick-reply'), b => b.textContent)`)
	if !slices.Equal(labels, []string{`<img src=x onerror=alert(6)>`, "javascript:alert(7)"}) {
		t.Errorf("quick-reply labels %q", labels)
	}
	s.run("click the label that looks like a script", chromedp.Click(chromedp.CSS(`.beckon-quick-reply[data-value="javascript:alert(7)"]`)))
	s.waitFor("the click is answered", `document.querySelector('.beckon-reply') !== null`)
	if got := dialogs(); len(got) > 0 {
		t.Errorf("the page opened JavaScript dialogs: %q", got)
	}
}
