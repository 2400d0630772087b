package server_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"mime"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/beckonhq/beckon/server"
)

// spec is the OpenAPI description, with its schemas compiled by a JSON
// Schema (2020-12) validator, the dialect of OpenAPI 3.1.
type spec struct {
	doc      map[string]any
	compiler *jsonschema.Compiler
	called   map[string]bool // "METHOD PATH" of the operations answered
}

const specURL = "mem://beckon/openapi.json"

func loadSpec(t *testing.T) *spec {
	t.Helper()
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(server.OpenAPI))
	if err != nil {
		t.Fatalf("openapi.json does not parse: %v", err)
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.AssertFormat()
	if err := c.AddResource(specURL, doc); err != nil {
		t.Fatal(err)
	}
	s := &spec{doc: doc.(map[string]any), compiler: c, called: map[string]bool{}}
	if s.doc["openapi"] != "3.1.0" {
		t.Fatalf("openapi %v, want 3.1.0", s.doc["openapi"])
	}
	return s
}

// pointer escapes JSON Pointer tokens.
func pointer(tokens ...string) string {
	r := strings.NewReplacer("~", "~0", "/", "~1")
	var b strings.Builder
	for _, t := range tokens {
		b.WriteString("/" + r.Replace(t))
	}
	return b.String()
}

// validate checks a JSON value against the schema at a JSON pointer.
func (s *spec) validate(ptr string, body []byte) error {
	sch, err := s.compiler.Compile(specURL + "#" + ptr)
	if err != nil {
		return fmt.Errorf("schema %s does not compile: %v", ptr, err)
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("not JSON: %v: %s", err, body)
	}
	if err := sch.Validate(v); err != nil {
		return fmt.Errorf("%v\nbody: %s", err, body)
	}
	return nil
}

// paths are the description's path templates, literal ones first.
func (s *spec) paths() []string {
	paths := make([]string, 0)
	for p := range s.doc["paths"].(map[string]any) {
		paths = append(paths, p)
	}
	sort.Slice(paths, func(i, j int) bool {
		ti, tj := strings.Contains(paths[i], "{"), strings.Contains(paths[j], "{")
		return !ti && tj || ti == tj && paths[i] < paths[j]
	})
	return paths
}

var specVar = regexp.MustCompile(`\\\{\w+\\\}`)

// match finds the path template of a request path. A path marked
// x-beckon-path-prefix takes what no other path matches, as the router's
// prefix route does (but never an API path).
func (s *spec) match(path string) (string, bool) {
	prefix := ""
	for _, p := range s.paths() {
		re := "^" + specVar.ReplaceAllString(regexp.QuoteMeta(p), `[^/]+`) + "$"
		if regexp.MustCompile(re).MatchString(path) {
			return p, true
		}
		if s.doc["paths"].(map[string]any)[p].(map[string]any)["x-beckon-path-prefix"] == true && strings.HasPrefix(path, p) {
			prefix = p
		}
	}
	return prefix, prefix != "" && !strings.HasPrefix(path, "/v1/")
}

// check validates one answer (and, for a success, its request) against
// the description of its operation.
func (s *spec) check(method, url string, reqType string, reqBody []byte, r reply) error {
	path, _, _ := strings.Cut(url, "?")
	tmpl, ok := s.match(path)
	if !ok {
		return fmt.Errorf("%s %s: no path of the description matches", method, path)
	}
	m := strings.ToLower(method)
	op, ok := s.doc["paths"].(map[string]any)[tmpl].(map[string]any)[m].(map[string]any)
	if !ok {
		return fmt.Errorf("%s %s: the description has no %s operation", method, tmpl, method)
	}
	s.called[method+" "+tmpl] = true
	code := strconv.Itoa(r.status)
	resp, ok := op["responses"].(map[string]any)[code].(map[string]any)
	if !ok {
		return fmt.Errorf("%s %s answered %s, which the description does not list: %s", method, tmpl, code, r.raw)
	}
	respPtr := pointer("paths", tmpl, m, "responses", code)
	if ref, ok := resp["$ref"].(string); ok {
		respPtr = strings.TrimPrefix(ref, "#")
		resp = s.resolve(respPtr)
	}
	if err := s.checkContent(respPtr, resp, method, r); err != nil {
		return fmt.Errorf("%s %s %s: %v", method, tmpl, code, err)
	}
	if r.status < 300 && len(reqBody) > 0 {
		ptr := pointer("paths", tmpl, m, "requestBody", "content", reqType, "schema")
		if err := s.validate(ptr, reqBody); err != nil {
			return fmt.Errorf("%s %s: the request: %v", method, tmpl, err)
		}
	}
	return nil
}

