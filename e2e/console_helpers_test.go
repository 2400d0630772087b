package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/beckonhq/beckon/journey"
	"github.com/beckonhq/beckon/server"
)

// withConsoleRules loads the console's extra rules (a shadow rule and a
// disabled one) with the test rules, and reports every webhook event.
func withConsoleRules(ws *server.Workspace) {
	path, _ := filepath.Abs(filepath.Join("testdata", "console-rules.yaml"))
	ws.Rules = append(ws.Rules, path)
	ws.Webhooks[0].Events = nil
}

// browse opens another browser context on the same browser: its own
// cookies and storage, as another person's browser would have.
func (s *site) browse() *site {
	s.t.Helper()
	tab, cancel := chromedp.NewContext(s.tab, chromedp.WithNewBrowserContext())
	s.t.Cleanup(cancel)
	other := *s
	other.tab = tab
	other.run("start the other browser", chromedp.EmulateViewport(1280, 800))
	return &other
}

// signIn signs the tab in to the console with the test key, by keyboard.
func (s *site) signIn() {
	s.t.Helper()
	s.run("open the console", chromedp.Navigate(s.url+"/console"))
	s.waitFor("the sign-in form", `location.pathname === '/console/signin' && document.activeElement.id === 'key'`)
	s.follow("type the key and press Enter", chromedp.KeyEvent(apiKey+kb.Enter))
	s.waitFor("the rules page", `location.pathname === '/console/rules' && document.querySelector('.rules') !== null`)
}

// post sends JSON to a public endpoint as the beacon does, carrying the
// visitor's token once the server gave one.
func (s *site) post(path string, body map[string]any, token *string) map[string]any {
	s.t.Helper()
	body["site"] = siteKey
	if *token != "" {
		body["token"] = *token
	}
	raw, _ := json.Marshal(body)
	resp, err := http.Post(s.url+path, "text/plain", bytes.NewReader(raw))
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	answer, _ := io.ReadAll(resp.Body)
	if resp.StatusCode >= 300 {
		s.t.Fatalf("POST %s %s: %d %s", path, raw, resp.StatusCode, answer)
	}
	out := decodeObject(s.t, answer)
	if t, ok := obj(out["data"])["visitor_token"].(string); ok && t != "" {
		*token = t
	}
	return out
}

// replay plays a journey file's first journey against the server in real
// time, as a visitor's beacon and widget would: each event at its offset
// through /v1/collect, a reply through /v1/reply answering the latest
// message that offered its value.
func (s *site) replay(path string) string {
	s.t.Helper()
	js, err := journey.LoadFile(path)
	if err != nil {
		s.t.Fatal(err)
	}
	j, token, start := js[0], "", time.Now()
	for _, ev := range j.Events {
		time.Sleep(time.Until(start.Add(time.Duration(ev.At))))
		if ev.Type == "reply" {
			s.replyTo(j.Visitor.ID, ev, &token)
			continue
		}
		s.post("/v1/collect", map[string]any{"visitor_id": j.Visitor.ID, "type": ev.Type, "url": ev.URL, "title": ev.Title,
			"attributes": ev.Attributes}, &token)
	}
	return j.Visitor.ID
}

func (s *site) replyTo(visitorID string, ev journey.Event, token *string) {
	s.t.Helper()
	body := map[string]any{"visitor_id": visitorID, "text": ev.Text}
	if ev.QuickReply != "" {
		body = map[string]any{"visitor_id": visitorID, "message_id": s.offered(visitorID, ev.QuickReply),
			"quick_reply": map[string]string{"value": ev.QuickReply}}
	}
	s.post("/v1/reply", body, token)
}

// offered is the latest message of the visitor's session that offered the
// value.
func (s *site) offered(visitorID, value string) string {
	s.t.Helper()
	v, err := s.visitor(visitorID)
	if err != nil {
		s.t.Fatal(err)
	}
	msgs := s.transcript(obj(v["session"])["id"].(string))
	for i := len(msgs) - 1; i >= 0; i-- {
		for _, q := range msgs[i]["quick_replies"].([]any) {
			if obj(q)["value"] == value {
				return msgs[i]["message_id"].(string)
			}
		}
	}
	s.t.Fatalf("no message offered %s to %s", value, visitorID)
	return ""
}

// transcript is GET /v1/sessions/{id}/messages's list.
func (s *site) transcript(sessionID string) []map[string]any {
	s.t.Helper()
	a := s.api("GET", "/v1/sessions/"+sessionID+"/messages", "")
	var out []map[string]any
	for _, m := range a.data()["messages"].([]any) {
		out = append(out, obj(m))
	}
	return out
}

// funnel reads the counts the rules page draws for a rule: each bar's
// key and count, by chart.
func (s *site) funnel(rule string) map[string]string {
	s.t.Helper()
	return eval[map[string]string](s, "the funnel of "+rule, fmt.Sprintf(`(() => {
		const out = {};
		document.querySelectorAll('[data-rule=%q] .panel').forEach(p => {
			const chart = p.classList[1];
			p.querySelectorAll('.bar').forEach(b => { out[chart + '.' + b.dataset.key] = b.dataset.count; });
		});
		return out;
	})()`, rule))
}

// expectCounts fails unless the counts hold what want says.
func (s *site) expectCounts(rule string, got map[string]string, want string) {
	s.t.Helper()
	for _, kv := range strings.Fields(want) {
		k, v, _ := strings.Cut(kv, "=")
		if got[k] != v {
			s.t.Errorf("%s: %s is %q, want %s (all: %v)", rule, k, got[k], v, got)
		}
	}
}

// noSideScroll fails when the page is wider than the window.
func (s *site) noSideScroll(what string) {
	s.t.Helper()
	s.check(what+" fits the window", `document.documentElement.scrollWidth <= window.innerWidth`)
}

// follow runs an action that loads a page (a link, a form) and waits for
// the page it ends on to load.
func (s *site) follow(what string, action chromedp.Action[chromedp.Void]) {
	s.t.Helper()
	if _, err := chromedp.Run(s.tab, chromedp.WaitEvent(page.LoadEventFired, nil, action)); err != nil {
		s.t.Fatalf("%s: %v", what, err)
	}
}

// settle polls a JavaScript condition through page loads it does not
// start itself (a script that submits a form, say).
func (s *site) settle(what, cond string) {
	s.t.Helper()
	s.until(what, func() error {
		ok, err := chromedp.Run(s.tab, chromedp.Evaluate[bool](cond))
		if err != nil {
			return err
		}
		if !ok {
			return errorf("%s is false", cond)
		}
		return nil
	})
}

// fetchStatus is the status of a fetch the page makes.
func (s *site) fetchStatus(what, call string) int {
	s.t.Helper()
	v, err := chromedp.Run(s.tab, chromedp.Evaluate[int](call+`.then(r => r.status)`, chromedp.EvalAwaitPromise))
	if err != nil {
		s.t.Fatalf("%s: %v", what, err)
	}
	return v
}
