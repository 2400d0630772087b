package e2e

import (
	"regexp"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

var shiftTab = chromedp.KeyEvent(kb.Tab, chromedp.KeyModifiers(chromedp.ModifierShift))

// focused is the id (or, without one, the class) of the focused element.
func (s *site) focused() string {
	return eval[string](s, "the focused element", `(e => e.id || e.className)(document.activeElement)`)
}

// tabTo presses Tab until the element with the id has the focus.
func (s *site) tabTo(id string) {
	s.t.Helper()
	for range 60 {
		s.run("press Tab", chromedp.KeyEvent(kb.Tab))
		if s.focused() == id {
			return
		}
	}
	s.t.Fatalf("Tab never reached #%s", id)
}

// A visitor who uses only the keyboard reaches the preview, opens the
// chat, writes, picks a quick reply, closes it with Escape and finds the
// focus back on the launcher; the parts carry their ARIA roles.
func TestKeyboardOnly(t *testing.T) {
	s := startSite(t)
	visitorID := s.visit("/")
	s.say(visitorID, "Want a same-day visit?", "Get a Quote", "Schedule Service", "Call Now")
	s.waitFor("the preview appears", visible("#beckon-preview"))
	if got := s.focused(); got == "beckon-preview-open" {
		t.Errorf("the preview took the focus by itself")
	}

	s.check("ARIA", `(() => {
		const l = document.getElementById('beckon-launcher'), p = document.getElementById('beckon-panel');
		return l.getAttribute('aria-controls') === 'beckon-panel' && l.getAttribute('aria-expanded') === 'false' &&
			p.getAttribute('role') === 'dialog' && p.getAttribute('aria-label') === 'Northwind Heating & Air' &&
			document.getElementById('beckon-log').getAttribute('role') === 'log' &&
			document.getElementById('beckon-preview').getAttribute('role') === 'status' &&
			document.querySelector('.beckon-dismiss').getAttribute('aria-label') === 'Dismiss' &&
			document.getElementById('beckon-input').getAttribute('aria-label') === 'Message';
	})()`)

	s.tabTo("beckon-preview-open")
	s.run("press Enter on the preview", chromedp.KeyEvent(kb.Enter))
	s.waitFor("the panel opens", visible("#beckon-panel"))
	if got := s.focused(); got != "beckon-input" {
		t.Fatalf("focus on %q after opening, want the message box", got)
	}
	s.check("the launcher says it is open", `document.getElementById('beckon-launcher').getAttribute('aria-expanded') === 'true'`)

	s.run("type and send", chromedp.KeyEvent("Do you work on Saturdays?"+kb.Enter))
	s.waitFor("the reply shows", `document.querySelector('.beckon-reply') !== null`)
	s.run("back to the last quick reply", shiftTab)
	if got := s.focused(); got != "beckon-quick-reply bk-chip" {
		t.Fatalf("Shift+Tab from the message box reached %q, want a quick reply", got)
	}
	s.run("press Space on it", chromedp.KeyEvent(" "))
	s.waitFor("the click is shown", `document.querySelectorAll('.beckon-reply').length === 2`)
	if got := s.text(".bk-chosen"); got != "Call Now" {
		t.Errorf("chosen %q, want Call Now", got)
	}
	if got := s.focused(); got != "beckon-input" {
		t.Errorf("focus on %q after the click, want the message box", got)
	}

	s.run("press Escape", chromedp.KeyEvent(kb.Escape))
	s.waitFor("the panel closes", `!`+visible("#beckon-panel"))
	if got := s.focused(); got != "beckon-launcher" {
		t.Errorf("focus on %q after Escape, want the launcher", got)
	}
	s.run("press Enter on the launcher", chromedp.KeyEvent(kb.Enter))
	s.waitFor("the panel opens again", visible("#beckon-panel"))
	s.run("press Escape", chromedp.KeyEvent(kb.Escape))
	s.waitFor("the panel closes again", `!`+visible("#beckon-panel"))

	s.say(visitorID, "One more thing: we have a spring discount.")
	s.waitFor("a new preview", visible("#beckon-preview"))
	s.tabTo("beckon-preview-open")
	s.run("press Escape on the preview", chromedp.KeyEvent(kb.Escape))
	s.waitFor("the preview is dismissed", `!`+visible("#beckon-preview"))
	if got := s.focused(); got != "beckon-launcher" {
		t.Errorf("focus on %q after dismissing, want the launcher", got)
	}
	if got := s.text("#beckon-unread"); got != "1" {
		t.Errorf("unread count %q after dismissing, want 1: the message is still unread", got)
	}
}

// Every word the widget shows can be translated on the script tag, and
// times follow data-lang. The page is on another origin than Beckon.
func TestTranslatedWords(t *testing.T) {
	s := startSite(t)
	url := s.page("/fr", ` data-lang="fr" data-text-open="Ouvrir la discussion" data-text-close="Fermer"`+
		` data-text-dismiss="Ignorer" data-text-placeholder="Votre message…" data-text-send="Envoyer"`+
		` data-text-message="Message à envoyer" data-text-unread="non lu"`, `<h1>Bonjour</h1>`)
	visitorID := s.visit(url)
	s.say(visitorID, "Bonjour ! Un technicien est disponible aujourd'hui.", "Oui", "Non")
	s.waitFor("the preview appears", visible("#beckon-preview"))
	got := eval[map[string]string](s, "the words", `({
		launcher: document.getElementById('beckon-launcher').getAttribute('aria-label'),
		dismiss: document.querySelector('.beckon-dismiss').getAttribute('aria-label'),
		close: document.querySelector('#beckon-panel .bk-x').getAttribute('aria-label'),
		placeholder: document.getElementById('beckon-input').placeholder,
		input: document.getElementById('beckon-input').getAttribute('aria-label'),
		send: document.getElementById('beckon-send').textContent,
		name: document.querySelector('#beckon-preview-open b').textContent,
	})`)
	want := map[string]string{"launcher": "Ouvrir la discussion (1 non lu)", "dismiss": "Ignorer", "close": "Fermer",
		"placeholder": "Votre message…", "input": "Message à envoyer", "send": "Envoyer", "name": testWidget.Name}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: %q, want %q", k, got[k], v)
		}
	}
	s.run("open", chromedp.Click(chromedp.ID("beckon-preview-open")))
	s.waitFor("the panel opens", visible("#beckon-panel"))
	if tm := s.text(".beckon-time"); !regexp.MustCompile(`^\d{2}:\d{2}$`).MatchString(tm) {
		t.Errorf("time %q, want the French 24-hour form like 14:05", tm)
	}
}