func (s *spec) resolve(ptr string) map[string]any {
	var v any = s.doc
	for _, tok := range strings.Split(strings.TrimPrefix(ptr, "/"), "/") {
		v = v.(map[string]any)[strings.NewReplacer("~1", "/", "~0", "~").Replace(tok)]
	}
	return v.(map[string]any)
}

// checkContent checks the answer's media type, and a JSON body's schema.
func (s *spec) checkContent(respPtr string, resp map[string]any, method string, r reply) error {
	content, _ := resp["content"].(map[string]any)
	if method == "HEAD" || len(content) == 0 {
		if len(r.raw) > 0 {
			return fmt.Errorf("a body the description does not have: %s", r.raw)
		}
		return nil
	}
	mt, _, _ := mime.ParseMediaType(r.header.Get("Content-Type"))
	if _, ok := content[mt]; !ok {
		return fmt.Errorf("Content-Type %q is not one of the description's %v", mt, slices.Sorted(mapKeys(content)))
	}
	if mt != "application/json" {
		return nil
	}
	return s.validate(respPtr+pointer("content", mt, "schema"), r.raw)
}

func mapKeys(m map[string]any) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// The description and the router list the same routes.
func TestOpenAPIDescribesEveryRoute(t *testing.T) {
	sp := loadSpec(t)
	h := newHarness(t, "demo_site: true\n")
	routes := h.srv.Routes()
	described := map[string]bool{}
	for _, p := range sp.paths() {
		for m := range sp.doc["paths"].(map[string]any)[p].(map[string]any) {
			if !strings.HasPrefix(m, "x-") && m != "parameters" && m != "description" {
				described[strings.ToUpper(m)+" "+p] = true
			}
		}
	}
	for _, r := range routes {
		if !described[r] {
			t.Errorf("route %s (server/routes.go) is missing from server/openapi.json", r)
		}
		delete(described, r)
	}
	for d := range described {
		t.Errorf("server/openapi.json describes %s, which no route serves", d)
	}
	if len(routes) < 20 {
		t.Errorf("only %d routes found: %v", len(routes), routes)
	}
}

// Real requests to a running server, each answer checked against the
// description; every operation is called at least once.
func TestOpenAPIAnswersMatch(t *testing.T) {
	sp := loadSpec(t)
	h := newHarnessWith(t, func(cfg string) string {
		return withWidget(widgetYAML)(cfg) + "demo_site: true\n"
	})
	call := func(method, url, body string, headers ...string) reply {
		t.Helper()
		r := h.do(method, url, body, headers...)
		ctype := "application/json"
		for i := 0; i+1 < len(headers); i += 2 {
			if headers[i] == "Content-Type" {
				ctype = headers[i+1]
			}
		}
		if err := sp.check(method, url, ctype, []byte(body), r); err != nil {
			t.Error(err)
		}
		return r
	}
	api := func(method, url, body string, headers ...string) reply {
		t.Helper()
		return call(method, url, body, append([]string{"Authorization", "Bearer " + keyA, "X-Workspace-ID", "ws_a",
			"Content-Type", "application/json"}, headers...)...)
	}
	exercise(t, h, sp, call, api)
	for _, p := range sp.paths() {
		for m := range sp.doc["paths"].(map[string]any)[p].(map[string]any) {
			if op := strings.ToUpper(m) + " " + p; !strings.HasPrefix(m, "x-") && m != "parameters" && m != "description" && !sp.called[op] {
				t.Errorf("no request exercised %s", op)
			}
		}
	}
}

type caller func(method, url, body string, headers ...string) reply

