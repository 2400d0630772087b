package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/beckonhq/beckon/pipeline"
)

// The conversation of testdata/rules.yaml.
const (
	offerText = "Hi there! I noticed you are looking at our AC Repair services. " +
		"We have same-day appointments available. Can I help answer any questions?"
	followUpText = "Great! Which day suits you best for the visit?"
)

// shownMessage is a message as the widget shows it.
type shownMessage struct {
	ID      string       `json:"id"`
	Text    string       `json:"text"`
	Replies []shownReply `json:"replies"`
}

type shownReply struct {
	Text     string `json:"text"`
	Value    string `json:"value"`
	Disabled bool   `json:"disabled"`
}

// widgetMessages reads every message in the widget, with its quick replies.
const widgetMessages = `Array.from(document.querySelectorAll('#beckon-widget .beckon-message')).map(m => ({
	id: m.getAttribute('data-message-id'),
	text: m.textContent,
	replies: Array.from(m.parentElement.querySelectorAll('.beckon-quick-reply')).map(b => ({
		text: b.textContent, value: b.getAttribute('data-value'), disabled: b.disabled,
	})),
}))`

// countOf counts the elements a CSS selector matches.
func countOf(selector string) string {
	return fmt.Sprintf(`document.querySelectorAll(%q).length`, selector)
}

func TestProactiveMessageQuickReplyAndWebhook(t *testing.T) {
	s := startSite(t)
	visitorID := s.open("/services/ac-repair")

	// The rule waits for min_wait and its `for`; the deadline bounds the wait.
	// The message comes as a preview card; a click opens the panel.
	s.run("the rule's message appears", chromedp.WaitVisible(chromedp.ID("beckon-preview")))
	s.run("open the panel", chromedp.Click(chromedp.ID("beckon-preview-open")),
		chromedp.WaitVisible(chromedp.CSS("#beckon-widget .beckon-message")))
	msgs := eval[[]shownMessage](s, "read the widget", widgetMessages)
	if len(msgs) != 1 {
		t.Fatalf("widget shows %d messages, want 1: %+v", len(msgs), msgs)
	}
	offer := msgs[0]
	if offer.Text != offerText {
		t.Errorf("message text %q, want %q", offer.Text, offerText)
	}
	wantReplies := []shownReply{
		{Text: "Get a Quote", Value: "quote_request"},
		{Text: "Schedule Service", Value: "schedule_service"},
		{Text: "Call Now", Value: "call_request"},
	}
	if !slices.Equal(offer.Replies, wantReplies) {
		t.Fatalf("quick replies %+v, want %+v", offer.Replies, wantReplies)
	}
	v, err := s.visitor(visitorID)
	if err != nil {
		t.Fatal(err)
	}
	sessionID, _ := obj(v["session"])["id"].(string)

	s.run("click Schedule Service",
		chromedp.Click(chromedp.CSS(`#beckon-widget .beckon-quick-reply[data-value="schedule_service"]`)))

	checkRespondedWebhook(t, s.nextHook(), visitorID, sessionID, offer.ID)

	s.run("the follow-up appears", chromedp.Poll[chromedp.Void](
		countOf("#beckon-widget .beckon-message")+` >= 2`, chromedp.WithPollingInterval(50*time.Millisecond)))
	msgs = eval[[]shownMessage](s, "read the widget", widgetMessages)
	if len(msgs) != 2 || msgs[1].Text != followUpText || len(msgs[1].Replies) != 0 {
		t.Errorf("widget after the click: %+v, want the offer and then %q", msgs, followUpText)
	}
	for _, r := range msgs[0].Replies {
		if !r.Disabled {
			t.Errorf("quick reply %q can still be clicked after the visitor chose one", r.Value)
		}
	}
	replies := eval[[]string](s, "read the visitor's replies",
		`Array.from(document.querySelectorAll('#beckon-widget .beckon-reply'), r => r.textContent)`)
	if !slices.Equal(replies, []string{"Schedule Service"}) {
		t.Errorf("visitor's replies shown %q, want the button's label", replies)
	}

	// The widget acks each message delivered, then read, as the panel is
	// open; the transcript has the click between the two.
	s.until("both messages are read", func() error {
		a := s.api("GET", "/v1/sessions/"+sessionID+"/messages", "")
		list, _ := a.data()["messages"].([]any)
		if a.status != http.StatusOK || len(list) != 3 {
			return fmt.Errorf("%d %s", a.status, a.raw)
		}
		first, click, second := obj(list[0]), obj(list[1]), obj(list[2])
		if first["message_id"] != offer.ID || first["rule"] != "ac-repair-linger" || second["rule"] != "schedule-follow-up" ||
			click["direction"] != "visitor" || click["message"] != "Schedule Service" {
			return fmt.Errorf("not the offer, the click, then the follow-up: %s", a.raw)
		}
		if first["status"] != "read" || second["status"] != "read" {
			return fmt.Errorf("statuses %v, %v", first["status"], second["status"])
		}
		return nil
	})
}

