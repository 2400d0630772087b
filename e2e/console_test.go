package e2e

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// Sign-in takes the API key and sets an HttpOnly, SameSite=Strict session
// cookie: no script can read it, and neither the URL nor the page holds
// the key. A wrong key is refused; sign-out ends the session.
func TestConsoleSignIn(t *testing.T) {
	s := startSite(t, withConsoleRules)
	s.run("open the console", chromedp.Navigate(s.url+"/console/inbox"))
	s.waitFor("the sign-in page", `location.pathname === '/console/signin'`)
	s.follow("a wrong key", chromedp.KeyEvent("sk_not_a_key"+kb.Enter))
	s.waitFor("the problem is said", `(e => !!e && e.textContent.includes('not an API key'))(document.getElementById('problem'))`)
	s.signIn()

	got, err := chromedp.Call(s.tab, network.GetCookies, network.GetCookiesParams{})
	if err != nil {
		t.Fatal(err)
	}
	var session *network.Cookie
	for _, c := range got.Cookies {
		if c.Name == "beckon_console" {
			session = c
		}
	}
	if session == nil || !session.HTTPOnly || session.SameSite != network.CookieSameSiteStrict || session.Path != "/console" {
		t.Fatalf("session cookie %+v, want HttpOnly, SameSite=Strict, Path=/console", session)
	}
	s.check("scripts cannot read the cookie", `!document.cookie.includes('beckon_console')`)
	s.check("the key is nowhere in the page or its URL", `!document.documentElement.outerHTML.includes('`+apiKey+`') && !location.href.includes('`+apiKey+`')`)
	if got := s.text("header .ws"); got != workspaceID {
		t.Errorf("the header names %q, want the workspace %s", got, workspaceID)
	}

	s.follow("sign out", chromedp.Click(chromedp.CSS(".signout button")))
	s.waitFor("back to the sign-in page", `location.pathname === '/console/signin'`)
	s.run("try the inbox again", chromedp.Navigate(s.url+"/console/inbox"))
	s.waitFor("sent to sign in", `location.pathname === '/console/signin'`)
}

// The funnel the rules page draws holds what a journey, replayed against
// the server, made each rule do; a visitor's widget adds delivered and
// read. The shadow rule counts its would-send and sends nothing; the
// disabled rule counts the evaluations that passed it by.
func TestConsoleFunnel(t *testing.T) {
	s := startSite(t, withConsoleRules)
	dana := s.replay(filepath.Join("testdata", "console-journey.yaml"))
	s.signIn()
	s.expectCounts("ac-repair-linger", s.funnel("ac-repair-linger"),
		"funnel.ready=1 funnel.sent=1 funnel.delivered=0 funnel.replied=1 clicks.schedule_service=1 clicks.quote_request=0")
	s.expectCounts("schedule-follow-up", s.funnel("schedule-follow-up"), "funnel.ready=1 funnel.sent=1 funnel.replied=0")
	s.expectCounts("pricing-question", s.funnel("pricing-question"), "funnel.ready=1 funnel.would_send=1 funnel.sent=0")
	s.expectCounts("spring-discount", s.funnel("spring-discount"), "funnel.ready=0 funnel.sent=0 held.disabled=3")
	s.check("the badges", `document.querySelector('[data-rule="pricing-question"] .badge.shadow') !== null && `+
		`document.querySelector('[data-rule="spring-discount"] .badge.off') !== null`)
	v, _ := s.visitor(dana)
	for _, m := range s.transcript(obj(v["session"])["id"].(string)) {
		if m["rule"] == "pricing-question" && m["direction"] == "outbound" {
			t.Errorf("the shadow rule sent a message: %v", m)
		}
	}
	if got := s.text(`[data-rule="ac-repair-linger"] .rate strong`); got != "100% (1 of 1)" {
		t.Errorf("reply rate %q", got)
	}

	visitor := s.browse()
	visitor.visit("/services/ac-repair")
	visitor.waitFor("the offer", visible("#beckon-preview"))
	visitor.run("open it", chromedp.Click(chromedp.ID("beckon-preview-open")))
	visitor.waitFor("the panel", visible("#beckon-panel"))
	s.until("the offer is read", func() error {
		s.run("reload the rules", chromedp.Reload())
		if got := s.funnel("ac-repair-linger"); got["funnel.read"] != "1" || got["funnel.delivered"] != "1" || got["funnel.sent"] != "2" {
			return errorf("funnel %v", got)
		}
		return nil
	})
	for _, w := range []string{"hour", "day", "week"} {
		s.run("the "+w, chromedp.Navigate(s.url+"/console/rules?window="+w))
		s.expectCounts("ac-repair-linger ("+w+")", s.funnel("ac-repair-linger"), "funnel.sent=2 funnel.read=1")
	}
	s.check("the rule files are listed", `document.querySelector('.files').textContent.includes('console-rules.yaml')`)
	s.run("the last 24 hours, on a tall window", chromedp.EmulateViewport(1280, 1700), chromedp.Navigate(s.url+"/console/rules"))
	s.screenshot("console-rules", 1280, 1700)
}

