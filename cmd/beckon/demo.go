package main

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"

	"github.com/beckonhq/beckon/server"
)

// demoKeyFile keeps the demo's API key in the data directory, so it stays
// the same across restarts.
const demoKeyFile = "demo-api-key"

// demoKey reads the demo's API key, making it on the first start.
func demoKey(dataDir string) (string, error) {
	path := filepath.Join(dataDir, demoKeyFile)
	data, err := os.ReadFile(path)
	if err == nil {
		key := strings.TrimSpace(string(data))
		if len(key) < 8 {
			return "", fmt.Errorf("demo: %s holds no usable key; delete it to make a new one", path)
		}
		return key, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("demo: read API key: %w", err)
	}
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("demo: make API key: %w", err)
	}
	key := "sk_demo_" + hex.EncodeToString(b[:])
	if err := os.MkdirAll(dataDir, 0o755); err != nil {
		return "", fmt.Errorf("demo: create data directory: %w", err)
	}
	if err := os.WriteFile(path, []byte(key+"\n"), 0o600); err != nil {
		return "", fmt.Errorf("demo: save API key: %w", err)
	}
	return key, nil
}

// baseURL is the address to show for a listener: a wildcard host is shown
// as localhost.
func baseURL(addr net.Addr) string {
	host, port, err := net.SplitHostPort(addr.String())
	if err != nil {
		return "http://" + addr.String()
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, port)
}

// seedRequest is the outbound API's documented example request.
const seedRequest = `{
    "visitor_id": "%s",
    "message": "Hi! I noticed you are looking at our AC repair services. We have same-day appointments available. Can I help answer any questions?",
    "trigger": {
      "type": "page_visit",
      "page_url": "https://example.com/services/ac-repair",
      "time_on_page": 45
    },
    "personalization": {
      "current_interest": "AC Repair"
    },
    "quick_replies": [
      {
        "text": "Get a Quote",
        "value": "quote_request",
        "action": "quote"
      },
      {
        "text": "Schedule Service",
        "value": "schedule_service",
        "action": "schedule"
      },
      {
        "text": "Call Now",
        "value": "call_request",
        "action": "call"
      }
    ]
  }`

// writeBanner prints what a person starting the server needs: where it
// listens and, for the demo (demoKey set), the workspace, the key and a
// request to paste.
func writeBanner(w io.Writer, cfg *server.Config, addr net.Addr, demoKey string) {
	base := baseURL(addr)
	host, port, _ := net.SplitHostPort(addr.String())
	fmt.Fprintf(w, "Beckon is listening on %s\n", addr)
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		fmt.Fprintf(w, "  only this machine can connect; use --addr :%s to expose it\n", port)
	}
	if demoKey == "" {
		for _, ws := range cfg.Workspaces {
			fmt.Fprintf(w, "  workspace %s: %d site(s), rules %s\n", ws.ID, len(ws.Sites), strings.Join(ws.Rules, ", "))
		}
		if cfg.Store != "" {
			fmt.Fprintf(w, "  store %s\n", redactedStore(cfg.Store))
		}
		return
	}
	ws := cfg.Workspaces[0]
	rulesFrom := strings.Join(ws.Rules, ", ")
	if rulesFrom == "" {
		rulesFrom = server.DemoRulesFile + " (the copy built into beckon)"
	}
	fmt.Fprintf(w, "\nDemo site:  %s/\n", base)
	fmt.Fprintf(w, "Workspace:  %s\n", ws.ID)
	fmt.Fprintf(w, "API key:    %s (kept in %s)\n", demoKey, filepath.Join(cfg.DataDir, demoKeyFile))
	fmt.Fprintf(w, "Rules:      %s\n", rulesFrom)
	if cfg.Store != "" {
		fmt.Fprintf(w, "Store:      %s\n", redactedStore(cfg.Store))
	} else {
		fmt.Fprintf(w, "Data:       %s\n", cfg.DBPath())
	}
	fmt.Fprintf(w, "Console:    %s/console (sign in with the API key)\n", base)
	fmt.Fprintf(w, "\nOpen the demo site, then send its visitor a message (paste the visitor id the page shows):\n\n")
	fmt.Fprintf(w, "curl -X POST %s/v1/outbound/live-chat/message \\\n", base)
	fmt.Fprintf(w, "  -H \"Authorization: Bearer %s\" \\\n", demoKey)
	fmt.Fprintf(w, "  -H \"X-Workspace-ID: %s\" \\\n", ws.ID)
	fmt.Fprintf(w, "  -H \"Content-Type: application/json\" \\\n")
	fmt.Fprintf(w, "  -d '"+seedRequest+"'\n\n", "PASTE_THE_VISITOR_ID_FROM_THE_DEMO_PAGE")
	fmt.Fprintf(w, "A second message in one visit answers 409 frequency_capped unless \"options\": {\"override_frequency_cap\": true}.\n")
}