// checkRespondedWebhook checks a live_chat.visitor_responded delivery: its
// signature, and a body of exactly the documented shape plus an id.
func checkRespondedWebhook(t *testing.T, d delivery, visitorID, sessionID, messageID string) {
	t.Helper()
	if err := pipeline.Verify(webhookSecret, d.header.Get("Beckon-Signature"), d.body, time.Now(), 5*time.Minute); err != nil {
		t.Errorf("Beckon-Signature %q does not verify: %v", d.header.Get("Beckon-Signature"), err)
	}
	body := decodeObject(t, d.body)
	checkKeys(t, "the webhook", body, "id", "event", "session_id", "timestamp", "data")
	data := obj(body["data"])
	checkKeys(t, "the webhook's data", data, "message_id", "message", "quick_reply_clicked", "visitor")
	clicked := obj(data["quick_reply_clicked"])
	checkKeys(t, "data.quick_reply_clicked", clicked, "value", "action")
	visitor := obj(data["visitor"])
	checkKeys(t, "data.visitor", visitor, "id", "status", "engagement_score")

	if id, _ := body["id"].(string); id == "" {
		t.Errorf("id %#v, want a non-empty string", body["id"])
	}
	if body["event"] != "live_chat.visitor_responded" {
		t.Errorf("event %v", body["event"])
	}
	if body["session_id"] != sessionID {
		t.Errorf("session_id %v, want the visitor's session %s", body["session_id"], sessionID)
	}
	ts, _ := body["timestamp"].(string)
	if at, err := time.Parse(time.RFC3339, ts); err != nil || time.Since(at).Abs() > time.Minute {
		t.Errorf("timestamp %q, want RFC 3339 and about now", ts)
	}
	if data["message_id"] != messageID {
		t.Errorf("data.message_id %v, want the answered message %s", data["message_id"], messageID)
	}
	if data["message"] != "Schedule Service" {
		t.Errorf("data.message %v, want the button's label", data["message"])
	}
	if clicked["value"] != "schedule_service" || clicked["action"] != "schedule" {
		t.Errorf("data.quick_reply_clicked %v", clicked)
	}
	if visitor["id"] != visitorID || visitor["status"] != "engaged" {
		t.Errorf("data.visitor %v, want id %s and status engaged", visitor, visitorID)
	}
	if score, ok := visitor["engagement_score"].(float64); !ok || score < 0 || score > 100 {
		t.Errorf("data.visitor.engagement_score %#v, want a number 0-100", visitor["engagement_score"])
	}
	if t.Failed() {
		t.Logf("webhook body: %s", d.body)
	}
}

func TestMessageIsRenderedAsText(t *testing.T) {
	s := startSite(t)
	dialogs := watchDialogs(s)
	// The stream's response headers come once the server has subscribed the
	// widget, so a message sent after them is delivered, not queued.
	responses := chromedp.Events(s.tab, network.ResponseReceived)
	visitorID := s.open("/")
	for ev, err := range responses {
		if err != nil {
			t.Fatalf("waiting for the widget's stream: %v", err)
		}
		if strings.Contains(ev.Response.URL, "/v1/stream?") {
			if ev.Response.Status != http.StatusOK {
				t.Fatalf("stream answered %d", ev.Response.Status)
			}
			break
		}
	}
	s.until("the server knows the visitor", func() error {
		_, err := s.visitor(visitorID)
		return err
	})

	const markup, label = `<img src=x onerror=alert(1)>`, `<b>bold</b>`
	req, _ := json.Marshal(map[string]any{
		"visitor_id":    visitorID,
		"message":       markup,
		"quick_replies": []map[string]string{{"text": label, "value": "bold_value", "action": "quote"}},
		"options":       map[string]any{"override_frequency_cap": true},
	})
	a := s.api("POST", "/v1/outbound/live-chat/message", string(req))
	if a.status != http.StatusOK {
		t.Fatalf("send: %d %s", a.status, a.raw)
	}
	if a.data()["status"] != "delivered" {
		t.Errorf("send answered status %v, want delivered: the widget's stream is open", a.data()["status"])
	}

	s.run("the preview appears", chromedp.WaitVisible(chromedp.ID("beckon-preview")))
	if got := eval[string](s, "the preview", `document.getElementById('beckon-preview-text').textContent`); got != markup {
		t.Errorf("preview shows %q, want %q", got, markup)
	}
	s.run("the message appears", chromedp.Click(chromedp.ID("beckon-preview-open")),
		chromedp.WaitVisible(chromedp.CSS("#beckon-widget .beckon-message")))
	msgs := eval[[]shownMessage](s, "read the widget", widgetMessages)
	messageID, _ := a.data()["message_id"].(string)
	want := []shownMessage{{ID: messageID, Text: markup,
		Replies: []shownReply{{Text: label, Value: "bold_value"}}}}
	if !slices.EqualFunc(msgs, want, func(a, b shownMessage) bool {
		return a.ID == b.ID && a.Text == b.Text && slices.Equal(a.Replies, b.Replies)
	}) {
		t.Errorf("widget shows %+v, want %+v", msgs, want)
	}
	// The only image is the workspace's avatar; the only <b> its name.
	for _, sel := range []string{"#beckon-widget img:not(.bk-av)", ".beckon-message *", ".beckon-quick-reply *", "#beckon-preview-text *"} {
		if n := eval[int](s, "count "+sel, countOf(sel)); n != 0 {
			t.Errorf("%s matches %d elements: the text was parsed as HTML", sel, n)
		}
	}
	if got := dialogs(); len(got) > 0 {
		t.Errorf("the page opened JavaScript dialogs: %q", got)
	}
}