// exercise makes requests of every route, for success and for failure.
func exercise(t *testing.T, h *harness, sp *spec, call, api caller) {
	const origin = "https://shop.example"
	if r := call("GET", "/openapi.json", ""); !bytes.Equal(r.raw, server.OpenAPI) {
		t.Error("GET /openapi.json is not the embedded description")
	}
	call("HEAD", "/openapi.json", "")
	call("GET", "/healthz", "")
	call("HEAD", "/healthz", "")
	call("GET", "/metrics", "")
	call("GET", "/metrics", "", "Authorization", "Bearer "+metricsToken)
	call("GET", "/", "")
	call("HEAD", "/", "")
	call("GET", "/nope", "")
	etag := call("GET", "/beckon.js", "").header.Get("ETag")
	call("GET", "/beckon.js", "", "If-None-Match", etag)
	call("HEAD", "/beckon.js", "")
	hash := strings.Trim(etag, `"`)
	call("GET", "/beckon."+hash+".js", "")
	call("HEAD", "/beckon."+hash+".js", "")
	call("GET", "/beckon.0000.js", "")
	for _, ep := range []string{"collect", "stream", "reply", "ack"} {
		call("OPTIONS", "/v1/"+ep, "", "Origin", origin, "Access-Control-Request-Method", "POST")
		call("OPTIONS", "/v1/"+ep, "", "Origin", "https://evil.example")
	}
	call("GET", "/v1/widget?site=site_a", "", "Origin", origin)
	call("GET", "/v1/widget", "")
	call("GET", "/v1/widget?site=site_zz", "")
	call("GET", "/v1/widget?site=site_a", "", "Origin", "https://evil.example")

	first := call("POST", "/v1/collect", `{"site":"site_a","visitor_id":"v_spec","type":"heartbeat"}`, "Content-Type", "text/plain")
	h.tokens["v_spec"], _ = obj(first.body["data"])["visitor_token"].(string)
	tok := func(body string) string { return h.withToken("v_spec", body) }
	call("GET", "/v1/stream?site=site_a&visitor_id=v_spec", "")
	events, resp := h.stream("site_a", "v_spec")
	if err := sp.check("GET", "/v1/stream", "", nil, reply{status: resp.StatusCode, header: resp.Header}); err != nil {
		t.Error(err)
	}
	call("GET", "/v1/stream?site=site_a&visitor_id=bad%20id", "")
	call("GET", "/v1/stream?site=site_zz&visitor_id=v_1", "")
	call("GET", "/v1/stream?site=site_a&visitor_id=v_1", "", "Origin", "https://evil.example")

	view := tok(`{"site":"site_a","visitor_id":"v_spec","type":"page_view","url":"https://shop.example/services/ac-repair","title":"AC","device":"desktop"TOKEN}`)
	call("POST", "/v1/collect", view, "Content-Type", "text/plain")
	call("POST", "/v1/collect", tok(`[{"site":"site_a","visitor_id":"v_spec","type":"scroll","depth":50TOKEN},{"site":"site_a","visitor_id":"v_spec","type":"identify","attributes":{"first_name":"Dana"}TOKEN}]`), "Content-Type", "application/json")
	call("POST", "/v1/collect", `{"site":"site_a","visitor_id":"v_spec","type":"heartbeat"}`)
	call("POST", "/v1/collect", `{"site":"site_a","visitor_id":"v_spec","type":"dance"}`)
	call("POST", "/v1/collect", `{"site":"site_zz","visitor_id":"v_spec","type":"heartbeat"}`)
	call("POST", "/v1/collect", view, "Origin", "https://evil.example")
	call("POST", "/v1/collect", `{"site":"site_a","visitor_id":"v_spec","type":"page_view","url":"`+strings.Repeat("u", 33<<10)+`"}`)

	offer := next(t, events, "the rule's message")
	if err := sp.validate("/components/schemas/StreamMessage", []byte(offer.data)); err != nil {
		t.Errorf("stream event data: %v", err)
	}
	var m struct {
		MessageID string `json:"message_id"`
		SessionID string `json:"session_id"`
	}
	json.Unmarshal([]byte(offer.data), &m)

	send := `{"visitor_id":"v_spec","message":"Hi","trigger":{"type":"page_visit","page_url":"https://shop.example/","time_on_page":4},` +
		`"personalization":{"x":"y"},"quick_replies":[{"text":"Yes","value":"yes","action":"quote"},{"text":"No","value":"no"}]}`
	api("POST", "/v1/outbound/live-chat/message", send) // 409: the rule's message was the proactive one
	h.clock.Set(t0.Add(time.Second))
	api("POST", "/v1/outbound/live-chat/message", strings.Replace(send, `"personalization"`, `"options":{"override_frequency_cap":true},"personalization"`, 1), "Idempotency-Key", "k-1")
	api("POST", "/v1/outbound/live-chat/message", `{"visitor_id":"v_spec"}`)
	api("POST", "/v1/outbound/live-chat/message", `{"visitor_id":"v_nobody","message":"Hi"}`)
	api("POST", "/v1/outbound/live-chat/message", `{"visitor_id":"v_spec","message":"`+strings.Repeat("m", 70<<10)+`"}`)
	call("POST", "/v1/outbound/live-chat/message", send)
	call("POST", "/v1/outbound/live-chat/message", send, "Authorization", "Bearer "+keyB, "X-Workspace-ID", "ws_a")

	api("GET", "/v1/visitors/v_spec", "")
	api("GET", "/v1/visitors/v_nobody", "")
	call("GET", "/v1/visitors/v_spec", "")
	call("GET", "/v1/visitors/v_spec", "", "Authorization", "Bearer "+keyB, "X-Workspace-ID", "ws_a")
	api("GET", "/v1/sessions/"+m.SessionID+"/messages", "")
	api("GET", "/v1/sessions/sess_nothing/messages", "")
	call("GET", "/v1/sessions/"+m.SessionID+"/messages", "")
	call("GET", "/v1/sessions/"+m.SessionID+"/messages", "", "Authorization", "Bearer "+keyB, "X-Workspace-ID", "ws_a")
	api("GET", "/v1/rules", "")
	call("GET", "/v1/rules", "")
	call("GET", "/v1/rules", "", "Authorization", "Bearer "+keyB, "X-Workspace-ID", "ws_a")

	h.clock.Set(t0.Add(2 * time.Second))
	click := tok(`{"site":"site_a","visitor_id":"v_spec","session_id":"` + m.SessionID + `","message_id":"` + m.MessageID + `","quick_reply":{"value":"schedule_service"}TOKEN}`)
	call("POST", "/v1/reply", click, "Content-Type", "text/plain")
	call("POST", "/v1/reply", tok(`{"site":"site_a","visitor_id":"v_spec","text":"hello"TOKEN}`))
	call("POST", "/v1/reply", `{"site":"site_a","visitor_id":"v_spec","text":"hello"}`)
	call("POST", "/v1/reply", `{"site":"site_a","visitor_id":"v_spec"}`)
	call("POST", "/v1/reply", tok(`{"site":"site_a","visitor_id":"v_spec","message_id":"msg_nothing","text":"hi"TOKEN}`))
	call("POST", "/v1/reply", `{"site":"site_zz","visitor_id":"v_spec","text":"hi"}`, "Origin", origin)
	call("POST", "/v1/reply", `{"site":"site_a","visitor_id":"v_spec","text":"hi"}`, "Origin", "https://evil.example")
	call("POST", "/v1/reply", `{"site":"site_a","visitor_id":"v_spec","text":"`+strings.Repeat("t", 9<<10)+`"}`)
	ack := tok(`{"site":"site_a","visitor_id":"v_spec","message_id":"` + m.MessageID + `","status":"read"TOKEN}`)
	call("POST", "/v1/ack", ack)
	call("POST", "/v1/ack", `{"site":"site_a","visitor_id":"v_spec","message_id":"`+m.MessageID+`","status":"read"}`)
	if r := api("GET", "/v1/sessions/"+m.SessionID+"/messages", ""); !strings.Contains(string(r.raw), `"direction":"visitor"`) {
		t.Errorf("the transcript has no reply: %s", r.raw)
	}
	if r := api("GET", "/v1/rules?since=2026-01-20T14:00:00Z", ""); !strings.Contains(string(r.raw), `"clicks":{"no_thanks":0,"quote_request":0,"schedule_service":1}`) {
		t.Errorf("the funnel has no click: %s", r.raw)
	}
	api("GET", "/v1/rules?since=yesterday", "")
	call("POST", "/v1/ack", strings.Replace(ack, `"read"`, `"seen"`, 1))
	call("POST", "/v1/ack", strings.Replace(ack, m.MessageID, "msg_nothing", 1))
	call("POST", "/v1/ack", ack, "Origin", "https://evil.example")
	call("POST", "/v1/ack", `{"site":"site_a","visitor_id":"v_spec","message_id":"`+strings.Repeat("m", 9<<10)+`","status":"read"}`)

	exerciseConsole(t, h, sp, m.SessionID)

	// 405 is the router's, for any path: it has the error shape too.
	if r := h.do("DELETE", "/v1/rules", ""); r.status != 405 {
		t.Errorf("DELETE /v1/rules: %d", r.status)
	} else if err := sp.validate("/components/schemas/Error", r.raw); err != nil {
		t.Errorf("405: %v", err)
	}
}