// A visitor's reply appears in the inbox and in the open conversation as
// it comes, as text; an answer typed in the conversation reaches the
// visitor's widget (in another browser) and fires the message_sent
// webhook, as an API message does.
func TestConsoleInbox(t *testing.T) {
	s := startSite(t, withConsoleRules)
	s.signIn()
	s.run("open the inbox", chromedp.Navigate(s.url+"/console/inbox"))
	s.waitFor("the inbox listens", `document.body.dataset.live === 'on'`)
	eval[bool](s, "mark the page", `window.notReloaded = true`)

	visitor := s.browse()
	visitorID := visitor.visit("/services/ac-repair")
	visitor.waitFor("the offer", visible("#beckon-preview"))
	visitor.run("open it", chromedp.Click(chromedp.ID("beckon-preview-open")))
	const hostile = `<img src=x onerror="window.pwned=1">Is tomorrow morning OK?`
	visitor.run("type a reply", chromedp.SendKeys(chromedp.ID("beckon-input"), hostile+kb.Enter))

	s.waitFor("the reply appears in the inbox", `document.querySelector('#inbox li .last') !== null`)
	token := ""
	s.post("/v1/collect", map[string]any{"visitor_id": "visitor_sam", "type": "page_view", "url": s.url + "/pricing"}, &token)
	s.post("/v1/reply", map[string]any{"visitor_id": "visitor_sam", "text": "Do you offer financing for a new unit?"}, &token)
	s.waitFor("a second conversation comes first", `document.querySelectorAll('#inbox li').length === 2 && `+
		`document.querySelector('#inbox li .last').textContent === 'Do you offer financing for a new unit?'`)
	s.check("without a reload", `window.notReloaded === true`)
	if got := s.text("#inbox li:last-child .last"); got != hostile {
		t.Errorf("the inbox shows %q, want the reply as text", got)
	}
	s.check("no markup from the visitor", `document.querySelector('#inbox img') === null && window.pwned === undefined`)
	s.screenshot("console-inbox", 1280, 800)

	s.follow("open the conversation", chromedp.Click(chromedp.CSS("#inbox li:last-child a")))
	s.waitFor("the transcript", `document.querySelector('#transcript .from-visitor') !== null`)
	s.check("the reply is text", `document.querySelector('#transcript .from-visitor .text').textContent === `+jsString(hostile)+
		` && document.querySelector('#transcript img') === null`)
	s.waitFor("the conversation listens", `document.body.dataset.live === 'on'`)
	visitor.run("another reply", chromedp.SendKeys(chromedp.ID("beckon-input"), "Or Thursday."+kb.Enter))
	s.waitFor("it appears in the open conversation", `Array.from(document.querySelectorAll('#transcript .from-visitor .text')).some(e => e.textContent === 'Or Thursday.')`)

	drainHooks(s)
	s.run("type an answer", chromedp.Click(chromedp.ID("message")),
		chromedp.SendKeys(chromedp.ID("message"), "Tomorrow at 9 works: see you then!"))
	s.follow("press Ctrl+Enter", chromedp.KeyEvent(kb.Enter, chromedp.KeyModifiers(chromedp.ModifierCtrl)))
	s.waitFor("the answer is in the transcript", `Array.from(document.querySelectorAll('#transcript .to-visitor .text')).some(e => e.textContent === 'Tomorrow at 9 works: see you then!')`)
	visitor.waitFor("the answer reaches the widget", `Array.from(document.querySelectorAll('.beckon-message')).some(e => e.textContent.includes('Tomorrow at 9 works'))`)
	s.waitForSent("Tomorrow at 9 works: see you then!", visitorID)
	eval[bool](s, "scroll to the top", `(window.scrollTo(0, 0), true)`)
	s.screenshot("console-conversation", 1280, 800)
}

