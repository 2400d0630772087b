package e2e

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/beckonhq/beckon/pipeline"
	"github.com/beckonhq/beckon/server"
	"github.com/beckonhq/beckon/store/boltstore"
)

const (
	workspaceID   = "ws_e2e"
	siteKey       = "site_demo"
	apiKey        = "sk_e2e_4f9c2a7d1b"
	webhookSecret = "whsec_e2e_8d31"
	chromiumPath  = "/usr/bin/chromium"

	// testTimeout bounds a whole test, browser start included, so that a
	// broken server or widget fails the test instead of hanging CI.
	testTimeout = 40 * time.Second
)

// site is a running server with the demo site, a webhook receiver and a
// browser tab, all torn down when the test ends.
type site struct {
	t     *testing.T
	url   string          // the server's origin, e.g. http://127.0.0.1:41234
	tab   context.Context // the browser tab; it carries the test's deadline
	hooks chan delivery   // what the webhook receiver got
	pages *pageServer     // pages of another origin that embed the beacon
}

// testWidget is how the widget presents the test workspace.
var testWidget = server.Widget{Name: "Northwind Heating & Air", Avatar: "/avatar.svg", Color: "#0f766e", Launcher: server.LauncherAlways}

// delivery is one webhook request.
type delivery struct {
	header http.Header
	body   []byte
}

// startSite starts everything a test needs: it skips the test when there
// is no browser, unless BECKON_REQUIRE_BROWSER=1 says the run must have one.
// edits adjust the workspace's configuration.
func startSite(t *testing.T, edits ...func(*server.Workspace)) *site {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		if os.Getenv("BECKON_REQUIRE_BROWSER") == "1" {
			t.Fatalf("BECKON_REQUIRE_BROWSER=1 but there is no browser: %v", err)
		}
		t.Skipf("no browser at %s (install chromium, or set BECKON_REQUIRE_BROWSER=1 to make this a failure)", chromiumPath)
	}
	s := &site{t: t, hooks: make(chan delivery, 16), pages: startPages(t)}
	hookURL := s.startReceiver()
	s.startServer(hookURL, edits)
	s.startBrowser()
	return s
}

// startReceiver answers every webhook with 200 and passes it on.
func (s *site) startReceiver() string {
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		select {
		case s.hooks <- delivery{header: r.Header.Clone(), body: body}:
		default: // more than a test reads; the count check will tell
		}
	}))
	s.t.Cleanup(recv.Close)
	return recv.URL + "/hooks"
}

// startServer runs a server over a bbolt file in a temp dir. The listener
// comes first, so that the site's origin is known to the config.
func (s *site) startServer(hookURL string, edits []func(*server.Workspace)) {
	t := s.t
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.url = "http://" + ln.Addr().String()
	rulesPath, err := filepath.Abs(filepath.Join("testdata", "rules.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	ws := server.Workspace{
		ID:        workspaceID,
		KeyHashes: [][sha256.Size]byte{sha256.Sum256([]byte(apiKey))},
		Rules:     []string{rulesPath},
		Sites:     []server.Site{{Key: siteKey, Origins: []string{s.url, s.pages.url}}},
		Webhooks: []pipeline.Webhook{{URL: hookURL, Secret: webhookSecret,
			Events: []string{"live_chat.visitor_responded"}}},
		Widget: testWidget,
	}
	for _, edit := range edits {
		edit(&ws)
	}
	cfg := &server.Config{Listen: ln.Addr().String(), DataDir: t.TempDir(), DemoSite: true, Workspaces: []server.Workspace{ws}}
	db, err := boltstore.Open(cfg.DBPath(), boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := server.New(server.Options{Config: cfg, Store: db,
		Logger: slog.New(slog.NewTextHandler(testLog{t}, nil)), FlushInterval: 10 * time.Millisecond})
	if err != nil {
		db.Close()
		t.Fatal(err)
	}
	if err := srv.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewUnstartedServer(srv.Handler())
	ts.Listener.Close()
	ts.Listener = ln
	ts.Start()
	t.Cleanup(func() {
		srv.EndStreams()
		ts.Close()
		if err := srv.Close(); err != nil {
			t.Error(err)
		}
		if err := db.Close(); err != nil {
			t.Error(err)
		}
	})
}

// startBrowser starts headless Chromium with a fresh profile and opens a
// tab. The test's deadline is the browser's parent context: when it passes,
// the browser goes and every step still waiting fails.
func (s *site) startBrowser() {
	t := s.t
	// Chromium also leaves sockets in TMPDIR: give it one that goes too.
	profile, tmp := t.TempDir(), t.TempDir()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath),
		chromedp.NoSandbox,
		chromedp.Headless,
		chromedp.DisableGPU,
		chromedp.UserDataDir(profile),
		chromedp.Env("TMPDIR="+tmp),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-quic", true),
	)
	deadline, cancelDeadline := context.WithTimeout(context.Background(), testTimeout)
	alloc, cancelAlloc := chromedp.NewExecAllocator(deadline, opts...)
	tab, cancelTab := chromedp.NewContext(alloc)
	t.Cleanup(func() {
		cancelTab()
		cancelAlloc()
		cancelDeadline()
		removeBrowserDir(t, profile)
		removeBrowserDir(t, tmp)
	})
	if err := chromedp.Do(tab, chromedp.EmulateViewport(1280, 800)); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	s.tab = tab
}

