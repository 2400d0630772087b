package server_test

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
)

// browser is an HTTP client with a cookie jar that does not follow
// redirects, so each answer can be checked.
type browser struct {
	t      *testing.T
	h      *harness
	client *http.Client
}

func newBrowser(t *testing.T, h *harness) *browser {
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return &browser{t: t, h: h, client: c}
}

func (b *browser) do(method, path string, form url.Values, headers ...string) (int, http.Header, string) {
	b.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, _ := http.NewRequest(method, b.h.ts.URL+path, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := b.client.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(raw)
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// csrf is the token of the first form of a page.
func csrf(t *testing.T, page string) string {
	t.Helper()
	m := csrfField.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no CSRF token in the page:\n%s", page)
	}
	return m[1]
}

// signIn signs the browser in with key and returns a page's CSRF token.
func (b *browser) signIn(key string) string {
	b.t.Helper()
	_, _, page := b.do("GET", "/console/signin", nil)
	status, h, _ := b.do("POST", "/console/signin", url.Values{"csrf": {csrf(b.t, page)}, "key": {key}})
	if status != http.StatusSeeOther || h.Get("Location") != "/console/rules" {
		b.t.Fatalf("sign in: %d to %q", status, h.Get("Location"))
	}
	_, _, page = b.do("GET", "/console/rules", nil)
	return csrf(b.t, page)
}

// Sign-in sets an HttpOnly, SameSite=Strict session cookie that opens the
// pages; a wrong key, a form without its token, a request without the
// cookie and a form from another site are refused; sign-out ends it.
func TestConsoleSignIn(t *testing.T) {
	h := newHarness(t, "")
	b := newBrowser(t, h)
	if status, hd, _ := b.do("GET", "/console/rules", nil); status != http.StatusSeeOther || hd.Get("Location") != "/console/signin" {
		t.Fatalf("rules without a session: %d to %q", status, hd.Get("Location"))
	}
	_, hd, page := b.do("GET", "/console/signin", nil)
	if !strings.Contains(hd.Get("Content-Security-Policy"), "script-src 'self'") || hd.Get("X-Frame-Options") != "DENY" {
		t.Errorf("sign-in page headers: %v", hd)
	}
	token := csrf(t, page)
	if status, _, page := b.do("POST", "/console/signin", url.Values{"csrf": {token}, "key": {"sk_wrong"}}); status != http.StatusUnauthorized ||
		!strings.Contains(page, "not an API key") {
		t.Errorf("a wrong key: %d\n%s", status, page)
	}
	if status, _, _ := b.do("POST", "/console/signin", url.Values{"csrf": {"forged"}, "key": {keyA}}); status != http.StatusForbidden {
		t.Errorf("a sign-in form without its token: %d, want 403", status)
	}
	_, _, page = b.do("GET", "/console/signin", nil)
	status, hd, _ := b.do("POST", "/console/signin", url.Values{"csrf": {csrf(t, page)}, "key": {keyA}})
	cookie := hd.Get("Set-Cookie")
	if status != http.StatusSeeOther || !strings.Contains(cookie, "beckon_console=") || !strings.Contains(cookie, "HttpOnly") ||
		!strings.Contains(cookie, "SameSite=Strict") || !strings.Contains(cookie, "Path=/console") {
		t.Fatalf("sign in: %d, cookie %q", status, cookie)
	}
	status, _, page = b.do("GET", "/console/rules", nil)
	if status != http.StatusOK || !strings.Contains(page, "ac-repair-offer") || strings.Contains(page, keyA) {
		t.Fatalf("rules page: %d (the key must not be in it)\n%s", status, page)
	}
	token = csrf(t, page)

	other := newBrowser(t, h) // no cookie
	if status, _, _ := other.do("POST", "/console/signout", url.Values{"csrf": {token}}); status != http.StatusUnauthorized {
		t.Errorf("a form without the session cookie: %d, want 401", status)
	}
	if status, _, _ := b.do("POST", "/console/signout", url.Values{"csrf": {"bad"}}); status != http.StatusForbidden {
		t.Errorf("a form with a bad token: %d, want 403", status)
	}
	if status, _, _ := b.do("POST", "/console/signout", url.Values{"csrf": {token}}, "Origin", "https://evil.example"); status != http.StatusForbidden {
		t.Errorf("a form from another site: %d, want 403", status)
	}
	if status, _, _ := other.do("GET", "/console/events", nil); status != http.StatusUnauthorized {
		t.Errorf("events without the cookie: %d, want 401", status)
	}

	stolen := b.client.Jar.Cookies(mustURL(t, h.ts.URL+"/console/"))
	if status, hd, _ := b.do("POST", "/console/signout", url.Values{"csrf": {token}}); status != http.StatusSeeOther || hd.Get("Location") != "/console/signin" {
		t.Fatalf("sign out: %d to %q", status, hd.Get("Location"))
	}
	if status, _, _ := b.do("GET", "/console/rules", nil); status != http.StatusSeeOther {
		t.Errorf("rules after signing out: %d, want 303 to the sign-in page", status)
	}
	other.client.Jar.SetCookies(mustURL(t, h.ts.URL+"/console/"), stolen)
	if status, _, _ := other.do("GET", "/console/rules", nil); status != http.StatusSeeOther {
		t.Errorf("the signed-out cookie, replayed: %d, want 303 to the sign-in page", status)
	}
}

func mustURL(t *testing.T, s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// A session lasts 12 hours; a key removed from the configuration ends
// the sessions it opened.
func TestConsoleSessionEnds(t *testing.T) {
	h := newHarness(t, "")
	b := newBrowser(t, h)
	b.signIn(keyA)
	h.clock.Set(t0.Add(12*time.Hour + time.Second))
	if status, _, _ := b.do("GET", "/console/rules", nil); status != http.StatusSeeOther {
		t.Errorf("after 12 hours: %d, want 303 to the sign-in page", status)
	}
	h.clock.Set(t0)
	if status, _, _ := b.do("GET", "/console/rules", nil); status != http.StatusOK {
		t.Fatalf("back within its 12 hours: %d", status)
	}
	h.close()
	h.cfg.Workspaces[0].KeyHashes = h.cfg.Workspaces[1].KeyHashes[:0]
	h.open()
	if status, _, _ := b.do("GET", "/console/rules", nil); status != http.StatusSeeOther {
		t.Errorf("after its key was removed: %d, want 303 to the sign-in page", status)
	}
}

// The pages show what the workspace has: the rule's funnel, the visitor
// on the site, the conversation in the inbox; an answer typed in the
// conversation is sent as an API message and shown in the transcript.
func TestConsolePages(t *testing.T) {
	h := newHarness(t, "")
	b := newBrowser(t, h)
	token := b.signIn(keyA)
	h.visit("v_console", "https://shop.example/services/ac-repair")
	session := obj(obj(h.api("GET", "/v1/visitors/v_console", "").body["data"])["session"])["id"].(string)
	h.clock.Set(t0.Add(5 * time.Second))
	if r := h.widget("/v1/reply", "v_console", `{"site":"site_a","visitor_id":"v_console","text":"<script>alert(1)</script> is it expensive?"TOKEN}`); r.status != http.StatusAccepted {
		t.Fatalf("reply: %d %s", r.status, r.raw)
	}
	pages := map[string][]string{
		"/console/rules":             {`data-rule="ac-repair-offer"`, `data-key="sent" data-count="1"`, "rules.yaml"},
		"/console/rules?window=hour": {`aria-current="true">This hour`},
		"/console/visitors":          {`data-visitor="v_console"`, "/services/ac-repair", "online"},
		"/console/inbox":             {`data-session="` + session + `"`, "&lt;script&gt;alert(1)&lt;/script&gt; is it expensive?"},
		"/console/inbox/" + session:  {"Need a hand with your AC?", "&lt;script&gt;alert(1)&lt;/script&gt;", `name="message"`},
	}
	for path, wants := range pages {
		status, _, page := b.do("GET", path, nil)
		for _, w := range wants {
			if status != http.StatusOK || !strings.Contains(page, w) {
				t.Errorf("GET %s: %d, lacks %q", path, status, w)
			}
		}
		if strings.Contains(page, "<script>alert") {
			t.Errorf("GET %s shows the visitor's markup as markup", path)
		}
	}
	if status, _, _ := b.do("GET", "/console/inbox/sess_nothing", nil); status != http.StatusNotFound {
		t.Errorf("an unknown conversation: %d, want 404", status)
	}
	status, hd, _ := b.do("POST", "/console/inbox/"+session, url.Values{"csrf": {token}, "message": {"We can come tomorrow at 9."}})
	if status != http.StatusSeeOther || hd.Get("Location") != "/console/inbox/"+session+"?sent=1" {
		t.Fatalf("answer: %d to %q", status, hd.Get("Location"))
	}
	msgs := h.api("GET", "/v1/sessions/"+session+"/messages", "")
	if !strings.Contains(string(msgs.raw), `"source":"api","message":"We can come tomorrow at 9."`) {
		t.Errorf("the answer is not an API message of the session: %s", msgs.raw)
	}
	if status, _, page := b.do("POST", "/console/inbox/"+session, url.Values{"csrf": {token}, "message": {"  "}}); status != http.StatusBadRequest ||
		!strings.Contains(page, "Not sent") {
		t.Errorf("an empty answer: %d\n%s", status, page)
	}
}

// The events stream carries a reply as it is recorded.
func TestConsoleEvents(t *testing.T) {
	h := newHarness(t, "")
	b := newBrowser(t, h)
	b.signIn(keyA)
	h.visit("v_ev", "https://shop.example/")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", h.ts.URL+"/console/events", nil)
	resp, err := b.client.Do(req)
	if err != nil || resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("events: %v %v", resp, err)
	}
	defer resp.Body.Close()
	events := make(chan sseEvent, 4)
	go readEvents(bufio.NewReader(resp.Body), events) // the feed is open once the headers came
	if r := h.widget("/v1/reply", "v_ev", `{"site":"site_a","visitor_id":"v_ev","text":"hello?"TOKEN}`); r.status != http.StatusAccepted {
		t.Fatalf("reply: %d %s", r.status, r.raw)
	}
	ev := next(t, events, "the reply event")
	if ev.event != "reply" || !strings.Contains(ev.data, `"visitor_id":"v_ev","text":"hello?"`) {
		t.Errorf("event %+v", ev)
	}
}

// The rules page names the rule files and the last reload; a reload that
// failed is shown with each error at its file:line:col, and the rules that
// kept running.
func TestConsoleShowsReloadErrors(t *testing.T) {
	h := newHarness(t, "")
	b := newBrowser(t, h)
	b.signIn(keyA)
	if _, _, page := b.do("GET", "/console/rules", nil); !strings.Contains(page, "No reload since the server started") {
		t.Errorf("before any reload:\n%s", page)
	}
	rulesPath := h.dir + "/rules.yaml"
	writeFile(t, rulesPath, strings.Replace(readFile(t, rulesPath), "priority: 50", "priority: high", 1))
	if err := h.srv.Reload(); err == nil {
		t.Fatal("a broken file reloaded")
	}
	_, _, page := b.do("GET", "/console/rules", nil)
	for _, want := range []string{"failed; the rules that were running stay", `rules.yaml:26:15: rule &#34;follow-up-schedule&#34;: priority: expected a whole number, got &#34;high&#34;`,
		`data-rule="follow-up-schedule"`} {
		if !strings.Contains(page, want) {
			t.Errorf("rules page lacks %q:\n%s", want, page)
		}
	}
}