// waitForSent waits for the message_sent webhook of a message's text and
// checks whom it was for.
func (s *site) waitForSent(text, visitorID string) {
	s.t.Helper()
	for {
		var ev struct {
			Event string `json:"event"`
			Data  struct {
				Message string              `json:"message"`
				Visitor struct{ ID string } `json:"visitor"`
			} `json:"data"`
		}
		json.Unmarshal(s.nextHook().body, &ev)
		if ev.Event == "live_chat.message_sent" && ev.Data.Message == text {
			if ev.Data.Visitor.ID != visitorID {
				s.t.Errorf("message_sent for %q, want %s", ev.Data.Visitor.ID, visitorID)
			}
			return
		}
	}
}

// drainHooks forgets the webhooks received so far.
func drainHooks(s *site) {
	for {
		select {
		case <-s.hooks:
		default:
			return
		}
	}
}

func jsString(v string) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// Live visitors lists who is on the site: page, status, time on the page
// and the engagement score with its signals.
func TestConsoleLiveVisitors(t *testing.T) {
	s := startSite(t, withConsoleRules)
	visitor := s.browse()
	id := visitor.visit("/pricing")
	s.signIn()
	s.run("open live visitors", chromedp.Navigate(s.url+"/console/visitors"))
	row := `document.querySelector('tr[data-visitor="` + id + `"]')`
	s.waitFor("the visitor is listed", row+` !== null`)
	got := eval[map[string]string](s, "the row", `(r => ({
		status: r.querySelector('.status').textContent, path: r.querySelector('.path').textContent,
		score: r.querySelector('.score').textContent, signals: r.querySelector('.signals').textContent,
		on: r.querySelector('[data-label="On the page"]').textContent}))(`+row+`)`)
	if got["status"] != "online" || got["path"] != "/pricing" || got["score"] == "" || !strings.Contains(got["signals"], "pages_viewed") ||
		!strings.Contains(got["on"], " s") {
		t.Errorf("the row: %v", got)
	}
	s.screenshot("console-visitors", 1280, 800)
}

