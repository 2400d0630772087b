package server_test

import (
	"context"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/beckonhq/beckon/server"
	"github.com/beckonhq/beckon/store/boltstore"
)

func TestBadConfig(t *testing.T) {
	good := readFile(t, "testdata/rules.yaml")
	for _, tc := range []struct {
		name, config, rules, want string
	}{
		{"unknown key", `
listen: 127.0.0.1:8080
workspaces:
  - id: ws_a
    api_keys: [sk_test_123456]
    rules: [rules.yaml]
    sitez: []
`, good, `config CFG is not valid:
  CFG:7: unknown key "sitez"`},
		{"missing id, duplicate site, bad origin, bad webhook", `
workspaces:
  - api_keys: [sk_test_123456]
    rules: [rules.yaml]
    sites:
      - key: site_x
        origins: [https://shop.example/path]
  - id: ws_b
    api_keys: [sk_test_123456]
    rules: [rules.yaml]
    sites:
      - key: site_x
    webhooks:
      - url: ftp://example.com
        events: [live_chat.everything]
`, good, `config CFG is not valid:
  CFG:3: workspaces[0].id: id is required
  CFG:7: workspaces[0].sites[0].origins[0]: "https://shop.example/path" is not an origin like https://www.example.com
  CFG:9: workspaces[1].api_keys[0]: this key is already a key of workspaces[0]
  CFG:12: workspaces[1].sites[0].key: site "site_x" is already a site of workspaces[0]
  CFG:14: workspaces[1].webhooks[0].url: "ftp://example.com" is not an http(s) URL
  CFG:14: workspaces[1].webhooks[0].secret: secret is required: deliveries are signed with it
  CFG:15: workspaces[1].webhooks[0].events[0]: unknown event "live_chat.everything" (known: live_chat.visitor_responded, live_chat.message_sent, live_chat.message_status)`},
		{"bad retention", `
retention: {visitors: 30 days, messages: 10m}
workspaces:
  - id: ws_a
    rules: [rules.yaml]
`, good, `config CFG is not valid:
  CFG:2: retention.visitors: "30 days" is not a period of an hour or more such as 30d or 72h
  CFG:2: retention.messages: "10m" is not a period of an hour or more such as 30d or 72h`},
		{"no workspaces, bad listen, short metrics token", "listen: 8080\nmetrics_token: short\n", good, `config CFG is not valid:
  CFG:1: listen: "8080" is not HOST:PORT
  CFG:2: metrics_token: the metrics token must have at least 16 characters
  CFG:1: workspaces: at least one workspace is required`},
		{"rules that do not load", `
workspaces:
  - id: ws_a
    rules: [rules.yaml]
`, strings.Replace(good, "page.path ==", "pgae.path ==", 1), `config CFG is not valid:
  DIR/rules.yaml:12:11: rule "ac-repair-offer": when: unknown name pgae (did you mean page?)`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			cfgPath := filepath.Join(dir, "beckon.yaml")
			writeFile(t, cfgPath, tc.config)
			writeFile(t, filepath.Join(dir, "rules.yaml"), tc.rules)
			_, err := server.LoadConfig(cfgPath)
			want := strings.ReplaceAll(strings.ReplaceAll(tc.want, "CFG", cfgPath), "DIR", dir)
			if err == nil || err.Error() != want {
				t.Fatalf("got:\n%v\nwant:\n%s", err, want)
			}
		})
	}
}

