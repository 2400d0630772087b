package server_test

import (
	"bytes"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/beckonhq/beckon/server"
)

const widgetYAML = `    widget:
      name: Northwind Heating & Air
      avatar: /avatar.svg
      color: "#0f766e"
      launcher: on_message
`

// withWidget puts a widget block into ws_a of the tests' configuration.
func withWidget(block string) func(string) string {
	return func(cfg string) string {
		return strings.Replace(cfg, "  - id: ws_b\n", block+"  - id: ws_b\n", 1)
	}
}

func TestWidgetSettings(t *testing.T) {
	h := newHarnessWith(t, withWidget(widgetYAML))
	r := h.do("GET", "/v1/widget?site=site_a", "", "Origin", "https://shop.example")
	if r.status != 200 || r.header.Get("Access-Control-Allow-Origin") != "https://shop.example" {
		t.Fatalf("%d %v %s", r.status, r.header, r.raw)
	}
	checkMeta(t, r)
	want := map[string]any{"name": "Northwind Heating & Air", "avatar": "/avatar.svg", "color": "#0f766e", "launcher": "on_message"}
	if got := obj(r.body["data"]); len(got) != len(want) || got["name"] != want["name"] || got["avatar"] != want["avatar"] ||
		got["color"] != want["color"] || got["launcher"] != want["launcher"] {
		t.Errorf("widget settings %v, want %v", got, want)
	}
	r = h.do("GET", "/v1/widget?site=site_b", "")
	if d := obj(r.body["data"]); r.status != 200 || d["launcher"] != "always" || d["name"] != "" || d["color"] != "" {
		t.Errorf("defaults: %d %s", r.status, r.raw)
	}
	checkError(t, h.do("GET", "/v1/widget?site=site_a", "", "Origin", "https://evil.example"), 403, "forbidden", "")
	checkError(t, h.do("GET", "/v1/widget?site=site_zz", ""), 404, "site_not_found", "site")
	checkError(t, h.do("GET", "/v1/widget", ""), 400, "invalid_request", "site")
}

func TestBadWidgetConfig(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "rules.yaml"), readFile(t, "testdata/rules.yaml"))
	cfgPath := filepath.Join(dir, "beckon.yaml")
	writeFile(t, cfgPath, `workspaces:
  - id: ws_a
    rules: [rules.yaml]
    widget:
      name: `+strings.Repeat("n", 81)+`
      avatar: javascript:alert(1)
      color: "red;background:url(x)"
      launcher: sometimes
`)
	_, err := server.LoadConfig(cfgPath)
	want := strings.ReplaceAll(`config CFG is not valid:
  CFG:5: workspaces[0].widget.name: has at most 80 characters
  CFG:6: workspaces[0].widget.avatar: "javascript:alert(1)" is not an http(s) URL or a path starting with /
  CFG:7: workspaces[0].widget.color: "red;background:url(x)" is not a colour like #1d4ed8
  CFG:8: workspaces[0].widget.launcher: "sometimes": use always or on_message`, "CFG", cfgPath)
	if err == nil || err.Error() != want {
		t.Fatalf("got:\n%v\nwant:\n%s", err, want)
	}
}

// lockedBuffer is a log destination that tests can read while the server
// writes to it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// Sends and replies are logged at info with their ids and rule; what was
// said stays out of the log.
func TestSendsAndRepliesAreLoggedWithoutText(t *testing.T) {
	var logs lockedBuffer
	h := newHarness(t, "", func(o *server.Options) {
		o.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelInfo}))
	})
	h.visit("v_log", "https://shop.example/services/ac-repair")
	sent := h.api("POST", "/v1/outbound/live-chat/message", `{"visitor_id":"v_log","message":"A private offer for you","options":{"override_frequency_cap":true}}`)
	id := obj(sent.body["data"])["message_id"].(string)
	session := obj(sent.body["data"])["session_id"].(string)
	if r := h.widget("/v1/reply", "v_log", `{"site":"site_a","visitor_id":"v_log","message_id":"`+id+`","text":"my phone is 555-0100"TOKEN}`); r.status != 202 {
		t.Fatalf("reply: %d %s", r.status, r.raw)
	}
	out := logs.String()
	for _, want := range []string{
		`level=INFO msg="message sent" workspace=ws_a message_id=msg_`,
		` session_id=` + session + ` visitor_id=v_log source=rule rule=ac-repair-offer`,
		`level=INFO msg="message sent" workspace=ws_a message_id=` + id + ` session_id=` + session + ` visitor_id=v_log source=api rule=""`,
		`level=INFO msg="visitor replied" workspace=ws_a message_id=` + id + ` session_id=` + session + ` visitor_id=v_log rule="" kind=text value=""`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the log lacks %q:\n%s", want, out)
		}
	}
	for _, secret := range []string{"private offer", "555-0100", "Need a hand"} {
		if strings.Contains(out, secret) {
			t.Errorf("the log shows the text %q:\n%s", secret, out)
		}
	}
}