// Requests the console did not make are refused: a form posted by another
// site (the browser sends no SameSite=Strict cookie with it) or by another
// origin, a form with a bad CSRF token, and the event stream without a
// session.
func TestConsoleRefusesForgedRequests(t *testing.T) {
	s := startSite(t, withConsoleRules)
	visitor := s.browse()
	visitorID := visitor.visit("/services/ac-repair")
	s.signIn()
	v, _ := s.visitor(visitorID)
	session := obj(v["session"])["id"].(string)

	attack := s.page("/attack", "", `<form id="f" method="post" action="`+s.url+`/console/inbox/`+session+`">`+
		`<input name="csrf" value="guess"><input name="message" value="Forged"></form>`+
		`<script>document.getElementById('f').submit()</script>`)
	// From another site (localhost is not 127.0.0.1) the browser sends no
	// SameSite=Strict cookie; from another origin of the same site it
	// does, and the form's origin and token refuse it.
	s.run("visit another site that posts a form", chromedp.Navigate(strings.Replace(attack, "127.0.0.1", "localhost", 1)))
	s.settle("the console refused it (no session)", `location.href.startsWith('`+s.url+`') && document.body.textContent.includes('Sign in first')`)
	s.run("visit another origin of the same site that posts a form", chromedp.Navigate(attack))
	s.settle("the console refused it (not from the console)", `location.href.startsWith('`+s.url+`') && document.body.textContent.includes('did not come from this console')`)

	s.run("back to the conversation", chromedp.Navigate(s.url+"/console/inbox/"+session))
	status := s.fetchStatus("a form with a bad token", `fetch('/console/inbox/`+session+`', {method: 'POST',
		headers: {'Content-Type': 'application/x-www-form-urlencoded'}, body: 'csrf=bad&message=Forged'})`)
	if status != 403 {
		t.Errorf("a bad CSRF token: %v, want 403", status)
	}
	stranger := s.browse()
	stranger.run("open the console's page", chromedp.Navigate(s.url+"/console/rules"))
	status = stranger.fetchStatus("events without a session", `fetch('/console/events')`)
	if status != 401 {
		t.Errorf("events without a session: %v, want 401", status)
	}
	for _, m := range s.transcript(session) {
		if m["message"] == "Forged" {
			t.Errorf("a forged answer was sent: %v", m)
		}
	}
}

// On a phone the console is used with the keyboard alone: sign in, go
// from page to page, answer; nothing is wider than the screen.
func TestConsolePhoneKeyboard(t *testing.T) {
	s := startSite(t, withConsoleRules)
	visitor := s.browse()
	visitor.visit("/services/ac-repair")
	visitor.waitFor("the offer", visible("#beckon-preview"))
	visitor.run("open it", chromedp.Click(chromedp.ID("beckon-preview-open")))
	visitor.run("ask", chromedp.SendKeys(chromedp.ID("beckon-input"), "Do you service heat pumps too?"+kb.Enter))
	s.run("emulate a phone", chromedp.Emulate(phone{}))
	s.signIn()
	s.noSideScroll("the rules page")
	s.run("the skip link comes first", chromedp.KeyEvent(kb.Tab))
	if got := eval[string](s, "the focused link", `document.activeElement.textContent`); got != "Skip to content" {
		t.Errorf("the first Tab stop is %q, want the skip link", got)
	}
	s.tabToText("Inbox")
	s.follow("press Enter", chromedp.KeyEvent(kb.Enter))
	s.waitFor("the inbox", `location.pathname === '/console/inbox' && document.querySelector('#inbox li a') !== null`)
	s.noSideScroll("the inbox")
	s.tabToText("Do you service heat pumps too?")
	s.follow("press Enter", chromedp.KeyEvent(kb.Enter))
	s.waitFor("the conversation", `document.getElementById('message') !== null`)
	s.noSideScroll("the conversation")
	s.tabTo("message")
	s.run("answer with the keyboard", chromedp.KeyEvent("Yes, every brand."))
	s.follow("press Ctrl+Enter", chromedp.KeyEvent(kb.Enter, chromedp.KeyModifiers(chromedp.ModifierCtrl)))
	s.waitFor("the answer is in the transcript", `Array.from(document.querySelectorAll('#transcript .to-visitor .text')).some(e => e.textContent === 'Yes, every brand.')`)
	s.screenshot("console-phone-conversation", 780, 1688)
	s.tabToText("Live visitors")
	s.follow("press Enter", chromedp.KeyEvent(kb.Enter))
	s.waitFor("live visitors", `location.pathname === '/console/visitors'`)
	s.noSideScroll("live visitors")
}

// tabToText presses Tab until the focused link or button's text contains
// text.
func (s *site) tabToText(text string) {
	s.t.Helper()
	for range 60 {
		s.run("press Tab", chromedp.KeyEvent(kb.Tab))
		if strings.Contains(eval[string](s, "the focused link", `(e => e.matches('a, button') ? e.textContent : '')(document.activeElement)`), text) {
			return
		}
	}
	s.t.Fatalf("Tab never reached %q", text)
}