// Limits answer in the described shape: 429 for a rate, 400
// too_many_attributes for a visitor's attributes.
func TestOpenAPILimits(t *testing.T) {
	sp := loadSpec(t)
	h := newHarness(t, "limits: {max_attributes_per_visitor: 1}\n")
	identify := `{"site":"site_a","visitor_id":"v_1","type":"identify","attributes":{"a":1,"b":2}}`
	r := h.do("POST", "/v1/collect", identify)
	if err := sp.check("POST", "/v1/collect", "application/json", []byte(identify), r); err != nil || obj(r.body["error"])["code"] != "too_many_attributes" {
		t.Errorf("%v: %s", err, r.raw)
	}
	h = newHarness(t, "limits: {api_per_second: 0.001, api_burst: 1, collect_per_second: 0.001, collect_burst: 1}\n")
	for _, c := range []struct{ method, url, body string }{
		{"GET", "/v1/rules", ""},
		{"POST", "/v1/collect", `{"site":"site_a","visitor_id":"v_1","type":"heartbeat"}`},
	} {
		for i := range 2 {
			r := h.api(c.method, c.url, c.body)
			if i == 1 && r.status != 429 {
				t.Errorf("%s %s answered %d the second time, want 429", c.method, c.url, r.status)
			}
			if err := sp.check(c.method, c.url, "application/json", []byte(c.body), r); err != nil {
				t.Error(err)
			}
		}
	}
}
