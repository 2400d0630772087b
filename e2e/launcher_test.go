package e2e

import (
	"regexp"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/beckonhq/beckon/server"
)

// A visitor sees the launcher at once and can start a chat; a proactive
// message comes as a preview card with the sender's name and avatar and an
// unread count, and only a click opens the panel, where messages carry
// their times.
func TestLauncherPreviewUnreadAndTimes(t *testing.T) {
	s := startSite(t)
	visitorID := s.visit("/services/ac-repair")

	s.waitFor("the launcher is shown before any message", visible("#beckon-launcher"))
	s.waitFor("the workspace's colour is applied",
		`getComputedStyle(document.getElementById('beckon-launcher')).backgroundColor === 'rgb(15, 118, 110)'`)
	s.check("no panel yet", `!`+visible("#beckon-panel"))
	s.check("no preview yet", `!`+visible("#beckon-preview"))

	v, err := s.visitor(visitorID)
	if err != nil {
		t.Fatal(err)
	}
	sessionID, _ := obj(v["session"])["id"].(string)
	first := s.say(visitorID, "Hi! Same-day AC repair slots are open today. See https://northwind.example/book or call (512) 555-0142.",
		"Get a Quote", "Schedule Service", "Call Now")
	s.waitFor("the preview card appears", visible("#beckon-preview"))
	if got := s.text("#beckon-preview-open b"); got != testWidget.Name {
		t.Errorf("preview names %q, want the workspace's name %q", got, testWidget.Name)
	}
	s.check("the preview shows the avatar", `document.querySelector('#beckon-preview-open img.bk-av').src === '`+s.url+`/avatar.svg'`)
	s.check("the panel stays closed", `!`+visible("#beckon-panel"))
	if got := s.text("#beckon-unread"); got != "1" {
		t.Errorf("unread count %q, want 1", got)
	}
	s.check("the launcher says how many are unread",
		`document.getElementById('beckon-launcher').getAttribute('aria-label') === 'Open chat (1 unread)'`)
	s.status(sessionID, first, "delivered")

	second := s.say(visitorID, "Our technicians are 20 minutes away from you.")
	s.waitFor("the second message is counted", `document.getElementById('beckon-unread').textContent === '2'`)
	if got := s.text("#beckon-preview-text"); got != "Our technicians are 20 minutes away from you." {
		t.Errorf("preview shows %q, want the newest message", got)
	}
	s.status(sessionID, first, "delivered") // a preview is not a read

	s.run("open the panel from the card", chromedp.Click(chromedp.ID("beckon-preview-open")))
	s.waitFor("the panel opens", visible("#beckon-panel"))
	s.check("the card goes", `!`+visible("#beckon-preview"))
	s.check("the count goes", `!`+visible("#beckon-unread"))
	s.status(sessionID, first, "read")
	s.status(sessionID, second, "read")
	if got := s.text("#beckon-panel .bk-who"); got != testWidget.Name {
		t.Errorf("panel header %q, want %q", got, testWidget.Name)
	}

	times := eval[[]map[string]string](s, "the message times", `Array.from(document.querySelectorAll('#beckon-log .beckon-time'),
		e => ({text: e.textContent, at: e.getAttribute('datetime')}))`)
	clock := regexp.MustCompile(`^\d{1,2}:\d{2}\s?(AM|PM)$`)
	if len(times) != 2 {
		t.Fatalf("%d message times, want 2", len(times))
	}
	for _, tm := range times {
		if !clock.MatchString(tm["text"]) || len(tm["at"]) < 20 {
			t.Errorf("message time %q (datetime %q), want a time like 2:05 PM and an ISO datetime", tm["text"], tm["at"])
		}
	}

	s.run("the visitor answers", chromedp.Click(chromedp.ID("beckon-input")), chromedp.KeyEvent("Is Friday morning possible?\r"))
	s.waitFor("the answer shows", `document.querySelector('.beckon-reply') !== null`)
	s.screenshot("widget-desktop", 1280, 800)
}

// A workspace may keep the launcher out of sight until a message comes.
func TestLauncherOnlyOnceAMessageArrives(t *testing.T) {
	s := startSite(t, func(ws *server.Workspace) { ws.Widget.Launcher = server.LauncherOnMessage })
	visitorID := s.visit("/")
	s.waitFor("the settings have arrived", `(e => !!e && e.style.getPropertyValue('--bk') === '#0f766e')(document.getElementById('beckon-widget'))`)
	s.check("no launcher before a message", `!`+visible("#beckon-launcher"))
	s.say(visitorID, "Hello from Northwind!", "Yes", "No")
	s.waitFor("the preview appears", visible("#beckon-preview"))
	s.check("with the launcher", visible("#beckon-launcher"))
}

// A visitor with no message yet opens the chat and writes first.
func TestVisitorStartsAChat(t *testing.T) {
	s := startSite(t)
	visitorID := s.visit("/")
	s.waitFor("the launcher is shown", visible("#beckon-launcher"))
	s.run("open and write", chromedp.Click(chromedp.ID("beckon-launcher")), chromedp.KeyEvent("Do you service heat pumps?\r"))
	s.until("the reply reaches the server", func() error {
		v, err := s.visitor(visitorID)
		if err == nil && obj(obj(v["session"])["last_reply"])["text"] != "Do you service heat pumps?" {
			err = errorf("last reply %v", obj(v["session"])["last_reply"])
		}
		return err
	})
}