// watchDialogs records (and dismisses) every JavaScript dialog the page
// opens; the result lists their messages so far.
func watchDialogs(s *site) func() []string {
	var mu sync.Mutex
	var seen []string
	events := chromedp.Events(s.tab, page.JavascriptDialogOpening)
	go func() {
		for ev, err := range events {
			if err != nil {
				return
			}
			mu.Lock()
			seen = append(seen, ev.Message)
			mu.Unlock()
			chromedp.Call(s.tab, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: false})
		}
	}()
	return func() []string {
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(seen)
	}
}

func TestSinglePageAppRouteChangeIsAPageView(t *testing.T) {
	s := startSite(t)
	visitorID := s.open("/")
	s.run("click Step 2", chromedp.Click(chromedp.ID("spa-step-2")))
	if loc := eval[string](s, "the path", `location.pathname`); loc != "/spa/step-2" {
		t.Fatalf("path after the click %q, want /spa/step-2 without a page load", loc)
	}

	var v map[string]any
	s.until("the route change is a page view", func() error {
		var err error
		if v, err = s.visitor(visitorID); err != nil {
			return err
		}
		session := obj(v["session"])
		if pages, _ := session["pages"].([]any); !slices.Contains(pages, any("/spa/step-2")) || session["page_views"] != 2.0 {
			return fmt.Errorf("session pages %v, page_views %v", pages, session["page_views"])
		}
		return nil
	})
	if pages := obj(v["session"])["pages"]; !slices.Equal(pages.([]any), []any{"/", "/spa/step-2"}) {
		t.Errorf("session pages %v, want / then /spa/step-2", pages)
	}
	// The beacon reports a route change once the app has set its title.
	if p := obj(v["page"]); p["path"] != "/spa/step-2" || p["title"] != "Step 2: pick a system | Northwind" {
		t.Errorf("current page %v, want /spa/step-2 with the app's title", p)
	}
}

// The beacon keeps the token the server gave next to the visitor id, out
// of window.beckon, and sends it on every call; a browser that lost its
// token cannot go on as the visitor and starts afresh as a new one.
func TestVisitorTokenIsKeptWithTheVisitorID(t *testing.T) {
	s := startSite(t)
	visitorID := s.open("/")
	const kept = `localStorage.getItem('beckon_vt') || ''`
	s.run("the beacon keeps its token", chromedp.Poll[chromedp.Void](kept+` !== ''`, chromedp.WithPollingInterval(50*time.Millisecond)))
	stored := eval[string](s, "the kept token", kept)
	token, ok := strings.CutPrefix(stored, visitorID+".")
	if !ok || len(token) < 16 {
		t.Fatalf("kept %q, want %s.TOKEN", stored, visitorID)
	}
	if cookie := eval[string](s, "the cookie", `document.cookie`); !strings.Contains(cookie, "beckon_vt="+stored) {
		t.Errorf("cookies %q lack beckon_vt=%s", cookie, stored)
	}
	if page := eval[string](s, "window.beckon", `JSON.stringify(window.beckon)`); strings.Contains(page, token) {
		t.Errorf("window.beckon shows the token: %s", page)
	}

	// The next page is the same visitor: its calls carry the token.
	if again := s.open("/pricing"); again != visitorID {
		t.Fatalf("next page has visitor %s, want %s", again, visitorID)
	}
	s.until("the second page view is counted", func() error {
		v, err := s.visitor(visitorID)
		if err != nil || obj(v["session"])["page_views"] != 2.0 {
			return fmt.Errorf("visitor %v, %v", v["session"], err)
		}
		return nil
	})

	// Without its token the id is no use: the beacon becomes a new visitor.
	s.run("forget the token", chromedp.Evaluate[chromedp.Void](
		`localStorage.removeItem('beckon_vt'); document.cookie = 'beckon_vt=; path=/; max-age=0'`))
	s.run("reload", chromedp.Navigate(s.url+"/"))
	s.run("a new visitor with a token of its own", chromedp.Poll[chromedp.Void](
		`window.beckon && window.beckon.visitorId !== `+fmt.Sprintf("%q", visitorID)+` && (`+kept+`).indexOf(window.beckon.visitorId + '.') === 0`,
		chromedp.WithPollingInterval(50*time.Millisecond)))
	fresh := eval[string](s, "the new visitor id", `window.beckon.visitorId`)
	s.until("the new visitor is known", func() error {
		_, err := s.visitor(fresh)
		return err
	})
	if v, _ := s.visitor(visitorID); obj(v["session"])["page_views"] != 2.0 {
		t.Errorf("the old visitor changed: %v", v["session"])
	}
}
