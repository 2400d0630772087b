package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

const (
	apiKey    = "sk_crash_0123456789"
	workspace = "ws_crash"
	site      = "site_crash"
)

// rulesFile: one rule sends at a page view, one 2s after it; one
// unsolicited message per session.
const rulesFile = `version: 1
policy: {min_wait: 0s, max_proactive_per_session: 1}
rules:
  - name: immediate
    when: page.path == "/now"
    message: Hello now
    quick_replies: [{text: Yes, value: "yes"}, {text: No, value: "no"}]
  - name: linger
    when: page.path == "/wait"
    for: 2s
    min_wait: 0s
    message: Still there?
    quick_replies: [{text: Yes, value: "yes"}, {text: No, value: "no"}]
`

// build compiles the beckon command of this checkout into dir.
func build(dir string) (string, error) {
	bin := filepath.Join(dir, "beckon")
	root, err := moduleRoot()
	if err != nil {
		return "", err
	}
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/beckon")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("%v: %s", err, out)
	}
	return bin, nil
}

func moduleRoot() (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", err
	}
	return filepath.Dir(strings.TrimSpace(string(out))), nil
}

// server is one `beckon serve` process on a shared data directory.
type server struct {
	bin, dir, config, base string
	cmd                    *exec.Cmd
	log                    *os.File
	alive                  atomic.Bool
}

// newServer writes the config and rules for a server listening on a free
// port, reporting webhooks to hook, on the store storeURL ("": a bbolt
// file in dir).
func newServer(bin, dir, hook, storeURL string) (*server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := ln.Addr().String()
	ln.Close()
	store := ""
	if storeURL != "" {
		store = "store: " + storeURL + "\n"
	}
	cfg := fmt.Sprintf(`listen: %s
data_dir: data
%sdemo_site: false
limits: {collect_per_second: 1000000, collect_burst: 1000000, api_per_second: 1000000, api_burst: 1000000}
workspaces:
  - id: %s
    api_keys: [%s]
    rules: [rules.yaml]
    sites: [{key: %s, origins: ["http://%s"]}]
    webhooks: [{url: "%s", secret: whsec_crash, events: [live_chat.message_sent, live_chat.visitor_responded]}]
`, addr, store, workspace, apiKey, site, addr, hook)
	s := &server{bin: bin, dir: dir, config: filepath.Join(dir, "beckon.yaml"), base: "http://" + addr}
	if err := os.WriteFile(filepath.Join(dir, "rules.yaml"), []byte(rulesFile), 0o644); err != nil {
		return nil, err
	}
	return s, os.WriteFile(s.config, []byte(cfg), 0o644)
}

// start runs the server and waits until it answers /healthz.
func (s *server) start() error {
	log, err := os.OpenFile(filepath.Join(s.dir, "serve.log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	s.log = log
	s.cmd = exec.Command(s.bin, "serve", "--config", s.config)
	s.cmd.Stdout, s.cmd.Stderr = log, log
	if err := s.cmd.Start(); err != nil {
		return err
	}
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if resp, err := http.Get(s.base + "/healthz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				s.alive.Store(true)
				return nil
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	s.stop(syscall.SIGKILL)
	return fmt.Errorf("server did not answer /healthz in 30s; see %s", log.Name())
}

// stop sends sig and waits for the process to end.
func (s *server) stop(sig syscall.Signal) {
	s.alive.Store(false)
	s.cmd.Process.Signal(sig)
	s.cmd.Wait()
	s.log.Close()
}

// client is the traffic's HTTP client: short timeouts, many connections.
var client = &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 64}}

// call makes one request and decodes the answer's data; status 0 means
// no answer (the server died).
func (s *server) call(method, path, body string, headers ...string) (int, map[string]any) {
	req, _ := http.NewRequest(method, s.base+path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, nil
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var env struct {
		Data map[string]any `json:"data"`
	}
	json.Unmarshal(raw, &env)
	return resp.StatusCode, env.Data
}

// running reports whether the process is up.
func (s *server) running() bool { return s.alive.Load() }

func (s *server) collect(visitor, path string) int {
	code, data := s.call("POST", "/v1/collect", fmt.Sprintf(`{"site":%q,"visitor_id":%q,"type":"page_view","url":"https://shop.example%s"%s}`,
		site, visitor, path, tokenField(visitor)))
	if t, ok := data["visitor_token"].(string); ok && t != "" {
		tokens.Store(visitor, t)
	}
	return code
}

// tokens are the visitor tokens that collect answers gave, sent with the
// visitor's later calls (to whichever server).
var tokens sync.Map

// tokenField is the visitor's token as a JSON member to append, or "".
func tokenField(visitor string) string {
	if t, ok := tokens.Load(visitor); ok {
		return fmt.Sprintf(`,"token":%q`, t)
	}
	return ""
}

func tokenParam(visitor string) string {
	if t, ok := tokens.Load(visitor); ok {
		return "&token=" + url.QueryEscape(t.(string))
	}
	return ""
}

// send makes an unsolicited API send; key is its Idempotency-Key ("" for
// none).
func (s *server) send(visitor, key string) (int, map[string]any) {
	h := []string{"Authorization", "Bearer " + apiKey, "X-Workspace-ID", workspace}
	if key != "" {
		h = append(h, "Idempotency-Key", key)
	}
	return s.call("POST", "/v1/outbound/live-chat/message", fmt.Sprintf(`{"visitor_id":%q,"message":"Hi from the API"}`, visitor), h...)
}

func (s *server) get(path string) (int, map[string]any) {
	return s.call("GET", path, "", "Authorization", "Bearer "+apiKey, "X-Workspace-ID", workspace)
}

// hooks receives webhooks: the message ids of message_sent, the visitors
// of visitor_responded.
type hooks struct {
	mu        sync.Mutex
	sent      map[string]int
	responded map[string]int
}

func newHooks() *hooks { return &hooks{sent: map[string]int{}, responded: map[string]int{}} }

func (h *hooks) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	var ev struct {
		Event string `json:"event"`
		Data  struct {
			MessageID string `json:"message_id"`
			Visitor   struct {
				ID string `json:"id"`
			} `json:"visitor"`
		} `json:"data"`
	}
	if json.NewDecoder(bytes.NewReader(body)).Decode(&ev) == nil {
		h.mu.Lock()
		switch ev.Event {
		case "live_chat.message_sent":
			h.sent[ev.Data.MessageID]++
		case "live_chat.visitor_responded":
			h.responded[ev.Data.Visitor.ID]++
		}
		h.mu.Unlock()
	}
	w.WriteHeader(http.StatusNoContent)
}

func (h *hooks) has(id string) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.sent[id] > 0
}

func (h *hooks) hasReply(visitor string) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.responded[visitor] > 0
}
