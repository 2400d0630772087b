package server_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// cookieOf is the name=value of a cookie an answer set.
func cookieOf(t *testing.T, r reply, name string) string {
	t.Helper()
	for _, c := range r.header.Values("Set-Cookie") {
		if strings.HasPrefix(c, name+"=") {
			return strings.SplitN(c, ";", 2)[0]
		}
	}
	t.Fatalf("no %s cookie set: %v", name, r.header)
	return ""
}

// exerciseConsole calls every console route, for success and for failure,
// as a browser would but following no redirect.
func exerciseConsole(t *testing.T, h *harness, sp *spec, session string) {
	const formType = "application/x-www-form-urlencoded"
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	call := func(method, path, body string, headers ...string) reply {
		t.Helper()
		req, _ := http.NewRequest(method, h.ts.URL+path, strings.NewReader(body))
		for i := 0; i+1 < len(headers); i += 2 {
			req.Header.Set(headers[i], headers[i+1])
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		raw, _ := io.ReadAll(resp.Body)
		r := reply{status: resp.StatusCode, header: resp.Header, raw: raw}
		if err := sp.check(method, path, formType, []byte(body), r); err != nil {
			t.Error(err)
		}
		return r
	}
	post := func(path string, form url.Values, cookie string) reply {
		t.Helper()
		return call("POST", path, form.Encode(), "Content-Type", formType, "Cookie", cookie)
	}
	call("GET", "/console", "")
	page := call("GET", "/console/signin", "")
	signin := cookieOf(t, page, "beckon_console_signin")
	token := csrf(t, string(page.raw))
	post("/console/signin", url.Values{"csrf": {token}, "key": {"sk_wrong"}}, signin)
	post("/console/signin", url.Values{"csrf": {token}, "key": {keyA}}, "")
	in := post("/console/signin", url.Values{"csrf": {token}, "key": {keyA}}, signin)
	if in.status != http.StatusSeeOther {
		t.Fatalf("sign in: %d", in.status)
	}
	cookie := cookieOf(t, in, "beckon_console")
	get := func(path string) reply { t.Helper(); return call("GET", path, "", "Cookie", cookie) }
	call("GET", "/console", "", "Cookie", cookie)
	call("GET", "/console/signin", "", "Cookie", cookie)
	get("/console/rules")
	get("/console/rules?window=week")
	call("GET", "/console/rules", "")
	get("/console/visitors")
	get("/console/inbox")
	token = csrf(t, string(get("/console/inbox/"+session).raw))
	get("/console/inbox/sess_nothing")
	post("/console/inbox/"+session, url.Values{"csrf": {token}, "message": {"An answer from the console"}}, cookie)
	post("/console/inbox/"+session, url.Values{"csrf": {token}, "message": {""}}, cookie)
	post("/console/inbox/"+session, url.Values{"csrf": {"forged"}, "message": {"hi"}}, cookie)
	post("/console/inbox/"+session, url.Values{"csrf": {token}, "message": {"hi"}}, "")
	call("GET", "/console/events", "")
	consoleStream(t, h, sp, cookie)
	css := call("GET", "/console/static/console.css", "")
	call("GET", "/console/static/console.css", "", "If-None-Match", css.header.Get("ETag"))
	call("GET", "/console/static/console.js", "")
	call("GET", "/console/static/nope.css", "")
	post("/console/signout", url.Values{"csrf": {token}}, cookie)
}

// consoleStream opens /console/events and checks its answer's headers.
func consoleStream(t *testing.T, h *harness, sp *spec, cookie string) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", h.ts.URL+"/console/events", nil)
	req.Header.Set("Cookie", cookie)
	resp, err := h.ts.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if err := sp.check("GET", "/console/events", "", nil, reply{status: resp.StatusCode, header: resp.Header}); err != nil {
		t.Error(err)
	}
}