func TestDemo(t *testing.T) {
	dir := t.TempDir()
	const key = "sk_demo_0123456789"
	cfg, err := server.DemoConfig(dir, "", key)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Listen != "127.0.0.1:8080" || cfg.Workspaces[0].ID != "ws_demo" || cfg.Workspaces[0].Sites[0].Key != "site_demo" {
		t.Fatalf("demo config %+v", cfg)
	}
	if got := strings.Join(cfg.Workspaces[0].Sites[0].Origins, " "); got != "http://localhost:8080 http://127.0.0.1:8080" {
		t.Errorf("origins %s", got)
	}

	// The demo serves the embedded example rules and takes its own key.
	db, err := boltstore.Open(cfg.DBPath(), boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	srv, err := server.New(server.Options{Config: cfg, Store: db})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	h := &harness{t: t, ts: newTestServer(t, srv)}
	r := h.do("GET", "/v1/rules", "", "Authorization", "Bearer "+key, "X-Workspace-ID", "ws_demo")
	if r.status != 200 || len(obj(r.body["data"])["rules"].([]any)) < 10 {
		t.Fatalf("rules: %d %s", r.status, r.raw)
	}

}

func TestRestartKeepsVisitors(t *testing.T) {
	h := newHarness(t, "")
	h.visit("v_back", "https://shop.example/pricing")
	h.restart()
	r := h.api("GET", "/v1/visitors/v_back", "")
	if r.status != 200 {
		t.Fatalf("after restart: %d %s", r.status, r.raw)
	}
	data := obj(r.body["data"])
	if data["id"] != "v_back" || obj(data["page"])["path"] != "/pricing" || obj(data["engagement"])["signals"] == nil {
		t.Fatalf("visitor %s", r.raw)
	}
}

func TestReloadKeepsRulesOnFailure(t *testing.T) {
	h := newHarness(t, "")
	names := func() []string {
		var out []string
		for _, r := range obj(h.api("GET", "/v1/rules", "").body["data"])["rules"].([]any) {
			out = append(out, obj(r)["name"].(string))
		}
		return out
	}
	rulesPath := filepath.Join(h.dir, "rules.yaml")
	good := readFile(t, rulesPath)
	writeFile(t, rulesPath, strings.Replace(good, "priority: 50", "priority: high", 1))
	err := h.srv.Reload()
	if err == nil || !strings.Contains(err.Error(), "rules.yaml:26:15: rule \"follow-up-schedule\": priority:") {
		t.Fatalf("reload error %v", err)
	}
	if got := strings.Join(names(), " "); got != "ac-repair-offer follow-up-schedule" {
		t.Fatalf("rules after a failed reload: %s", got)
	}
	writeFile(t, rulesPath, strings.Replace(good, "name: follow-up-schedule", "name: schedule-follow-up", 1))
	if err := h.srv.Reload(); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(names(), " "); got != "ac-repair-offer schedule-follow-up" {
		t.Fatalf("rules after a good reload: %s", got)
	}
	// An emptied file would stop all chat: refused, unless it says rules: [].
	writeFile(t, rulesPath, "")
	if err := h.srv.Reload(); err == nil || !strings.Contains(err.Error(), "rules.yaml:1:1: has no rules now") {
		t.Fatalf("reload of an empty file: %v", err)
	}
	if got := strings.Join(names(), " "); got != "ac-repair-offer schedule-follow-up" {
		t.Fatalf("rules after an empty file: %s", got)
	}
	writeFile(t, rulesPath, "version: 1\nrules: []\n")
	if err := h.srv.Reload(); err != nil || len(names()) != 0 {
		t.Fatalf("rules: [] on purpose: %v, rules %v", err, names())
	}
}

func TestRuleFileWatch(t *testing.T) {
	h := newHarness(t, "limits: {api_burst: 100000}\n", func(o *server.Options) { o.ReloadInterval = 10 * time.Millisecond })
	rulesPath := filepath.Join(h.dir, "rules.yaml")
	writeFile(t, rulesPath, strings.Replace(readFile(t, rulesPath), "name: ac-repair-offer", "name: ac-offer", 1))
	eventually(t, "the changed rule file is loaded", func() bool {
		rules := obj(h.api("GET", "/v1/rules", "").body["data"])["rules"].([]any)
		return obj(rules[0])["name"] == "ac-offer"
	})
}

// newTestServer serves srv's handler until the test ends.
func newTestServer(t *testing.T, srv *server.Server) *httptest.Server {
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(func() {
		srv.EndStreams()
		ts.Close()
	})
	if err := srv.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	return ts
}

// What is past retention is swept away: a visitor gone for longer than
// retention.visitors, with its session and messages.
func TestRetentionSweep(t *testing.T) {
	h := newHarness(t, "retention: {visitors: 7d, messages: 7d}\n")
	h.visit("v_old", "https://shop.example/services/ac-repair") // a rule sends at once
	h.visit("v_new", "https://shop.example/pricing")
	v := h.api("GET", "/v1/visitors/v_old", "")
	session := obj(obj(v.body["data"])["session"])["id"].(string)
	if r := h.api("GET", "/v1/sessions/"+session+"/messages", ""); len(obj(r.body["data"])["messages"].([]any)) != 1 {
		t.Fatalf("before the sweep: %s", r.raw)
	}
	h.clock.Set(t0.Add(8 * 24 * time.Hour))
	h.visit("v_new", "https://shop.example/pricing")
	h.restart() // memory holds nobody now
	h.srv.Sweep(context.Background())
	if r := h.api("GET", "/v1/visitors/v_old", ""); r.status != 404 {
		t.Errorf("a visitor past retention: %d %s", r.status, r.raw)
	}
	if r := h.api("GET", "/v1/sessions/"+session+"/messages", ""); r.status != 404 {
		t.Errorf("the session of a visitor past retention: %d %s", r.status, r.raw)
	}
	if r := h.api("GET", "/v1/visitors/v_new", ""); r.status != 200 {
		t.Fatalf("a recent visitor was swept: %d %s", r.status, r.raw)
	}
}