// removeBrowserDir removes a directory the browser wrote in. Chromium's
// child processes can still write there for a moment after the browser
// exits, which would make the temp dir's own removal fail.
func removeBrowserDir(t *testing.T, dir string) {
	var err error
	for range 50 {
		if err = os.RemoveAll(dir); err == nil {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Errorf("remove the browser's files: %v", err)
}

type testLog struct{ t *testing.T }

func (w testLog) Write(b []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(b)))
	return len(b), nil
}

// run runs browser steps in the tab.
func (s *site) run(what string, steps ...chromedp.Action[chromedp.Void]) {
	s.t.Helper()
	if err := chromedp.Do(s.tab, steps...); err != nil {
		s.t.Fatalf("%s: %v", what, err)
	}
}

// open loads a page of the demo site and returns the visitor id the beacon
// gave this browser.
func (s *site) open(path string) string {
	s.t.Helper()
	s.run("open "+path, chromedp.Navigate(s.url+path))
	return eval[string](s, "the visitor id", `window.beckon && window.beckon.visitorId`)
}

// eval evaluates a JavaScript expression in the page.
func eval[T any](s *site, what, expr string) T {
	s.t.Helper()
	v, err := chromedp.Run(s.tab, chromedp.Evaluate[T](expr))
	if err != nil {
		s.t.Fatalf("%s: %v", what, err)
	}
	return v
}

// answer is an API response with its body decoded.
type answer struct {
	status int
	raw    []byte
	body   map[string]any
}

// api calls the authenticated API as the test workspace.
func (s *site) api(method, path, body string) answer {
	s.t.Helper()
	req, err := http.NewRequestWithContext(s.tab, method, s.url+path, strings.NewReader(body))
	if err != nil {
		s.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+apiKey)
	req.Header.Set("X-Workspace-ID", workspaceID)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		s.t.Fatalf("%s %s: %v", method, path, err)
	}
	a := answer{status: resp.StatusCode, raw: raw}
	json.Unmarshal(raw, &a.body) // an answer that is not JSON fails the callers' checks
	return a
}

// data is an answer's data object.
func (a answer) data() map[string]any { return obj(a.body["data"]) }

// until polls check until it returns nil, or fails the test with its last
// error when the test's deadline comes.
func (s *site) until(what string, check func() error) {
	s.t.Helper()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		err := check()
		if err == nil {
			return
		}
		select {
		case <-s.tab.Done():
			s.t.Fatalf("%s: never happened; last: %v", what, err)
		case <-tick.C:
		}
	}
}

// nextHook waits for the receiver's next webhook.
func (s *site) nextHook() delivery {
	s.t.Helper()
	select {
	case d := <-s.hooks:
		return d
	case <-s.tab.Done():
		s.t.Fatal("no webhook arrived")
	}
	panic("unreachable")
}

// visitor reads GET /v1/visitors/{id}, failing unless it answers 200.
func (s *site) visitor(id string) (map[string]any, error) {
	a := s.api("GET", "/v1/visitors/"+id, "")
	if a.status != http.StatusOK {
		return nil, fmt.Errorf("GET /v1/visitors/%s: %d %s", id, a.status, a.raw)
	}
	return a.data(), nil
}

func obj(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}

// keys lists an object's keys, sorted.
func keys(v any) []string {
	m := obj(v)
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// checkKeys fails unless the object has exactly these keys.
func checkKeys(t *testing.T, where string, v any, want ...string) {
	t.Helper()
	slices.Sort(want)
	if got := keys(v); !slices.Equal(got, want) {
		t.Errorf("%s has keys %v, want %v", where, got, want)
	}
}

// decodeObject decodes a JSON object, failing the test if it is not one.
func decodeObject(t *testing.T, b []byte) map[string]any {
	t.Helper()
	var m map[string]any
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&m); err != nil || m == nil {
		t.Fatalf("not a JSON object (%v): %s", err, b)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		t.Fatalf("more than one JSON value: %s", b)
	}
	return m
}

// pageServer serves test pages from an origin of its own, as a customer's
// site would embed the beacon from Beckon's.
type pageServer struct {
	url   string
	mu    sync.Mutex
	pages map[string]string // path → HTML
}

func startPages(t *testing.T) *pageServer {
	p := &pageServer{pages: map[string]string{}}
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.mu.Lock()
		html, ok := p.pages[r.URL.Path]
		p.mu.Unlock()
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		io.WriteString(w, html)
	}))
	t.Cleanup(ts.Close)
	p.url = ts.URL
	return p
}

// add serves a page at path whose body is body, with the beacon's script
// tag carrying attrs (e.g. ` data-lang="fr"`); it returns the page's URL.
func (s *site) page(path, attrs, body string) string {
	s.pages.mu.Lock()
	defer s.pages.mu.Unlock()
	s.pages.pages[path] = `<!doctype html><html lang="en"><head><meta charset="utf-8">` +
		`<meta name="viewport" content="width=device-width, initial-scale=1"><title>Test page</title>` +
		`<script defer src="` + s.url + `/beckon.js" data-site="` + siteKey + `"` + attrs + `></script></head>` +
		`<body>` + body + `</body></html>`
	return s.pages.url + path
}
