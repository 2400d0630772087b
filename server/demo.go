package server

import (
	"crypto/sha256"
	"fmt"
	"net"
	"os"
	"strings"

	"github.com/beckonhq/beckon"
	"github.com/beckonhq/beckon/rules"
)

// The demo's names.
const (
	DemoWorkspace = "ws_demo"
	DemoSiteKey   = "site_demo"
	// DemoRulesFile is the rule file the demo reads from the working
	// directory when it is there.
	DemoRulesFile = "rules.example.yaml"
)

// DemoConfig is what `beckon serve` runs without --config: one workspace
// ws_demo with the site site_demo and the API key given, and the rules of
// ./rules.example.yaml when the working directory has one (else the copy
// built into the binary). The Config only holds the key's hash.
func DemoConfig(dataDir, addr, key string) (*Config, error) {
	if dataDir == "" {
		dataDir = DefaultDataDir
	}
	if addr == "" {
		addr = DefaultListen
	}
	if err := CheckListen(addr); err != nil {
		return nil, fmt.Errorf("--addr: %w", err)
	}
	ws := Workspace{
		ID:        DemoWorkspace,
		KeyHashes: [][sha256.Size]byte{sha256.Sum256([]byte(key))},
		Sites:     []Site{{Key: DemoSiteKey, Origins: demoOrigins(addr)}},
		Widget:    Widget{Name: "Northwind Heating & Air", Avatar: "/avatar.svg", Launcher: LauncherAlways},
	}
	if _, err := os.Stat(DemoRulesFile); err == nil {
		ws.Rules = []string{DemoRulesFile}
	} else {
		ws.EmbeddedRules = []rules.Source{{Name: DemoRulesFile + " (built in)", Data: beckon.ExampleRules}}
	}
	cfg := &Config{Listen: addr, DataDir: dataDir, Workspaces: []Workspace{ws},
		Limits: Limits{}.withDefaults(), Retention: Retention{}.withDefaults(), DemoSite: true}
	return cfg, nil
}

// demoOrigins allows the demo page from localhost and 127.0.0.1 on port
// 8080 and on the listen port, and from the listen host itself.
func demoOrigins(addr string) []string {
	origins := []string{"http://localhost:8080", "http://127.0.0.1:8080"}
	host, port, _ := net.SplitHostPort(addr)
	add := func(h string) {
		o := strings.ToLower("http://" + net.JoinHostPort(h, port))
		for _, have := range origins {
			if have == o {
				return
			}
		}
		origins = append(origins, o)
	}
	add("localhost")
	add("127.0.0.1")
	if host != "" && !net.ParseIP(host).IsUnspecified() {
		add(host)
	}
	return origins
}
